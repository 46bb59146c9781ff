import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import configPlugin from '../../plugins/config.js'
import storagePlugin from '../../plugins/storage.js'
import { loadConfig } from '../../src/config.js'
import { mongoDatabaseName, redactMongoUrl } from '../../src/storage/mongo/connection.js'
import { connectTestServer, skipMessage } from './mongodb-support.js'

/** Registers only the config and storage plugins; `ready()` then runs the storage start-up. */
function buildStorageApp (t: Test, env: Record<string, string>): FastifyInstance {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  app.register(configPlugin, { config: loadConfig({ NODE_ENV: 'test', SQLITE_PATH: ':memory:', ...env }) })
  app.register(storagePlugin)
  return app
}

t.test('database name', async (t) => {
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/tasks'), 'tasks', 'from the path')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/tasks?authSource=admin'), 'tasks', 'before the options')
  t.equal(mongoDatabaseName('mongodb://user:p%2Fss@a:1,b:2/tasks?replicaSet=rs0'), 'tasks', 'with credentials and several hosts')
  t.equal(mongoDatabaseName('mongodb+srv://cluster.example.com/tasks'), 'tasks', 'with the srv scheme')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/tasks', 'other'), 'other', 'MONGODB_DATABASE wins')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/', 'other'), 'other')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/'), null, 'an empty path names none')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017'), null, 'no path names none')
  t.equal(mongoDatabaseName('mongodb://127.0.0.1:27017/?replicaSet=rs0'), null)
})

t.test('credentials are redacted', async (t) => {
  t.equal(redactMongoUrl('mongodb://user:secret@127.0.0.1:27017/tasks'), 'mongodb://***@127.0.0.1:27017/tasks')
  t.equal(redactMongoUrl('mongodb+srv://user:secret@cluster.example.com/'), 'mongodb+srv://***@cluster.example.com/')
  t.equal(redactMongoUrl('mongodb://127.0.0.1:27017/tasks'), 'mongodb://127.0.0.1:27017/tasks')
})

t.test('start-up fails without a database name', async (t) => {
  const app = buildStorageApp(t, { MONGODB_URL: 'mongodb://user:secret@127.0.0.1:1/' })

  await t.rejects(async () => { await app.ready() }, /MONGODB_URL names no database: add one to its path .* or set MONGODB_DATABASE/)
})

t.test('start-up fails promptly when the server is unreachable', async (t) => {
  // Port 1 on the loopback address refuses connections, so only server selection times out.
  const app = buildStorageApp(t, { MONGODB_URL: 'mongodb://user:secret@127.0.0.1:1/tasks' })
  const started = Date.now()

  const error = await app.ready().then(() => null, (reason: unknown) => reason)
  t.ok(error instanceof Error, 'ready rejects')
  const message = error instanceof Error ? error.message : ''
  t.match(message, /^connecting to MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/tasks failed: /)
  t.notMatch(message, /secret/, 'the password stays out of the message')
  t.ok(Date.now() - started < 15_000, 'within the server selection timeout, not the driver default of 30 s')
})

t.test('with a server', async (t) => {
  const server = await connectTestServer(t)
  if (server === null) {
    t.plan(0, skipMessage)
    return
  }
  const database = server.newDatabase()
  t.teardown(async () => { await database.dropDatabase() })
  const app = buildStorageApp(t, { MONGODB_URL: String(process.env.MONGODB_URL), MONGODB_DATABASE: database.databaseName })
  await app.ready()

  t.equal(app.storage.kind, 'mongodb')
  await t.resolves(app.storage.ping(), 'ping')
  const user = await app.storage.users.create({ email: 'ada@example.com', passwordHash: 'hash' })
  t.ok(await database.collection('users').findOne({ email: 'ada@example.com' }), 'the storage writes to the named database')
  t.equal((await app.storage.users.findById(user.id))?.email, 'ada@example.com')

  let closed = false
  app.mongo.client.on('topologyClosed', () => { closed = true })
  await app.close()
  t.ok(closed, 'closing the app closes the MongoDB client')
})
