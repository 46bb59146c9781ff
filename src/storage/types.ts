// The narrow storage interfaces that routes talk to. Both adapters (embedded SQLite and MongoDB)
// implement them with the same behaviour, and one contract suite in test/storage runs against each.
// Ids are 24 lowercase hex characters on every adapter (see src/ids.ts).

export interface User {
  id: string
  /** Trimmed and lower-cased; unique. */
  email: string
  passwordHash: string
  createdAt: Date
}

export interface UserStore {
  /** Inserts a user. Rejects with DuplicateEmailError when the email is taken. */
  create (input: { email: string, passwordHash: string }): Promise<User>
  findById (id: string): Promise<User | null>
  findByEmail (email: string): Promise<User | null>
  /**
   * Replaces the password hash only while it still equals expectedHash, as one conditional update,
   * so of two concurrent changes only one applies. Returns false when the user is gone or the hash
   * changed meanwhile.
   */
  updatePasswordHash (id: string, passwordHash: string, expectedHash: string): Promise<boolean>
  /** Deletes the user only; callers delete sessions and tasks first. Returns false when absent. */
  delete (id: string): Promise<boolean>
}

export class DuplicateEmailError extends Error {
  constructor (email: string) {
    super(`a user with email ${email} already exists`)
    this.name = 'DuplicateEmailError'
  }
}

/**
 * A session is one refresh-token family, created at login. `generation` counts rotations; the
 * current refresh token has the session's generation, the one before it `generation - 1`.
 */
export interface Session {
  id: string
  userId: string
  generation: number
  createdAt: Date
  lastUsedAt: Date
  /** When the previous token stopped being current; null before the first rotation. */
  rotatedAt: Date | null
  /** The smaller of the idle and the absolute expiry. */
  expiresAt: Date
  /** Fixed at login; never extended. */
  absoluteExpiresAt: Date
  /**
   * The current refresh token encrypted under a key derived from the previous token, so a caller
   * presenting the previous token inside the grace window gets the current one back, while a copy of
   * the database alone reveals nothing. Null before the first rotation.
   */
  sealedCurrentToken: string | null
  revokedAt: Date | null
  userAgent: string | null
  ip: string | null
}

export interface NewSession {
  id: string
  userId: string
  createdAt: Date
  expiresAt: Date
  absoluteExpiresAt: Date
  userAgent: string | null
  ip: string | null
  /** SHA-256 of the first refresh token (generation 0). */
  tokenHash: string
}

/** Builds the session a store creates from NewSession: generation 0, never used, rotated or revoked. */
export function initialSession (input: NewSession): Session {
  return {
    id: input.id,
    userId: input.userId,
    generation: 0,
    createdAt: input.createdAt,
    lastUsedAt: input.createdAt,
    rotatedAt: null,
    expiresAt: input.expiresAt,
    absoluteExpiresAt: input.absoluteExpiresAt,
    sealedCurrentToken: null,
    revokedAt: null,
    userAgent: input.userAgent,
    ip: input.ip
  }
}

export interface RotateInput {
  sessionId: string
  /** The generation the caller saw; the update applies only if it is still current. */
  expectedGeneration: number
  now: Date
  expiresAt: Date
  sealedCurrentToken: string
  /** SHA-256 of the new refresh token, recorded with generation expectedGeneration + 1. */
  tokenHash: string
}

/** One issued refresh token, known only by its SHA-256; kept so old tokens are recognised as reuse. */
export interface RefreshTokenRecord {
  tokenHash: string
  sessionId: string
  generation: number
}

export interface SessionStore {
  /** Creates the session and records its first refresh token, generation 0. */
  create (input: NewSession): Promise<Session>
  findById (id: string): Promise<Session | null>
  findToken (tokenHash: string): Promise<RefreshTokenRecord | null>
  /**
   * Advances the generation by one if it still equals expectedGeneration and the session is not
   * revoked, as one atomic conditional update. Returns the updated session, or null when another
   * caller rotated first (or the session was revoked or deleted).
   */
  rotate (input: RotateInput): Promise<Session | null>
  /** Marks the session revoked. Returns false when it does not exist or is already revoked. */
  revoke (id: string, now: Date): Promise<boolean>
  /** Marks every live session of the user revoked, except `exceptId`. Returns how many. */
  revokeAllForUser (userId: string, now: Date, exceptId?: string): Promise<number>
  /** Live (unrevoked, unexpired) sessions of the user, newest first. */
  listActiveForUser (userId: string, now: Date): Promise<Session[]>
  /** True when the session is revoked, expired or gone: its access tokens must be rejected. */
  isRevoked (id: string, now: Date): Promise<boolean>
  deleteAllForUser (userId: string): Promise<number>
  /** Deletes sessions (and their token records) that expired before `now`. Returns how many. */
  deleteExpired (now: Date): Promise<number>
}

