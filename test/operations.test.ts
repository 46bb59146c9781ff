import t from 'tap'
import { buildTestApp, registerUser, strongPassword, uniqueEmail } from './helpers.js'

t.test('health endpoints answer', async (t) => {
  const { app } = await buildTestApp(t)

  const live = await app.inject({ method: 'GET', url: '/health/live' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })

  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok', checks: { store: 'ok' } })
})

t.test('readiness answers 503 while the store is unreachable', async (t) => {
  const { app } = await buildTestApp(t)
  const ping = app.storage.ping
  app.storage.ping = async () => { throw new Error('connection refused') }
  t.teardown(() => { app.storage.ping = ping })

  const ready = await app.inject({ method: 'GET', url: '/health/ready' })

  t.equal(ready.statusCode, 503)
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.equal(ready.json().code, 'store_unavailable')
})

t.test('unknown routes get a 404 problem', async (t) => {
  const { app } = await buildTestApp(t)

  const response = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' })

  t.equal(response.statusCode, 404)
  t.match(response.headers['content-type'], /^application\/problem\+json/)
  t.same({ ...response.json(), requestId: 'x' }, {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'No route matches GET /v1/nothing-here',
    instance: '/v1/nothing-here',
    requestId: 'x'
  })
})

t.test('request id is accepted when sane and generated otherwise', async (t) => {
  const { app } = await buildTestApp(t)

  const sane = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123.def' } })
  t.equal(sane.headers['x-request-id'], 'abc-123.def')

  const insane = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\twith "quotes"' } })
  t.match(insane.headers['x-request-id'], /^[0-9a-f-]{36}$/)

  const none = await app.inject({ method: 'GET', url: '/health/live' })
  t.match(none.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('server errors hide internals and carry the request id', async (t) => {
  const { app, logs } = await buildTestApp(t)
  const findById = app.storage.users.findById
  app.storage.users.findById = async () => { throw new Error('secret internal detail') }
  t.teardown(() => { app.storage.users.findById = findById })
  const user = await registerUser(app)

  const response = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { ...user.authorization, 'x-request-id': 'req-500' } })

  t.equal(response.statusCode, 500)
  t.notMatch(response.body, 'secret internal detail')
  t.equal(response.json().requestId, 'req-500')
  t.match(response.json().detail, 'req-500')
  t.ok(logs.some((line) => line.level === 50 && line.requestId === 'req-500'), 'the error is logged with the request id')
})

t.test('security headers are set', async (t) => {
  const { app } = await buildTestApp(t)

  const response = await app.inject({ method: 'GET', url: '/health/live' })

  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.ok(response.headers['content-security-policy'])
  t.ok(response.headers['strict-transport-security'])
})

t.test('logs of a login contain no password, token or cookie', async (t) => {
  const { app, rawLogs } = await buildTestApp(t, { LOG_LEVEL: 'trace' })
  const email = uniqueEmail()
  const register = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password: strongPassword } })
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: strongPassword } })
  const cookie = login.cookies[0]
  const accessToken = login.json().accessToken as string
  await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie: `${cookie?.name}=${cookie?.value}`, 'x-requested-with': 'fetch', authorization: `Bearer ${accessToken}` } })

  const text = rawLogs.join('\n')
  t.ok(rawLogs.length > 5, 'something was logged')
  t.ok(text.includes('login succeeded'), 'the login itself is logged')
  t.notOk(text.includes(strongPassword), 'no password')
  t.notOk(text.includes(accessToken), 'no access token')
  t.notOk(text.includes(register.json().accessToken), 'no access token from register')
  t.notOk(text.includes(cookie?.value as string), 'no refresh token')
})

t.test('openapi document describes every route with schemas', async (t) => {
  const { app } = await buildTestApp(t)

  const response = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(response.statusCode, 200)
  const document = response.json()
  t.equal(document.openapi, '3.1.0')
  t.ok(document.components.schemas.Problem, 'problem details are a named component')

  const operations = Object.entries(document.paths as Record<string, Record<string, { responses: Record<string, unknown>, requestBody?: unknown }>>)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })))
  for (const path of ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout', '/v1/users/me', '/v1/tasks', '/v1/tasks/{id}', '/health/ready', '/.well-known/jwks.json']) {
    t.ok(operations.some((entry) => entry.path === path), `${path} is documented`)
  }
  for (const { path, method, operation } of operations) {
    const statuses = Object.keys(operation.responses)
    t.ok(statuses.some((status) => status.startsWith('2')), `${method} ${path}: a success response`)
    t.ok(statuses.some((status) => status.startsWith('4') || status.startsWith('5')), `${method} ${path}: error responses`)
  }

  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200, 'the docs page is served')
  t.notMatch(docs.headers['content-security-policy'], 'upgrade-insecure-requests', 'its scripts load over plain http too')
})

t.test('a known path with another method gets 405 and Allow', async (t) => {
  const { app } = await buildTestApp(t)

  const put = await app.inject({ method: 'PUT', url: `/v1/tasks/${'a'.repeat(24)}` })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, HEAD, PATCH, DELETE')
  t.match(put.headers['content-type'], /^application\/problem\+json/)

  const getRefresh = await app.inject({ method: 'GET', url: '/v1/auth/refresh' })
  t.equal(getRefresh.statusCode, 405)
  t.equal(getRefresh.headers.allow, 'POST')

  const unknown = await app.inject({ method: 'GET', url: '/v1/unknown/path' })
  t.equal(unknown.statusCode, 404, 'an unknown path is still 404')
})

t.test('collection path works with and without a trailing slash', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  t.equal((await app.inject({ method: 'GET', url: '/v1/tasks', headers: user.authorization })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/tasks/', headers: user.authorization })).statusCode, 200)
})
