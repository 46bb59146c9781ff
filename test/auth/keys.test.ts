import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadSigningKeys } from '../../src/auth/keys.js'
import { loadConfig } from '../../src/config.js'
import { buildTestApp, registerUser } from '../helpers.js'

function newKeyPem (): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}

function publicJwkOf (app: Awaited<ReturnType<typeof buildTestApp>>['app']) {
  return app.signingKeys.jwks.keys[0]
}

const silentLog = { warn: () => {} }

t.test('configured key signs and a rotated instance still verifies it', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-keys-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  // Both instances share one store, as instances behind a load balancer do.
  const shared = { SQLITE_PATH: join(dataDir, 'tasks.db'), MONGODB_DATABASE: `test_keys_${randomBytes(4).toString('hex')}` }
  const oldKey = newKeyPem()
  const { app: oldInstance } = await buildTestApp(t, { ...shared, JWT_PRIVATE_KEY: oldKey.replaceAll('\n', '\\n'), JWT_KEY_ID: 'key-1' })
  const user = await registerUser(oldInstance)

  const { app: newInstance } = await buildTestApp(t, {
    ...shared,
    JWT_PRIVATE_KEY: newKeyPem(),
    JWT_KEY_ID: 'key-2',
    JWT_VERIFY_KEYS: JSON.stringify({ keys: [publicJwkOf(oldInstance)] })
  })

  const jwks = (await newInstance.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: Array<{ kid: string }> }>()
  t.same(jwks.keys.map((key) => key.kid), ['key-2', 'key-1'], 'both keys are published, the signing key first')

  const me = await newInstance.inject({ method: 'GET', url: '/v1/users/me', headers: user.authorization })
  t.equal(me.statusCode, 200, 'a token signed with the old key works on the new instance')

  const { app: unrelated } = await buildTestApp(t, { ...shared, JWT_PRIVATE_KEY: newKeyPem(), JWT_KEY_ID: 'key-1' })
  const rejected = await unrelated.inject({ method: 'GET', url: '/v1/users/me', headers: user.authorization })
  t.equal(rejected.statusCode, 401)
  t.equal(rejected.json().detail, 'The access token is invalid', 'a different key with the same kid does not verify it')
})

t.test('development key is generated once and reused', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-keys-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const warnings: string[] = []
  const log = { warn: (message: string) => warnings.push(message) }
  const config = loadConfig({ DATA_DIR: dataDir })

  const first = loadSigningKeys(config, log)
  const second = loadSigningKeys(config, log)

  t.equal(second.kid, first.kid)
  t.equal(second.privateKeyPem, first.privateKeyPem)
  t.equal(statSync(join(dataDir, 'jwt-signing-key.dev.json')).mode & 0o777, 0o600, 'only the owner can read it')
  t.equal(warnings.length, 2, 'every start warns')
  t.match(warnings[0], 'Generated a development signing key')
})

t.test('invalid keys stop start-up with a clear message', async (t) => {
  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicJwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'k' }
  const cases: Array<{ env: Record<string, string>, message: RegExp }> = [
    { env: { JWT_PRIVATE_KEY: 'not a pem', JWT_KEY_ID: 'k' }, message: /JWT_PRIVATE_KEY is not a readable PEM/ },
    { env: { JWT_PRIVATE_KEY: rsaKey, JWT_KEY_ID: 'k' }, message: /must be an EC P-256 key/ },
    { env: { JWT_VERIFY_KEYS: '{' }, message: /not valid JSON/ },
    { env: { JWT_VERIFY_KEYS: 'null' }, message: /must be a JSON Web Key Set/ },
    { env: { JWT_VERIFY_KEYS: '{"keys":[null]}' }, message: /key 0 must be a public EC P-256 key/ },
    { env: { JWT_VERIFY_KEYS: JSON.stringify({ keys: [{ ...publicJwk, kid: undefined }] }) }, message: /key 0 must be a public EC P-256 key/ },
    { env: { JWT_VERIFY_KEYS: JSON.stringify({ keys: [publicJwk, publicJwk] }) }, message: /appears twice/ }
  ]

  for (const { env, message } of cases) {
    const dataDir = mkdtempSync(join(tmpdir(), 'task-service-keys-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    t.throws(() => loadSigningKeys(loadConfig({ DATA_DIR: dataDir, ...env }), silentLog), message, Object.keys(env).join(', '))
  }
})
