import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { buildTestApp, refreshCookieOf, refreshHeaders, registerUser } from '../helpers.js'

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('a session revoked on one instance fails on another within 1 s', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-revocation-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  // Two instances on one store with one signing key, as behind a load balancer.
  const shared = {
    SQLITE_PATH: join(dataDir, 'tasks.db'),
    MONGODB_DATABASE: `test_revocation_${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir
  }
  const first = await buildTestApp(t, shared)
  const second = await buildTestApp(t, shared)

  for (const [event, revoke] of [
    ['logout', async (user: Awaited<ReturnType<typeof registerUser>>) => await first.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: refreshHeaders(user.cookie) })],
    ['logout-all', async (user: Awaited<ReturnType<typeof registerUser>>) => await first.app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: user.authorization })]
  ] as const) {
    const user = await registerUser(first.app)
    const me = { method: 'GET' as const, url: '/v1/users/me', headers: user.authorization }
    t.equal((await second.app.inject(me)).statusCode, 200, `${event}: the token works on the second instance, which caches that`)

    t.equal((await revoke(user)).statusCode, 204, `${event} on the first instance`)
    t.equal((await first.app.inject(me)).statusCode, 401, `${event}: rejected at once where it happened`)
    await sleep(1000)
    t.equal((await second.app.inject(me)).statusCode, 401, `${event}: rejected by the second instance after 1 s`)
  }
})

t.test('refresh-token reuse revokes the access token too', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const first = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  const second = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(first) as string) })
  t.equal(second.statusCode, 200)

  const reuse = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(reuse.statusCode, 401, 'the token two generations old is reuse')

  const me = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${second.json<{ accessToken: string }>().accessToken}` } })
  t.equal(me.statusCode, 401, 'the newest access token of the session is rejected')
})
