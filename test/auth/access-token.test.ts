import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'

function base64url (value: object | string | Buffer): string {
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  return buffer.toString('base64url')
}

function parts (token: string): { header: Record<string, unknown>, payload: Record<string, unknown> } {
  const [header, payload] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(header as string, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<string, unknown>
  }
}

t.test('access token carries the documented header and claims', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const { header, payload } = parts(user.accessToken)

  t.equal(header.alg, 'ES256')
  t.equal(header.typ, 'at+jwt')
  t.type(header.kid, 'string')
  t.same(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'])
  t.equal(payload.sub, user.userId)
  t.equal((payload.exp as number) - (payload.iat as number), 900)

  const jwks = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(jwks.statusCode, 200)
  t.equal(jwks.json().keys[0].kid, header.kid, 'the signing key is published')
  t.notOk('d' in jwks.json().keys[0], 'without its private part')
})

t.test('forged and malformed access tokens get 401, never 500', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const { header, payload } = parts(user.accessToken)
  const [encodedHeader, encodedPayload, signature] = user.accessToken.split('.') as [string, string, string]
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: Array<Record<string, string>> }>()
  const publicJwk = JSON.stringify(jwks.keys[0])

  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  const signedByOther = `${encodedHeader}.${encodedPayload}`
  const otherSignature = sign('sha256', Buffer.from(signedByOther), { key: otherKey, dsaEncoding: 'ieee-p1363' })

  const tokens: Record<string, string> = {
    'alg none': `${base64url({ ...header, alg: 'none' })}.${encodedPayload}.`,
    'HS256 with the public key as secret': (() => {
      const input = `${base64url({ ...header, alg: 'HS256' })}.${encodedPayload}`
      return `${input}.${createHmac('sha256', publicJwk).update(input).digest('base64url')}`
    })(),
    'tampered payload': `${encodedHeader}.${base64url({ ...payload, sub: '0'.repeat(24) })}.${signature}`,
    'tampered signature': `${encodedHeader}.${encodedPayload}.${signature.slice(0, -4)}AAAA`,
    'signed by another key': `${signedByOther}.${otherSignature.toString('base64url')}`,
    'unknown kid': `${base64url({ ...header, kid: 'nope' })}.${encodedPayload}.${signature}`,
    'wrong typ': `${base64url({ ...header, typ: 'JWT' })}.${encodedPayload}.${signature}`,
    'expired': (() => {
      const input = `${encodedHeader}.${base64url({ ...payload, exp: Math.floor(Date.now() / 1000) - 120 })}`
      return `${input}.${signature}`
    })(),
    'garbage': 'not.a.jwt',
    'empty segments': '..'
  }

  for (const [name, token] of Object.entries(tokens)) {
    const response = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(response.statusCode, 401, name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, name)
    t.equal(response.headers['www-authenticate'], 'Bearer', name)
  }

  for (const authorization of ['', 'Bearer', 'Basic dXNlcjpwYXNz', `Bearer ${user.accessToken} extra`, `Bearer  ${user.accessToken}`]) {
    const response = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization } })
    t.equal(response.statusCode, 401, `Authorization: ${authorization.slice(0, 20)}`)
  }

  const missing = await app.inject({ method: 'GET', url: '/v1/users/me' })
  t.equal(missing.statusCode, 401, 'no Authorization header')

  const lowercase = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `bearer ${user.accessToken}` } })
  t.equal(lowercase.statusCode, 200, 'the scheme name is case-insensitive')
})

/** Signs a token with the app's own key, so only the chosen claims are wrong. */
function signWithAppKey (privateKeyPem: string, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${base64url(header)}.${base64url(payload)}`
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKeyPem, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

t.test('correctly signed tokens with wrong claim types get 401', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const { header, payload } = parts(user.accessToken)
  const cases: Record<string, Record<string, unknown>> = {
    'sub as an operator object': { ...payload, sub: { $ne: null } },
    'sub as an array': { ...payload, sub: [user.userId] },
    'sub not an id': { ...payload, sub: 'admin' },
    'sid as a number': { ...payload, sid: 5 },
    'missing jti': { ...payload, jti: undefined }
  }

  for (const [name, claims] of Object.entries(cases)) {
    const token = signWithAppKey(app.signingKeys.privateKeyPem, header, claims)
    const response = await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(response.statusCode, 401, name)
  }

  const control = signWithAppKey(app.signingKeys.privateKeyPem, header, payload)
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${control}` } })).statusCode, 200, 'the same signing with valid claims works')
})

t.test('clock skew of up to 30 s is tolerated', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const { header, payload } = parts(user.accessToken)
  const now = Math.floor(Date.now() / 1000)
  const me = async (claims: Record<string, unknown>) => (await app.inject({
    method: 'GET',
    url: '/v1/users/me',
    headers: { authorization: `Bearer ${signWithAppKey(app.signingKeys.privateKeyPem, header, { ...payload, ...claims })}` }
  })).statusCode

  t.equal(await me({ exp: now - 5 }), 200, 'expired 5 s ago')
  t.equal(await me({ nbf: now + 5 }), 200, 'valid from 5 s ahead')
  t.equal(await me({ exp: now - 60 }), 401, 'expired a minute ago')
  t.equal(await me({ nbf: now + 60 }), 401, 'valid only from a minute ahead')
})
