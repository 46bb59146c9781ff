import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { buildTestApp, freePort, registerUser, testStore } from '../helpers.js'

// This test runs its own FerretDB, because it stops and restarts the server under a running app.
const run = promisify(execFile)

const skip = testStore === 'mongodb' ? false : 'MongoDB outage test skipped: it runs with TEST_STORE=mongodb, which needs Go to build FerretDB'

t.test('store outage gives 503 and recovers without a restart', { skip }, async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'task-service-outage-'))
  const env = {
    ...process.env,
    FERRETDB_STATE_DIR: join(folder, 'state'),
    FERRETDB_DATA_DIR: join(folder, 'data'),
    FERRETDB_PORT: String(await freePort())
  }
  const ferretdb = async (command: 'start' | 'stop') => (await run('bash', ['scripts/ferretdb.sh', command], { env })).stdout.trim()
  const url = await ferretdb('start')
  t.teardown(async () => {
    await ferretdb('stop')
    rmSync(folder, { recursive: true, force: true })
  })

  const { app } = await buildTestApp(t, { MONGODB_URL: url })
  const user = await registerUser(app)
  const me = { method: 'GET' as const, url: '/v1/users/me', headers: user.authorization }
  t.equal((await app.inject(me)).statusCode, 200)

  await ferretdb('stop')

  let started = Date.now()
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'readiness reports the outage')
  t.ok(Date.now() - started < 5000, `readiness answered in ${Date.now() - started} ms`)

  // The revocation cache may still hold the session for 500 ms; after that every request reads
  // the store.
  await new Promise((resolve) => setTimeout(resolve, 600))
  started = Date.now()
  const during = await app.inject(me)
  t.equal(during.statusCode, 503, 'a request that needs the store gets 503')
  t.match(during.headers['content-type'], /^application\/problem\+json/)
  t.equal(during.json().code, 'store_unavailable')
  t.equal(during.headers['retry-after'], '5')
  t.ok(Date.now() - started < 10_000, `and the answer came in ${Date.now() - started} ms`)

  await ferretdb('start')

  let recovered = false
  for (let attempt = 0; attempt < 60 && !recovered; attempt++) {
    recovered = (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.ok(recovered, 'readiness recovers without restarting the app')
  t.equal((await app.inject(me)).statusCode, 200, 'the data is served again')
})

