import type Database from 'better-sqlite3'
import { initialSession, type NewSession, type RefreshTokenRecord, type RotateInput, type Session, type SessionStore } from '../types.js'

interface SessionRow {
  id: string
  user_id: string
  generation: number
  created_at: number
  last_used_at: number
  rotated_at: number | null
  expires_at: number
  absolute_expires_at: number
  sealed_current_token: string | null
  revoked_at: number | null
  user_agent: string | null
  ip: string | null
}

interface TokenRow {
  token_hash: string
  session_id: string
  generation: number
}

function dateOrNull (value: number | null): Date | null {
  return value === null ? null : new Date(value)
}

function toSession (row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    generation: row.generation,
    createdAt: new Date(row.created_at),
    lastUsedAt: new Date(row.last_used_at),
    rotatedAt: dateOrNull(row.rotated_at),
    expiresAt: new Date(row.expires_at),
    absoluteExpiresAt: new Date(row.absolute_expires_at),
    sealedCurrentToken: row.sealed_current_token,
    revokedAt: dateOrNull(row.revoked_at),
    userAgent: row.user_agent,
    ip: row.ip
  }
}

export class SqliteSessionStore implements SessionStore {
  readonly #db: Database.Database
  readonly #statements

  constructor (db: Database.Database) {
    this.#db = db
    this.#statements = {
      insert: db.prepare(`INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, rotated_at,
        expires_at, absolute_expires_at, sealed_current_token, revoked_at, user_agent, ip)
        VALUES (@id, @userId, 0, @createdAt, @createdAt, NULL, @expiresAt, @absoluteExpiresAt, NULL, NULL, @userAgent, @ip)`),
      insertToken: db.prepare<[string, string, number]>('INSERT INTO refresh_tokens (token_hash, session_id, generation) VALUES (?, ?, ?)'),
      byId: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      token: db.prepare<[string], TokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
      // The generation and revoked_at conditions make this the compare-and-set that lets exactly one
      // of several concurrent refreshes with the same token win.
      rotate: db.prepare(`UPDATE sessions SET generation = generation + 1, last_used_at = @now, rotated_at = @now,
        expires_at = @expiresAt, sealed_current_token = @sealed
        WHERE id = @id AND generation = @expectedGeneration AND revoked_at IS NULL`),
      revoke: db.prepare<[number, string]>('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      revokeAll: db.prepare<[number, string, string]>('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?'),
      active: db.prepare<[string, number], SessionRow>(`SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
        ORDER BY created_at DESC, id DESC`),
      deleteForUser: db.prepare<[string]>('DELETE FROM sessions WHERE user_id = ?'),
      deleteExpired: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?')
    }
  }

  async create (input: NewSession): Promise<Session> {
    this.#db.transaction(() => {
      this.#statements.insert.run({
        id: input.id,
        userId: input.userId,
        createdAt: input.createdAt.getTime(),
        expiresAt: input.expiresAt.getTime(),
        absoluteExpiresAt: input.absoluteExpiresAt.getTime(),
        userAgent: input.userAgent,
        ip: input.ip
      })
      this.#statements.insertToken.run(input.tokenHash, input.id, 0)
    })()
    return initialSession(input)
  }

  async findById (id: string): Promise<Session | null> {
    const row = this.#statements.byId.get(id)
    return row === undefined ? null : toSession(row)
  }

  async findToken (tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = this.#statements.token.get(tokenHash)
    return row === undefined ? null : { tokenHash: row.token_hash, sessionId: row.session_id, generation: row.generation }
  }

  async rotate (input: RotateInput): Promise<Session | null> {
    const rotated = this.#db.transaction(() => {
      const result = this.#statements.rotate.run({
        id: input.sessionId,
        expectedGeneration: input.expectedGeneration,
        now: input.now.getTime(),
        expiresAt: input.expiresAt.getTime(),
        sealed: input.sealedCurrentToken
      })
      if (result.changes === 0) return false
      this.#statements.insertToken.run(input.tokenHash, input.sessionId, input.expectedGeneration + 1)
      return true
    })()
    return rotated ? await this.findById(input.sessionId) : null
  }

  async revoke (id: string, now: Date): Promise<boolean> {
    return this.#statements.revoke.run(now.getTime(), id).changes > 0
  }

  async revokeAllForUser (userId: string, now: Date, exceptId?: string): Promise<number> {
    // No session id is the empty string, so '' excludes nothing.
    return this.#statements.revokeAll.run(now.getTime(), userId, exceptId ?? '').changes
  }

  async listActiveForUser (userId: string, now: Date): Promise<Session[]> {
    return this.#statements.active.all(userId, now.getTime()).map(toSession)
  }

  async isRevoked (id: string, now: Date): Promise<boolean> {
    const row = this.#statements.byId.get(id)
    return row === undefined || row.revoked_at !== null || row.expires_at <= now.getTime()
  }

  async deleteAllForUser (userId: string): Promise<number> {
    return this.#statements.deleteForUser.run(userId).changes
  }

  async deleteExpired (now: Date): Promise<number> {
    return this.#statements.deleteExpired.run(now.getTime()).changes
  }
}
