import t from 'tap'
import { buildTestApp, refreshCookieOf, refreshHeaders, registerUser, strongPassword, type RegisteredUser } from '../helpers.js'
import type { FastifyInstance } from 'fastify'

async function login (app: FastifyInstance, user: RegisteredUser, userAgent: string) {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password }, headers: { 'user-agent': userAgent } })
  const body = response.json<{ accessToken: string }>()
  return { authorization: { authorization: `Bearer ${body.accessToken}` }, cookie: refreshCookieOf(response) as string }
}

t.test('sessions lists the active sessions and marks the current one', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const phone = await login(app, user, 'Phone/1.0')

  const response = await app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: phone.authorization })

  t.equal(response.statusCode, 200)
  const items = response.json<{ items: Array<Record<string, unknown>> }>().items
  t.equal(items.length, 2)
  t.same(Object.keys(items[0] as object).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent'])
  t.same(items.filter((item) => item.current).map((item) => item.userAgent), ['Phone/1.0'])
  t.equal(items.find((item) => item.current)?.ip, '127.0.0.1')
})

t.test('deleting a session revokes its tokens; a foreign session is 404', async (t) => {
  const { app } = await buildTestApp(t)
  const alice = await registerUser(app)
  const laptop = await login(app, alice, 'Laptop/1.0')
  const mallory = await registerUser(app)
  const sessions = (await app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: alice.authorization })).json<{ items: Array<{ id: string, userAgent: string | null }> }>().items
  const laptopId = sessions.find((session) => session.userAgent === 'Laptop/1.0')?.id as string

  const foreign = await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${laptopId}`, headers: mallory.authorization })
  const missing = await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${'0'.repeat(24)}`, headers: alice.authorization })
  t.equal(foreign.statusCode, 404)
  t.equal(missing.statusCode, 404)
  const { requestId: _a, instance: _b, detail: _c, ...foreignShape } = foreign.json()
  const { requestId: _d, instance: _e, detail: _f, ...missingShape } = missing.json()
  t.same(foreignShape, missingShape, 'another user\'s session looks exactly like a missing one')
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: laptop.authorization })).statusCode, 200, 'the laptop is still signed in')

  const malformed = await app.inject({ method: 'DELETE', url: '/v1/auth/sessions/not-an-id', headers: alice.authorization })
  t.equal(malformed.statusCode, 400)

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${laptopId}`, headers: alice.authorization })
  t.equal(deleted.statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: laptop.authorization })).statusCode, 401, 'its access token stops working')
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(laptop.cookie) })).statusCode, 401, 'so does its refresh token')
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: alice.authorization })).statusCode, 200, 'the other session is untouched')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${laptopId}`, headers: alice.authorization })).statusCode, 404, 'a revoked session is gone')
})

t.test('logout-all revokes every session of the user and clears the cookie', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await login(app, user, 'Tablet/2.0')
  const bystander = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: user.authorization })

  t.equal(response.statusCode, 204)
  t.equal(response.cookies.find((cookie) => cookie.name === '__Host-refresh_token')?.maxAge, 0)
  for (const [name, session] of [['caller', { authorization: user.authorization, cookie: user.cookie }], ['other device', other]] as const) {
    t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: session.authorization })).statusCode, 401, `${name}: access token revoked`)
    t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(session.cookie) })).statusCode, 401, `${name}: refresh token revoked`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: bystander.authorization })).statusCode, 200, 'other users keep their sessions')
})

t.test('password change keeps the caller and revokes the rest', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await login(app, user, 'Old/1.0')
  const newPassword = 'a brand new passphrase for this'

  const wrong = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: user.authorization, payload: { currentPassword: 'not my password at all', newPassword } })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().code, 'invalid_credentials')
  const weak = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: user.authorization, payload: { currentPassword: user.password, newPassword: 'short' } })
  t.equal(weak.statusCode, 400)
  t.equal(weak.json().errors[0].field, '/body/newPassword')
  const unknownKey = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: user.authorization, payload: { currentPassword: user.password, newPassword, userId: 'x' } })
  t.equal(unknownKey.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: other.authorization })).statusCode, 200, 'rejected changes revoke nothing')

  const changed = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: user.authorization, payload: { currentPassword: user.password, newPassword } })
  t.equal(changed.statusCode, 204)

  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: user.authorization })).statusCode, 200, 'the caller stays signed in')
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })).statusCode, 200, 'and can refresh')
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: other.authorization })).statusCode, 401, 'the other session is revoked')
  const oldLogin = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })
  const newLogin = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: newPassword } })
  t.equal(oldLogin.statusCode, 401, 'the old password no longer works')
  t.equal(newLogin.statusCode, 200, 'the new one does')
})

