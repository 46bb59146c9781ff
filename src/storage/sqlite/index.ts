import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Storage } from '../types.js'
import { SqliteLoginThrottleStore } from './login-throttle.js'
import { migrate } from './migrations.js'
import { SqliteSessionStore } from './sessions.js'
import { SqliteTaskStore } from './tasks.js'
import { SqliteUserStore } from './users.js'

/** Opens (creating if needed) the SQLite file at `path`, or an in-memory database for ":memory:". */
export function openSqliteStorage (path: string): Storage {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // WAL lets readers proceed while a write is in progress; foreign keys cascade token and tag rows.
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)

  return {
    kind: 'sqlite',
    users: new SqliteUserStore(db),
    sessions: new SqliteSessionStore(db),
    tasks: new SqliteTaskStore(db),
    loginThrottle: new SqliteLoginThrottleStore(db),
    async ping () {
      db.prepare('SELECT 1').get()
    },
    async close () {
      if (db.open) db.close()
    }
  }
}
