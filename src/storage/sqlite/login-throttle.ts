import type Database from 'better-sqlite3'
import type { LoginFailures, LoginThrottleStore } from '../types.js'

interface FailureRow {
  failures: number
  last_failure_at: number
  expires_at: number
}

function toFailures (row: FailureRow): LoginFailures {
  return { failures: row.failures, lastFailureAt: new Date(row.last_failure_at), expiresAt: new Date(row.expires_at) }
}

export class SqliteLoginThrottleStore implements LoginThrottleStore {
  readonly #statements

  constructor (db: Database.Database) {
    this.#statements = {
      get: db.prepare<[string, number], FailureRow>('SELECT * FROM login_failures WHERE key = ? AND expires_at > ?'),
      // One statement, so concurrent failures on one key each count: an expired record restarts at 1.
      record: db.prepare<{ key: string, now: number, expiresAt: number }, FailureRow>(`
        INSERT INTO login_failures (key, failures, last_failure_at, expires_at) VALUES (@key, 1, @now, @expiresAt)
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN expires_at <= @now THEN 1 ELSE failures + 1 END,
          last_failure_at = @now,
          expires_at = @expiresAt
        RETURNING failures, last_failure_at, expires_at`),
      clear: db.prepare<[string]>('DELETE FROM login_failures WHERE key = ?'),
      deleteExpired: db.prepare<[number]>('DELETE FROM login_failures WHERE expires_at <= ?')
    }
  }

  async get (key: string, now: Date): Promise<LoginFailures | null> {
    const row = this.#statements.get.get(key, now.getTime())
    return row === undefined ? null : toFailures(row)
  }

  async recordFailure (key: string, now: Date, expiresAt: Date): Promise<LoginFailures> {
    const row = this.#statements.record.get({ key, now: now.getTime(), expiresAt: expiresAt.getTime() }) as FailureRow
    return toFailures(row)
  }

  async clear (key: string): Promise<void> {
    this.#statements.clear.run(key)
  }

  async deleteExpired (now: Date): Promise<number> {
    return this.#statements.deleteExpired.run(now.getTime()).changes
  }
}
