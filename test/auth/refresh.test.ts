import t from 'tap'
import { buildTestApp, refreshCookieOf, refreshHeaders, registerUser } from '../helpers.js'

t.test('refresh rotates the cookie and returns a new access token', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })

  t.equal(response.statusCode, 200)
  t.equal(response.json().tokenType, 'Bearer')
  t.not(response.json().accessToken, user.accessToken)
  const rotated = refreshCookieOf(response)
  t.ok(rotated)
  t.not(rotated, user.cookie, 'the refresh token changed')
  t.equal(response.headers['cache-control'], 'no-store')

  const me = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${response.json().accessToken}` } })
  t.equal(me.statusCode, 200, 'the new access token works')
})

t.test('five concurrent refreshes with one token converge on one cookie', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const responses = await Promise.all(Array.from({ length: 5 }, async () =>
    await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })))

  t.same(responses.map((response) => response.statusCode), [200, 200, 200, 200, 200])
  const cookies = new Set(responses.map((response) => refreshCookieOf(response)))
  t.equal(cookies.size, 1, 'every response carries the same new cookie')
  t.notOk(cookies.has(user.cookie), 'and it is not the old one')

  const [cookie] = cookies
  const next = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(cookie as string) })
  t.equal(next.statusCode, 200, 'the shared cookie rotates again')
})

t.test('the previous token inside the grace window returns the current token', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const first = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  const retry = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })

  t.equal(retry.statusCode, 200)
  t.equal(refreshCookieOf(retry), refreshCookieOf(first), 'the retried request gets the cookie the first one set')
})

t.test('a token two generations old revokes the session', async (t) => {
  const { app, logs } = await buildTestApp(t)
  const user = await registerUser(app)

  const first = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  const second = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(first) as string) })
  t.equal(second.statusCode, 200)

  const reuse = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(reuse.statusCode, 401)
  t.equal(reuse.json().code, 'refresh_token_reused')
  const cleared = reuse.cookies.find((cookie) => cookie.name === '__Host-refresh_token')
  t.equal(cleared?.value, '', 'the 401 clears the cookie')
  t.equal(cleared?.maxAge, 0)
  t.equal(cleared?.httpOnly, true)
  t.equal(cleared?.secure, true)
  t.equal(cleared?.sameSite, 'Strict')
  t.equal(cleared?.path, '/')

  const current = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(second) as string) })
  t.equal(current.statusCode, 401, 'the current token of the revoked session no longer works')

  const warning = logs.find((line) => line.msg === 'refresh token reuse detected; session revoked')
  t.equal(warning?.level, 40, 'logged at warn')
  t.match(warning?.sessionId, /^[0-9a-f]{24}$/, 'with the session id')
})

t.test('the previous token after the grace window is reuse', async (t) => {
  const { app } = await buildTestApp(t, { REFRESH_GRACE_SECONDS: '0' })
  const user = await registerUser(app)

  const first = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(first.statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 20))

  const late = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(late.statusCode, 401)
  t.equal(late.json().code, 'refresh_token_reused')

  const current = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(refreshCookieOf(first) as string) })
  t.equal(current.statusCode, 401, 'the whole session is revoked')
})

t.test('refresh rejects missing, malformed and unknown tokens without revoking anything', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const cases = [
    { name: 'no cookie', headers: { 'x-requested-with': 'fetch' }, code: 'refresh_token_missing' },
    { name: 'malformed cookie', headers: refreshHeaders('__Host-refresh_token=not-a-token'), code: 'refresh_token_invalid' },
    { name: 'unknown token', headers: refreshHeaders(`__Host-refresh_token=${'A'.repeat(43)}`), code: 'refresh_token_invalid' }
  ]

  for (const { name, headers, code } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers })
    t.equal(response.statusCode, 401, name)
    t.equal(response.json().code, code, name)
    t.equal(response.cookies.find((cookie) => cookie.name === '__Host-refresh_token')?.maxAge, 0, `${name}: cookie cleared`)
  }

  const still = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(still.statusCode, 200, 'the real session is untouched')
})

t.test('refresh enforces the CSRF rules before rotating', async (t) => {
  const { app } = await buildTestApp(t, { CORS_ORIGINS: 'https://app.example.com' })
  const user = await registerUser(app)
  const cases = [
    { name: 'no X-Requested-With', headers: { cookie: user.cookie }, status: 403 },
    { name: 'foreign Origin', headers: { ...refreshHeaders(user.cookie), origin: 'https://evil.example.net' }, status: 403 },
    { name: 'cross-site fetch', headers: { ...refreshHeaders(user.cookie), 'sec-fetch-site': 'cross-site' }, status: 403 },
    { name: 'form body', headers: { ...refreshHeaders(user.cookie), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b', status: 415 },
    { name: 'text body', headers: { ...refreshHeaders(user.cookie), 'content-type': 'text/plain' }, payload: 'a', status: 415 }
  ]

  for (const { name, headers, payload, status } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers, ...(payload === undefined ? {} : { payload }) })
    t.equal(response.statusCode, status, name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, name)
    t.equal(response.cookies.length, 0, `${name}: no cookie set or cleared`)
  }

  const getRefresh = await app.inject({ method: 'GET', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(getRefresh.statusCode, 405, 'only POST exists')

  const allowed = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { ...refreshHeaders(user.cookie), origin: 'https://app.example.com', 'sec-fetch-site': 'same-site' }, payload: {} })
  t.equal(allowed.statusCode, 200, 'the configured origin with an empty JSON body rotates, so nothing rotated before')
})

t.test('logout revokes the session, clears the cookie and is idempotent', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const logout = await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: refreshHeaders(user.cookie) })
  t.equal(logout.statusCode, 204)
  t.equal(logout.cookies.find((cookie) => cookie.name === '__Host-refresh_token')?.maxAge, 0)

  const refresh = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: refreshHeaders(user.cookie) })
  t.equal(refresh.statusCode, 401, 'the refresh token is dead')

  const again = await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: refreshHeaders(user.cookie) })
  t.equal(again.statusCode, 204, 'a second logout still answers 204')
  const noCookie = await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { 'x-requested-with': 'fetch' } })
  t.equal(noCookie.statusCode, 204, 'so does one without a cookie')

  const csrf = await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { cookie: user.cookie } })
  t.equal(csrf.statusCode, 403, 'logout needs the CSRF header too')
})
