import { connect } from 'node:net'
import t from 'tap'
import { buildTestApp, refreshHeaders, registerUser, strongPassword, uniqueEmail } from './helpers.js'

const jsonHeaders = { 'content-type': 'application/json' }

t.test('bodies that would be stored differently from what was sent get 400', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const cases: Array<{ name: string, payload: string | Buffer, field?: string }> = [
    { name: 'invalid UTF-8 byte', payload: Buffer.concat([Buffer.from('{"email":"inv'), Buffer.from([0xff]), Buffer.from(`x@example.com","password":"${strongPassword}"}`)]) },
    { name: 'lone surrogate in the email', payload: `{"email":"sur\\ud800@example.com","password":"${strongPassword}"}`, field: '/body/email' },
    { name: 'lone surrogate in the password', payload: `{"email":"${uniqueEmail()}","password":"abcdefghijklmnop\\ud800"}`, field: '/body/password' },
    { name: 'lone surrogate in a key', payload: `{"\\udfff":1}`, field: '/body/\udfff' },
    { name: '__proto__ key', payload: `{"email":"${uniqueEmail()}","password":"${strongPassword}","__proto__":{"admin":true}}` },
    { name: 'constructor.prototype key', payload: `{"constructor":{"prototype":{"admin":true}}}` }
  ]

  for (const { name, payload, field } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/register', headers: jsonHeaders, payload })
    t.equal(response.statusCode, 400, name)
    t.equal(response.json().code, 'invalid_json', name)
    if (field !== undefined) t.equal(response.json().errors[0].field, field, `${name}: names the field`)
  }

  const title = await app.inject({ method: 'POST', url: '/v1/tasks', headers: { ...jsonHeaders, ...user.authorization }, payload: '{"title":"lone\\ud800 surrogate"}' })
  t.equal(title.statusCode, 400, 'a task title with a lone surrogate')
  const list = await app.inject({ method: 'GET', url: '/v1/tasks', headers: user.authorization })
  t.same(list.json().items, [], 'nothing was stored')

  const proto = await app.inject({ method: 'POST', url: '/v1/auth/register', headers: jsonHeaders, payload: '{"__proto__":{}}' })
  t.match(proto.json().detail, '__proto__', 'the message names the forbidden key, not broken JSON')

  const paired = await app.inject({ method: 'POST', url: '/v1/tasks', headers: { ...jsonHeaders, ...user.authorization }, payload: '{"title":"emoji \\ud83d\\ude00 ok"}' })
  t.equal(paired.statusCode, 201, 'a surrogate pair is a normal character')
  t.equal(paired.json().title, 'emoji \u{1F600} ok')
})

t.test('emails with invisible or control characters are rejected', async (t) => {
  const { app } = await buildTestApp(t)
  for (const email of ['nul\u0000x@example.com', 'base\u200b@example.com', 'rtl\u202e@example.com', `${'a'.repeat(64)}@${'b'.repeat(186)}.com`]) {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password: strongPassword } })
    t.equal(response.statusCode, 400, JSON.stringify(email).slice(0, 40))
    t.equal(response.json().errors[0].field, '/body/email')
  }
  const accented = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: 'zoë@exämple.com', password: strongPassword } })
  t.equal(accented.statusCode, 201, 'letters outside ASCII are fine')
})

t.test('compressed bodies get 415', async (t) => {
  const { app } = await buildTestApp(t)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/login', headers: { ...jsonHeaders, 'content-encoding': 'gzip' }, payload: JSON.stringify({ email: uniqueEmail(), password: strongPassword }) })

  t.equal(response.statusCode, 415)
  t.equal(response.json().code, 'unsupported_content_encoding')
})

t.test('validation errors of huge arrays stay small', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: 't', tags: Array.from({ length: 20_000 }, () => 1) } })

  t.equal(response.statusCode, 400)
  t.ok(response.json().errors.length <= 20, 'at most 20 errors are listed')
  t.ok(response.body.length < 5000, `the body is ${response.body.length} bytes`)
  t.match(response.json().detail, /and \d+ more$/)
})

t.test('nullable field errors name only the real problem', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: 't', dueDate: 'tomorrow' } })

  t.equal(response.statusCode, 400)
  t.same(response.json().errors, [{ field: '/body/dueDate', message: 'must match format "date-time"' }])
})

t.test('duplicate Sec-Fetch-Site headers count as cross-site', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { ...refreshHeaders(user.cookie), 'sec-fetch-site': ['same-origin', 'cross-site'] } })

  t.equal(response.statusCode, 403)
  t.equal(response.json().code, 'csrf_cross_site')
})

t.test('malformed URLs get problem details', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  for (const [url, status] of [['/%', 400], ['/v1/tasks/%E0%A4%A', 400], [`/v1/tasks/${'a'.repeat(5000)}`, 414]] as const) {
    const response = await app.inject({ method: 'GET', url, headers: user.authorization })
    t.equal(response.statusCode, status, url.slice(0, 30))
    t.match(response.headers['content-type'], /^application\/problem\+json/, url.slice(0, 30))
    t.ok(response.body.length < 1000, 'the URL is not echoed back')
  }
})

async function rawRequest (port: number, request: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let response = ''
    socket.on('data', (chunk) => { response += chunk.toString() })
    socket.on('end', () => resolve(response))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')))
  })
}

t.test('requests the HTTP parser rejects get problem details', async (t) => {
  const { app } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  const cases: Array<{ name: string, request: string, status: number }> = [
    { name: 'garbage request line', request: 'HELLO THERE\r\n\r\n', status: 400 },
    { name: 'bad chunk size', request: 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n', status: 400 },
    { name: 'headers too large', request: `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 }
  ]
  for (const { name, request, status } of cases) {
    const response = await rawRequest(port, request)
    t.match(response, new RegExp(`^HTTP/1.1 ${status} `), name)
    t.match(response, /content-type: application\/problem\+json/i, name)
    t.match(response, `"status":${status}`, name)
  }
})

t.test('sensitive query parameters are not logged', async (t) => {
  const { app, rawLogs } = await buildTestApp(t)

  await app.inject({ method: 'GET', url: '/v1/users/me?access_token=secret-value-123&limit=5' })

  const text = rawLogs.join('\n')
  t.notOk(text.includes('secret-value-123'))
  t.ok(text.includes('access_token=%5Bredacted%5D&limit=5'), 'the rest of the URL is kept')
})
