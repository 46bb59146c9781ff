import type { BaseLogger } from 'pino'
import type { Collection, Document, IndexDescription } from 'mongodb'
import type { Collections } from './collections.js'

// The list query sorts by one of these keys within an owner, with _id breaking ties, so every sort
// and every keyset condition is served by one of these indexes.
const taskSortIndexes: IndexDescription[] = ['createdAt', 'updatedAt', 'dueDate', 'priorityRank'].map((key) => ({
  key: { ownerId: 1, [key]: 1, _id: 1 },
  name: `tasks_by_owner_${key}`
}))

/**
 * Creates every index the stores rely on; creating an index that already exists is a no-op.
 * Returns whether the server deletes expired sessions and login failure records itself through
 * TTL indexes.
 */
export async function ensureIndexes (collections: Collections, log: Pick<BaseLogger, 'info'>): Promise<boolean> {
  await createEach(collections.users, [{ key: { email: 1 }, name: 'users_email_unique', unique: true }])
  await createEach(collections.sessions, [{ key: { userId: 1, createdAt: 1 }, name: 'sessions_by_user' }])
  await createEach(collections.refreshTokens, [
    { key: { tokenHash: 1 }, name: 'refresh_tokens_hash_unique', unique: true },
    // Also the rotation claim: one record per generation of a session (see MongoSessionStore.rotate).
    { key: { sessionId: 1, generation: 1 }, name: 'refresh_tokens_session_generation_unique', unique: true }
  ])
  await createEach(collections.tasks, [...taskSortIndexes, { key: { ownerId: 1, tags: 1 }, name: 'tasks_by_owner_tag' }])

  const sessionsTtl = await createExpiryIndex(collections.sessions, 'sessions')
  const tokensTtl = await createExpiryIndex(collections.refreshTokens, 'refresh_tokens')
  const failuresTtl = await createExpiryIndex(collections.loginFailures, 'login_failures')
  const ttlIndexes = sessionsTtl && tokensTtl && failuresTtl
  if (!ttlIndexes) {
    log.info('the MongoDB server does not support TTL indexes, so only the periodic sweep deletes expired sessions and login failure records')
  }
  return ttlIndexes
}

/**
 * Creates the indexes one command each. FerretDB 1.24 drops the connection (a server-side panic)
 * when one createIndexes command lists two or more indexes that already exist, as on every restart.
 */
async function createEach<T extends Document> (collection: Collection<T>, indexes: IndexDescription[]): Promise<void> {
  for (const { key, ...options } of indexes) await collection.createIndex(key, options)
}

/**
 * Creates a TTL index on expiresAt, or a plain one for the sweep's range delete when the server
 * rejects TTL indexes (FerretDB 1.24 returns NotImplemented). Returns whether the TTL index exists.
 * The two kinds have different names, so a database moved between servers never meets a conflict.
 */
async function createExpiryIndex<T extends Document> (collection: Collection<T>, prefix: string): Promise<boolean> {
  try {
    await collection.createIndex({ expiresAt: 1 }, { name: `${prefix}_expiry_ttl`, expireAfterSeconds: 0 })
    return true
  } catch (error) {
    if (!isUnsupported(error)) throw error
  }
  await collection.createIndex({ expiresAt: 1 }, { name: `${prefix}_by_expiry` })
  return false
}

function isUnsupported (error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = 'code' in error ? error.code : undefined
  // 238 is NotImplemented, 115 CommandNotSupported.
  return code === 238 || code === 115 || /not (yet )?(implemented|supported)/i.test(error.message)
}
