import type { Collection, Db, ObjectId } from 'mongodb'
import type { TaskPriority, TaskStatus } from '../types.js'

// Document shapes as stored. Ids are ObjectIds inside the database and 24-hex strings outside it.
// Absent values are stored as null rather than left out, so one equality filter on null matches them.

export interface UserDocument {
  _id: ObjectId
  email: string
  passwordHash: string
  createdAt: Date
}

export interface SessionDocument {
  _id: ObjectId
  userId: ObjectId
  generation: number
  createdAt: Date
  lastUsedAt: Date
  rotatedAt: Date | null
  expiresAt: Date
  absoluteExpiresAt: Date
  sealedCurrentToken: string | null
  revokedAt: Date | null
  userAgent: string | null
  ip: string | null
}

export interface RefreshTokenDocument {
  _id: ObjectId
  tokenHash: string
  sessionId: ObjectId
  generation: number
  /**
   * The session's absolute expiry: the session cannot outlive it, so the record is useless after it.
   * A copy lets a TTL index (or the sweep) delete records whose session the TTL monitor removed.
   */
  expiresAt: Date
}

export interface TaskDocument {
  _id: ObjectId
  ownerId: ObjectId
  title: string
  /** Lower-cased title, so the `q` filter matches case-insensitively with a plain literal pattern. */
  titleLower: string
  description: string | null
  status: TaskStatus
  priority: TaskPriority
  /** 0 low, 1 medium, 2 high: the priority sort order, which the names do not have. */
  priorityRank: number
  dueDate: Date | null
  tags: string[]
  completedAt: Date | null
  createdAt: Date
  updatedAt: Date
  revision: number
}

/** Failed logins of one account key. The key is the _id, so it is unique without another index. */
export interface LoginFailureDocument {
  _id: string
  failures: number
  lastFailureAt: Date
  expiresAt: Date
}

export interface Collections {
  users: Collection<UserDocument>
  sessions: Collection<SessionDocument>
  refreshTokens: Collection<RefreshTokenDocument>
  tasks: Collection<TaskDocument>
  loginFailures: Collection<LoginFailureDocument>
}

export function collectionsOf (db: Db): Collections {
  return {
    users: db.collection<UserDocument>('users'),
    sessions: db.collection<SessionDocument>('sessions'),
    refreshTokens: db.collection<RefreshTokenDocument>('refresh_tokens'),
    tasks: db.collection<TaskDocument>('tasks'),
    loginFailures: db.collection<LoginFailureDocument>('login_failures')
  }
}
