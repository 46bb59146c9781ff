import type Database from 'better-sqlite3'

// Versioned schema migrations, applied in order at start-up inside one transaction each; the applied
// version is kept in SQLite's user_version pragma. Never edit a released migration: append a new one.
// Times are stored as integer milliseconds since the epoch.

/**
 * The dueDate sort key of a task without a due date: Number.MIN_SAFE_INTEGER, below the earliest
 * JavaScript date (-8.64e15 ms). Migration 1 bakes it into an index, so it must never change.
 */
export const MISSING_DUE_DATE_SORT_KEY = -9007199254740991

const migrations: string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    rotated_at INTEGER,
    expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    sealed_current_token TEXT,
    revoked_at INTEGER,
    user_agent TEXT,
    ip TEXT
  ) STRICT;
  CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);

  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    title TEXT NOT NULL,
    title_lower TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due_date INTEGER,
    tags TEXT NOT NULL,
    completed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    -- The dueDate sort key. A missing due date sorts as the smallest value, first in ascending and
    -- last in descending order, which is MongoDB's order for null, so both stores page alike.
    due_sort INTEGER GENERATED ALWAYS AS (COALESCE(due_date, ${MISSING_DUE_DATE_SORT_KEY})) VIRTUAL
  ) STRICT;
  CREATE INDEX tasks_by_created ON tasks (owner_id, created_at, id);
  CREATE INDEX tasks_by_updated ON tasks (owner_id, updated_at, id);
  CREATE INDEX tasks_by_due ON tasks (owner_id, due_sort, id);
  CREATE INDEX tasks_by_priority ON tasks (owner_id, priority, id);
  CREATE TABLE task_tags (
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (task_id, tag)
  ) STRICT;
  CREATE INDEX task_tags_by_owner_tag ON task_tags (owner_id, tag);
  `,
  `
  CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX login_failures_by_expiry ON login_failures (expires_at);
  `
]

export function migrate (db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(`The SQLite database is at schema version ${current}, newer than this release knows (${migrations.length}); run a newer release or use another SQLITE_PATH`)
  }

  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] as string)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