t.test('account deletion removes the user, sessions and tasks; the email can register again', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await login(app, user, 'Other/1.0')
  const bystander = await registerUser(app)
  const task = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: 'Mine' } })
  const bystanderTask = await app.inject({ method: 'POST', url: '/v1/tasks', headers: bystander.authorization, payload: { title: 'Theirs' } })
  const taskId = task.json<{ id: string }>().id

  const wrong = await app.inject({ method: 'DELETE', url: '/v1/users/me', headers: user.authorization, payload: { password: 'definitely not it' } })
  t.equal(wrong.statusCode, 401)
  const missingBody = await app.inject({ method: 'DELETE', url: '/v1/users/me', headers: user.authorization })
  t.equal(missingBody.statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: user.authorization })).statusCode, 200, 'nothing was deleted yet')

  const deleted = await app.inject({ method: 'DELETE', url: '/v1/users/me', headers: user.authorization, payload: { password: user.password } })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.cookies.find((cookie) => cookie.name === '__Host-refresh_token')?.maxAge, 0)

  t.equal(await app.storage.users.findById(user.userId), null, 'the user is gone')
  t.equal(await app.storage.tasks.findById(user.userId, taskId), null, 'the task is gone')
  t.same(await app.storage.sessions.listActiveForUser(user.userId, new Date()), [], 'the sessions are gone')
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: other.authorization })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(other.cookie) })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: `/v1/tasks/${bystanderTask.json<{ id: string }>().id}`, headers: bystander.authorization })).statusCode, 200, 'other users keep their tasks')

  const again = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: user.email, password: strongPassword } })
  t.equal(again.statusCode, 201, 'the email can register again')
  t.not(again.json().user.id, user.userId, 'as a new account')
})

t.test('auth events are logged with ids and without secrets', async (t) => {
  const { app, logs, rawLogs } = await buildTestApp(t)
  const user = await registerUser(app)
  const second = await login(app, user, 'Second/1.0')
  const wrong = { email: user.email, password: 'wrong password entirely' }
  for (let attempt = 0; attempt < 6; attempt++) await app.inject({ method: 'POST', url: '/v1/auth/login', payload: wrong })
  await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: refreshHeaders(second.cookie) })
  const third = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(third) as string) })
  await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })

  const other = await registerUser(app)
  const otherSecond = await login(app, other, 'Other/2.0')
  const sessions = (await app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: other.authorization })).json<{ items: Array<{ id: string, current: boolean }> }>().items
  await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${sessions.find((session) => !session.current)?.id as string}`, headers: other.authorization })
  await app.inject({ method: 'POST', url: '/v1/auth/password', headers: other.authorization, payload: { currentPassword: other.password, newPassword: 'another long passphrase here' } })
  await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: (await login(app, { ...other, password: 'another long passphrase here' }, 'Third/1.0')).authorization })
  const last = await login(app, { ...other, password: 'another long passphrase here' }, 'Fourth/1.0')
  await app.inject({ method: 'DELETE', url: '/v1/users/me', headers: last.authorization, payload: { password: 'another long passphrase here' } })
  t.ok(otherSecond.cookie, 'the second session of the other user existed')

  const expected: Array<{ msg: string, level: number, userId: string }> = [
    { msg: 'account registered', level: 30, userId: user.userId },
    { msg: 'login succeeded', level: 30, userId: user.userId },
    { msg: 'login failed', level: 30, userId: user.userId },
    { msg: 'login throttled after repeated failures', level: 40, userId: '' },
    { msg: 'logged out', level: 30, userId: user.userId },
    { msg: 'refresh token reuse detected; session revoked', level: 40, userId: user.userId },
    { msg: 'session revoked', level: 30, userId: other.userId },
    { msg: 'password changed', level: 30, userId: other.userId },
    { msg: 'logged out of every session', level: 30, userId: other.userId },
    { msg: 'account deleted', level: 30, userId: other.userId }
  ]
  for (const { msg, level, userId } of expected) {
    const line = logs.find((entry) => entry.msg === msg)
    t.equal(line?.level, level, `${msg}: level`)
    if (userId !== '') t.equal(line?.userId, userId, `${msg}: user id`)
    if (userId !== '' && msg !== 'login failed') t.match(line?.sessionId, /^[0-9a-f]{24}$/, `${msg}: session id`)
  }

  const text = rawLogs.join('\n')
  for (const secret of [user.password, 'another long passphrase here', user.cookie.split('=')[1] as string, user.accessToken]) {
    t.notOk(text.includes(secret), 'no password or token in any line')
  }
})

t.test('logout-all and session delete reject a body', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await login(app, user, 'Other/1.0')
  const sessions = (await app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: user.authorization })).json<{ items: Array<{ id: string, current: boolean }> }>().items
  const otherId = sessions.find((session) => !session.current)?.id as string

  for (const payload of [{ sessionId: 'keep-this-one' }, [1, 2], 'everything?']) {
    const logoutAll = await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: { ...user.authorization, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(logoutAll.statusCode, 400, `logout-all with ${JSON.stringify(payload)}`)
    const deletion = await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${otherId}`, headers: { ...user.authorization, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(deletion.statusCode, 400, `session delete with ${JSON.stringify(payload)}`)
  }

  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: other.authorization })).statusCode, 200, 'nothing was revoked')
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: user.authorization, payload: {} })).statusCode, 204, 'an empty object is fine')
})

t.test('refresh of a session whose account is gone is rejected', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  await app.storage.users.delete(user.userId)

  const refresh = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })

  t.equal(refresh.statusCode, 401)
  t.equal(refresh.cookies.find((cookie) => cookie.name === '__Host-refresh_token')?.maxAge, 0, 'the cookie is cleared')
  t.same(await app.storage.sessions.listActiveForUser(user.userId, new Date()), [], 'the session is revoked')
})
