import t, { type Test } from 'tap'
import { buildTestApp, ferretDbRaceSkip, refreshCookieOf, refreshHeaders, registerUser } from '../helpers.js'
import type { FastifyInstance } from 'fastify'
import type { RegisteredUser } from '../helpers.js'

async function loginAs (app: FastifyInstance, user: RegisteredUser, password = user.password) {
  return await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password } })
}

/** Checks that no session signed in by these responses works any more. */
async function assertSignedOut (t: Test, app: FastifyInstance, logins: Awaited<ReturnType<typeof loginAs>>[]) {
  for (const login of logins.filter((response) => response.statusCode === 200)) {
    const me = await app.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` } })
    t.equal(me.statusCode, 401, 'the access token of a racing login is rejected')
    const refresh = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(login) as string) })
    t.equal(refresh.statusCode, 401, 'and its refresh token too')
  }
}

t.test('concurrent password changes: one wins, the other learns it lost', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await loginAs(app, user)
  const raceSkip = await ferretDbRaceSkip(app)
  const callers = [user.authorization, { authorization: `Bearer ${other.json<{ accessToken: string }>().accessToken}` }]
  const newPasswords = ['first new passphrase here', 'second new passphrase here']

  const responses = await Promise.all(callers.map(async (headers, index) =>
    await app.inject({ method: 'POST', url: '/v1/auth/password', headers, payload: { currentPassword: user.password, newPassword: newPasswords[index] } })))

  const statuses = responses.map((response) => response.statusCode)
  t.equal(statuses.filter((status) => status === 204).length, 1, `exactly one change applies: ${statuses.join(' ')}`, raceSkip === null ? {} : { skip: raceSkip })
  const winner = statuses.indexOf(204)
  const loserStatus = statuses[1 - winner]
  t.ok(loserStatus === 409 || loserStatus === 401, 'the other gets 409, or 401 when the winner revoked it first', raceSkip === null ? {} : { skip: raceSkip })
  if (raceSkip === null && winner !== -1) {
    t.equal((await loginAs(app, user, newPasswords[winner])).statusCode, 200, 'the applied password works')
    t.equal((await loginAs(app, user, newPasswords[1 - winner])).statusCode, 401, 'the rejected one does not')
  }
})

t.test('a login racing a password change does not survive it', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const [change, ...logins] = await Promise.all([
    app.inject({ method: 'POST', url: '/v1/auth/password', headers: user.authorization, payload: { currentPassword: user.password, newPassword: 'a brand new passphrase here' } }),
    loginAs(app, user), loginAs(app, user), loginAs(app, user)
  ])

  t.equal(change?.statusCode, 204)
  await assertSignedOut(t, app, logins)
})

t.test('a login racing account deletion leaves no session behind', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const [deletion, ...logins] = await Promise.all([
    app.inject({ method: 'DELETE', url: '/v1/users/me', headers: user.authorization, payload: { password: user.password } }),
    loginAs(app, user), loginAs(app, user)
  ])

  t.equal(deletion?.statusCode, 204)
  await assertSignedOut(t, app, logins)
  t.same(await app.storage.sessions.listActiveForUser(user.userId, new Date()), [], 'no live session of the deleted user is stored')
})