export const taskStatuses = ['pending', 'in-progress', 'completed'] as const
export const taskPriorities = ['low', 'medium', 'high'] as const
export type TaskStatus = typeof taskStatuses[number]
export type TaskPriority = typeof taskPriorities[number]

export interface Task {
  id: string
  ownerId: string
  title: string
  description: string | null
  status: TaskStatus
  priority: TaskPriority
  dueDate: Date | null
  tags: string[]
  completedAt: Date | null
  createdAt: Date
  updatedAt: Date
  /** Starts at 1 and grows by one on every update; the ETag is derived from it. */
  revision: number
}

export interface NewTask {
  title: string
  description: string | null
  status: TaskStatus
  priority: TaskPriority
  dueDate: Date | null
  tags: string[]
}

/** Fields a PATCH may change; absent keys stay as they are. */
export type TaskPatch = Partial<NewTask>

export type TaskSortKey = 'createdAt' | 'dueDate' | 'priority' | 'updatedAt'

export interface TaskFilter {
  status?: TaskStatus
  priority?: TaskPriority
  tag?: string
  dueBefore?: Date
  dueAfter?: Date
  /** Due before `now` and not completed. */
  overdue?: boolean
  now: Date
  /** Case-insensitive substring of the title; matched literally, never as a pattern. */
  q?: string
}

/** The position after which the next page starts: the last item's sort value and id. */
export interface TaskListPosition {
  /** ISO date string, priority rank (0 low, 1 medium, 2 high) or null for a missing dueDate. */
  value: string | number | null
  id: string
}

export interface TaskListQuery {
  filter: TaskFilter
  sort: TaskSortKey
  descending: boolean
  limit: number
  after?: TaskListPosition
}

export interface TaskStore {
  create (ownerId: string, input: NewTask, now: Date): Promise<Task>
  findById (ownerId: string, id: string): Promise<Task | null>
  /** Returns at most `limit` tasks in sort order, ties broken by id in the same direction. */
  list (ownerId: string, query: TaskListQuery): Promise<Task[]>
  /**
   * Applies the patch when the task exists, belongs to the owner and, if expectedRevision is given,
   * still has that revision. Returns 'not-found', 'revision-mismatch' or the updated task.
   * The store maintains completedAt: a status of 'completed' keeps an existing completedAt or sets
   * `now`; any other status clears it. Every update sets updatedAt to `now` and adds 1 to revision.
   */
  update (ownerId: string, id: string, patch: TaskPatch, now: Date, expectedRevision?: number): Promise<Task | 'not-found' | 'revision-mismatch'>
  /**
   * Deletes the task when it exists, belongs to the owner and, if expectedRevision is given, still
   * has that revision. The revision is checked in the same statement as the delete, except on
   * FerretDB 1.24 (see MongoTaskStore.delete). Returns 'deleted', 'not-found' or 'revision-mismatch'.
   */
  delete (ownerId: string, id: string, expectedRevision?: number): Promise<'deleted' | 'not-found' | 'revision-mismatch'>
  deleteAllForOwner (ownerId: string): Promise<number>
}

/** Failed logins of one account key (the SHA-256 of the normalised email), for the backoff. */
export interface LoginFailures {
  failures: number
  lastFailureAt: Date
  /** After this the count starts again from zero. */
  expiresAt: Date
}

export interface LoginThrottleStore {
  /** The live record for the key, or null when there is none or it has expired. */
  get (key: string, now: Date): Promise<LoginFailures | null>
  /**
   * Counts one more failure, atomically, starting from zero when the record has expired, and sets
   * lastFailureAt to `now` and expiresAt to `expiresAt`. Returns the updated record.
   */
  recordFailure (key: string, now: Date, expiresAt: Date): Promise<LoginFailures>
  clear (key: string): Promise<void>
  deleteExpired (now: Date): Promise<number>
}

export interface Storage {
  kind: 'sqlite' | 'mongodb'
  users: UserStore
  sessions: SessionStore
  tasks: TaskStore
  loginThrottle: LoginThrottleStore
  /** Resolves when the store responds; rejects otherwise. Used by readiness. */
  ping (): Promise<void>
  close (): Promise<void>
}
