import t from 'tap'
import { buildTestApp, registerUser, strongPassword } from './helpers.js'

const login = { method: 'POST' as const, url: '/v1/auth/login', payload: { email: 'nobody@example.com', password: strongPassword } }

t.test('login is limited per IP with a 429 problem and Retry-After', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '3' })

  const statuses = []
  for (let attempt = 0; attempt < 3; attempt++) statuses.push((await app.inject(login)).statusCode)
  t.same(statuses, [401, 401, 401])

  const limited = await app.inject(login)
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.equal(limited.json().code, 'rate_limited')
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After is a positive number of seconds')
  t.equal(limited.headers['x-ratelimit-limit'], '3')
  t.equal(limited.headers['x-ratelimit-remaining'], '0')

  const other = await app.inject({ ...login, remoteAddress: '127.0.0.2' })
  t.equal(other.statusCode, 401, 'another address has its own budget')
})

t.test('register and refresh have their own limits', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_REGISTER_PER_HOUR: '1', RATE_LIMIT_REFRESH_PER_5_MINUTES: '1' })
  const user = await registerUser(app)

  const secondRegister = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: 'second@example.com', password: strongPassword } })
  t.equal(secondRegister.statusCode, 429)

  const headers = { cookie: user.cookie, 'x-requested-with': 'fetch' }
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers })).statusCode, 429)
})

t.test('other routes are limited per user, or per IP without a token', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '2' })
  const alice = await registerUser(app)
  const bob = await registerUser(app)
  const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/users/me', headers })

  t.equal((await me(alice.authorization)).statusCode, 200)
  t.equal((await me(alice.authorization)).statusCode, 200)
  t.equal((await me(alice.authorization)).statusCode, 429, 'alice used her budget')
  t.equal((await me(bob.authorization)).statusCode, 200, 'bob, on the same address, has his own')

  t.equal((await me({})).statusCode, 401)
  t.equal((await me({ authorization: 'Bearer forged.token.value' })).statusCode, 401)
  t.equal((await me({ authorization: 'Bearer another.forged.token' })).statusCode, 429, 'forged tokens count against the IP')
})

t.test('a forged X-Forwarded-For changes nothing without TRUST_PROXY', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '2' })

  const statuses = []
  for (let attempt = 0; attempt < 3; attempt++) {
    statuses.push((await app.inject({ ...login, headers: { 'x-forwarded-for': `203.0.113.${attempt}` } })).statusCode)
  }

  t.same(statuses, [401, 401, 429])
})

t.test('X-Forwarded-For from a trusted proxy selects the client', async (t) => {
  const { app } = await buildTestApp(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' })

  const statuses = []
  for (let attempt = 0; attempt < 3; attempt++) {
    statuses.push((await app.inject({ ...login, headers: { 'x-forwarded-for': `203.0.113.${attempt}` } })).statusCode)
  }
  t.same(statuses, [401, 401, 401], 'each forwarded client has its own budget')

  const untrusted = []
  for (let attempt = 0; attempt < 3; attempt++) {
    untrusted.push((await app.inject({ ...login, remoteAddress: '192.0.2.7', headers: { 'x-forwarded-for': `198.51.100.${attempt}` } })).statusCode)
  }
  t.same(untrusted, [401, 401, 429], 'a peer outside TRUST_PROXY cannot choose its address')
})
