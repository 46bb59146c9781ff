import type { Db, IndexDescriptionInfo } from 'mongodb'
import t, { type Test } from 'tap'
import { newId } from '../../src/ids.js'
import { openMongoStorage } from '../../src/storage/mongo/index.js'
import { hoursAfter, newSession, newTask, randomTokenHash } from './contract-support.js'
import { connectTestServer, recordingLog, skipMessage } from './mongodb-support.js'

const server = await connectTestServer(t)

async function indexesOf (db: Db, collection: string): Promise<Map<string, IndexDescriptionInfo>> {
  const indexes = await db.collection(collection).listIndexes().toArray()
  return new Map(indexes.map((index) => [String(index.name), index]))
}

if (server === null) {
  t.comment(skipMessage)
  t.plan(0, skipMessage)
} else {
  const { isFerretDb } = server
  const ttlSkip = isFerretDb ? { skip: 'FerretDB 1.24 has no TTL indexes; there the periodic sweep (deleteExpired, covered by the contract) removes expired sessions' } : {}

  const freshDatabase = (t: Test): Db => {
    const db = server.newDatabase()
    t.teardown(async () => { await db.dropDatabase() })
    return db
  }

  t.test('indexes after start-up', async (t) => {
    const db = freshDatabase(t)
    const log = recordingLog()
    const storage = await openMongoStorage(db, log)

    const users = await indexesOf(db, 'users')
    t.same(users.get('users_email_unique')?.key, { email: 1 })
    t.equal(users.get('users_email_unique')?.unique, true)

    const sessions = await indexesOf(db, 'sessions')
    t.same(sessions.get('sessions_by_user')?.key, { userId: 1, createdAt: 1 })

    const tokens = await indexesOf(db, 'refresh_tokens')
    t.equal(tokens.get('refresh_tokens_hash_unique')?.unique, true)
    t.same(tokens.get('refresh_tokens_session_generation_unique')?.key, { sessionId: 1, generation: 1 })
    t.equal(tokens.get('refresh_tokens_session_generation_unique')?.unique, true)

    const tasks = await indexesOf(db, 'tasks')
    for (const key of ['createdAt', 'updatedAt', 'dueDate', 'priorityRank']) {
      t.same(tasks.get(`tasks_by_owner_${key}`)?.key, { ownerId: 1, [key]: 1, _id: 1 }, `tasks by ${key}`)
    }
    t.same(tasks.get('tasks_by_owner_tag')?.key, { ownerId: 1, tags: 1 })

    const failures = await indexesOf(db, 'login_failures')

    if (isFerretDb) {
      t.equal(storage.ttlIndexes, false, 'FerretDB gets no TTL index')
      t.same(sessions.get('sessions_by_expiry')?.key, { expiresAt: 1 }, 'a plain expiry index for the sweep instead')
      t.same(tokens.get('refresh_tokens_by_expiry')?.key, { expiresAt: 1 })
      t.same(failures.get('login_failures_by_expiry')?.key, { expiresAt: 1 })
      t.equal(log.messages.length, 1, 'the fallback is logged once')
      t.match(log.messages[0], /TTL/)
    } else {
      t.equal(storage.ttlIndexes, true)
      t.equal(sessions.get('sessions_expiry_ttl')?.expireAfterSeconds, 0)
      t.equal(tokens.get('refresh_tokens_expiry_ttl')?.expireAfterSeconds, 0)
      t.equal(failures.get('login_failures_expiry_ttl')?.expireAfterSeconds, 0)
      t.same(log.messages, [], 'nothing to report')
    }
  })

  t.test('start-up twice on one database', async (t) => {
    const db = freshDatabase(t)
    await openMongoStorage(db, recordingLog())
    const before = await indexesOf(db, 'tasks')

    await t.resolves(openMongoStorage(db, recordingLog()), 'existing indexes are accepted')
    t.same([...(await indexesOf(db, 'tasks')).keys()].sort(), [...before.keys()].sort())
  })

  t.test('TTL index removes expired sessions', ttlSkip, async (t) => {
    const db = freshDatabase(t)
    const { sessions } = await openMongoStorage(db, recordingLog())
    try {
      // The TTL monitor runs every 60 s by default; a local mongod lets a test shorten that.
      await db.admin().command({ setParameter: 1, ttlMonitorSleepSecs: 1 })
    } catch (error) {
      t.plan(0, `the server rejected setParameter ttlMonitorSleepSecs, so its TTL monitor may take a minute: ${String(error)}`)
      return
    }
    const past = hoursAfter(new Date(), -2)
    const session = await sessions.create(newSession(newId(), past, { expiresAt: hoursAfter(past, 1), absoluteExpiresAt: hoursAfter(past, 1) }))

    let remaining = true
    for (let waited = 0; remaining && waited < 20; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const documents = await db.collection('sessions').countDocuments({}) + await db.collection('refresh_tokens').countDocuments({})
      remaining = documents > 0
    }
    t.equal(remaining, false, 'the session and its token record are gone within 20 s')
    t.equal(await sessions.findById(session.id), null)
  })

  t.test('operator objects in input match nothing', async (t) => {
    const db = freshDatabase(t)
    const { users, sessions, tasks, loginThrottle } = await openMongoStorage(db, recordingLog())
    const operator = { $ne: null } as unknown as string
    await users.create({ email: 'ada@example.com', passwordHash: 'hash' })
    await loginThrottle.recordFailure(randomTokenHash(), new Date(), hoursAfter(new Date(), 1))
    const ownerId = newId()
    await sessions.create(newSession(ownerId, new Date()))
    await tasks.create(ownerId, newTask({ tags: ['work'] }), new Date())

    t.equal(await users.findByEmail(operator), null, 'findByEmail')
    t.equal(await sessions.findToken(operator), null, 'findToken')
    t.equal(await loginThrottle.get(operator, new Date()), null, 'login throttle get')
    await loginThrottle.clear(operator)
    t.equal(await db.collection('login_failures').countDocuments({}), 1, 'login throttle clear deletes nothing')
    const query = { sort: 'createdAt' as const, descending: true, limit: 10 }
    t.same(await tasks.list(ownerId, { ...query, filter: { now: new Date(), tag: operator } }), [], 'tag filter')
    t.same(await tasks.list(ownerId, { ...query, filter: { now: new Date(), q: '.*' } }), [], 'q is not a pattern')
  })
}
