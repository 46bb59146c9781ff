import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'

t.test('login upgrades a hash made with weaker parameters', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-rehash-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  // Both apps must see one store: the same SQLite file, or the same MongoDB database.
  const shared = { SQLITE_PATH: join(dataDir, 'tasks.db'), MONGODB_DATABASE: `test_rehash_${randomBytes(4).toString('hex')}` }

  const weak = await buildTestApp(t, { ...shared, ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '1' })
  const user = await registerUser(weak.app)
  const before = await weak.app.storage.users.findById(user.userId)
  t.match(before?.passwordHash, /^\$argon2id\$v=19\$m=8192,p=1,t=1\$/)
  await weak.app.close()

  const current = await buildTestApp(t, shared)
  const login = await current.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })
  t.equal(login.statusCode, 200)

  const after = await current.app.storage.users.findById(user.userId)
  t.match(after?.passwordHash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/, 'the stored hash now uses the current parameters')
  t.ok(current.logs.some((line) => line.msg === 'password hash upgraded to the current argon2 parameters' && line.userId === user.userId))

  const again = await current.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })
  t.equal(again.statusCode, 200, 'the upgraded hash verifies')
})
