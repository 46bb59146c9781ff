import t from 'tap'
import { buildTestApp, refreshCookieOf, registerUser, strongPassword, uniqueEmail } from '../helpers.js'

t.test('register returns a session start and a refresh cookie', async (t) => {
  const { app } = await buildTestApp(t)
  const email = uniqueEmail()

  const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: `  ${email.toUpperCase()} `, password: strongPassword } })

  t.equal(response.statusCode, 201)
  const body = response.json()
  t.equal(body.user.email, email, 'email is trimmed and lower-cased')
  t.match(body.user.id, /^[0-9a-f]{24}$/)
  t.equal(body.tokenType, 'Bearer')
  t.equal(body.expiresIn, 900)
  t.type(body.accessToken, 'string')
  t.equal(response.headers['cache-control'], 'no-store')

  const cookie = response.cookies.find((entry) => entry.name === '__Host-refresh_token')
  t.ok(cookie, 'sets the refresh cookie')
  t.equal(cookie?.httpOnly, true)
  t.equal(cookie?.secure, true)
  t.equal(cookie?.sameSite, 'Strict')
  t.equal(cookie?.path, '/')
  t.equal(cookie?.domain, undefined)
  t.equal(cookie?.maxAge, 7 * 24 * 3600)
  t.match(cookie?.value, /^[A-Za-z0-9_-]{43}$/, 'the token carries 256 random bits')
})

t.test('register rejects a duplicate email with 409', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: user.email.toUpperCase(), password: strongPassword } })

  t.equal(response.statusCode, 409)
  t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(response.json().code, 'email_taken')
})

t.test('register applies the password rules', async (t) => {
  const { app } = await buildTestApp(t)
  const cases = [
    { password: 'short pass', reason: 'at least 15 characters' },
    { password: 'x'.repeat(129), reason: 'at most 128 characters' },
    { password: '123456789987654321', reason: 'most common passwords' },
    { password: 'a long enough password\u0000', reason: 'NUL' }
  ]

  for (const { password, reason } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: uniqueEmail(), password } })
    t.equal(response.statusCode, 400, reason)
    t.match(response.json().detail, reason)
    t.equal(response.json().errors[0].field, '/body/password')
  }
})

t.test('password length counts characters after NFC normalisation', async (t) => {
  const { app } = await buildTestApp(t)
  const decomposed = 'e\u0301'.repeat(15)
  const composed = '\u00e9'.repeat(15)

  const registered = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: 'nfc@example.com', password: decomposed } })
  t.equal(registered.statusCode, 201, '15 composed characters are long enough')

  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nfc@example.com', password: composed } })
  t.equal(login.statusCode, 200, 'the composed form signs in to the account made with the decomposed form')
})

t.test('register rejects malformed bodies with 400, 413 or 415', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: Array<{ name: string, payload: string, contentType?: string, status: number }> = [
    { name: 'unknown key', payload: JSON.stringify({ email: uniqueEmail(), password: strongPassword, admin: true }), status: 400 },
    { name: 'operator object', payload: JSON.stringify({ email: { $gt: '' }, password: strongPassword }), status: 400 },
    { name: 'number as password', payload: JSON.stringify({ email: uniqueEmail(), password: 123456789012345 }), status: 400 },
    { name: 'invalid email', payload: JSON.stringify({ email: 'not-an-email', password: strongPassword }), status: 400 },
    { name: 'broken JSON', payload: '{"email":', status: 400 },
    { name: 'JSON array', payload: '[]', status: 400 },
    { name: 'form encoding', payload: 'email=a%40b.c&password=x', contentType: 'application/x-www-form-urlencoded', status: 415 },
    { name: 'text/plain', payload: '{}', contentType: 'text/plain', status: 415 },
    { name: 'oversized body', payload: JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(70_000) }), status: 413 }
  ]

  for (const { name, payload, contentType, status } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload, headers: { 'content-type': contentType ?? 'application/json' } })
    t.equal(response.statusCode, status, name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${name}: problem details`)
    t.equal(response.json().status, status, `${name}: status in the body`)
  }

  const unknownKey = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: uniqueEmail(), password: strongPassword, role: 'admin' } })
  t.same(unknownKey.json().errors, [{ field: '/body/role', message: 'is not an allowed property' }])
})

t.test('login succeeds with the right password', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })

  t.equal(response.statusCode, 200)
  t.equal(response.json().user.id, user.userId)
  t.ok(refreshCookieOf(response), 'sets a refresh cookie')
  t.not(refreshCookieOf(response), user.cookie, 'starts a new session')
})

t.test('login answers unknown email and wrong password identically', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const wrongPassword = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: 'not the password at all' } })
  const unknownEmail = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: uniqueEmail(), password: 'not the password at all' } })

  t.equal(wrongPassword.statusCode, 401)
  t.equal(unknownEmail.statusCode, 401)
  const { requestId: _a, ...wrongBody } = wrongPassword.json()
  const { requestId: _b, ...unknownBody } = unknownEmail.json()
  t.same(wrongBody, unknownBody)
  t.equal(wrongPassword.cookies.length, 0)
  t.equal(unknownEmail.cookies.length, 0)
})

t.test('users/me returns the signed-in user', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'GET', url: '/v1/users/me', headers: user.authorization })

  t.equal(response.statusCode, 200)
  t.same(Object.keys(response.json()).sort(), ['createdAt', 'email', 'id'])
  t.equal(response.json().email, user.email)
})
