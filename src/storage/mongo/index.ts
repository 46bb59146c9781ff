import type { Db } from 'mongodb'
import type { BaseLogger } from 'pino'
import type { Storage } from '../types.js'
import { collectionsOf } from './collections.js'
import { ensureIndexes } from './indexes.js'
import { MongoLoginThrottleStore } from './login-throttle.js'
import { MongoSessionStore } from './sessions.js'
import { MongoTaskStore } from './tasks.js'
import { MongoUserStore } from './users.js'

export interface MongoStorage extends Storage {
  /**
   * False when the server rejected TTL indexes, so only deleteExpired removes expired sessions and
   * login failure records.
   */
  readonly ttlIndexes: boolean
}

/**
 * Builds the MongoDB storage on `db`, creating its indexes first. The MongoClient stays with the
 * caller that opened it: close() leaves it open, and the caller closes it after close() resolves.
 */
export async function openMongoStorage (db: Db, log: Pick<BaseLogger, 'info'>): Promise<MongoStorage> {
  const collections = collectionsOf(db)
  const ttlIndexes = await ensureIndexes(collections, log)

  return {
    kind: 'mongodb',
    ttlIndexes,
    users: new MongoUserStore(collections.users),
    sessions: new MongoSessionStore(collections),
    tasks: new MongoTaskStore(collections),
    loginThrottle: new MongoLoginThrottleStore(collections.loginFailures),
    async ping () {
      await db.command({ ping: 1 })
    },
    async close () {}
  }
}
