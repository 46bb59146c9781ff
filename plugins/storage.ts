import fastifyMongodb from '@fastify/mongodb'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { join } from 'node:path'
import type { Config } from '../src/config.js'
import { mongoClientOptions, mongoDatabaseName, redactMongoUrl } from '../src/storage/mongo/connection.js'
import { openMongoStorage } from '../src/storage/mongo/index.js'
import { openSqliteStorage } from '../src/storage/sqlite/index.js'
import type { Storage } from '../src/storage/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage
  }
}

// Expired sessions are deleted by this sweep on every store. On MongoDB a TTL index also deletes
// them where the server has one; FerretDB 1.24 does not, so there the sweep is the only cleanup.
const SESSION_SWEEP_INTERVAL_MS = 10 * 60 * 1000

/**
 * Connects through @fastify/mongodb, which closes its client in its own onClose hook because it
 * opened it, and builds the MongoDB storage with its indexes.
 */
async function openMongo (fastify: FastifyInstance, url: string, config: Config): Promise<Storage> {
  const database = mongoDatabaseName(url, config.MONGODB_DATABASE)
  if (database === null) {
    throw new Error(`MONGODB_URL names no database: add one to its path (mongodb://host:27017/tasks) or set MONGODB_DATABASE (got ${redactMongoUrl(url)})`)
  }

  try {
    await fastify.register(fastifyMongodb, { url, database, ...mongoClientOptions(config.REQUEST_TIMEOUT_MS) })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`connecting to MongoDB at ${redactMongoUrl(url)} failed: ${reason}; check MONGODB_URL and that the server is running`, { cause: error })
  }

  fastify.log.info({ url: redactMongoUrl(url), database }, 'connected to MongoDB')
  const db = fastify.mongo.client.db(database)
  return await openMongoStorage(db, fastify.log)
}

async function storagePlugin (fastify: FastifyInstance) {
  const { config } = fastify
  const storage = config.MONGODB_URL === undefined
    ? openSqliteStorage(config.SQLITE_PATH ?? join(config.DATA_DIR, 'tasks.db'))
    : await openMongo(fastify, config.MONGODB_URL, config)
  fastify.log.info({ store: storage.kind }, 'storage opened')

  const sweep = setInterval(() => {
    const now = new Date()
    Promise.all([storage.sessions.deleteExpired(now), storage.loginThrottle.deleteExpired(now)]).catch((error: unknown) => {
      fastify.log.warn({ err: error }, 'deleting expired sessions or login failures failed; retrying at the next sweep')
    })
  }, SESSION_SWEEP_INTERVAL_MS)
  sweep.unref()

  fastify.decorate('storage', storage)
  fastify.addHook('onClose', async () => {
    clearInterval(sweep)
    await storage.close()
  })
}

export default fp(storagePlugin, { name: 'storage', dependencies: ['config'], fastify: '5.x' })
