import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults make a working development config', async (t) => {
  const config = loadConfig({})

  t.equal(config.PORT, 3000)
  t.equal(config.NODE_ENV, 'development')
  t.equal(config.COOKIE_NAME, '__Host-refresh_token')
  t.equal(config.PASSWORD_MIN_LENGTH, 15)
  t.equal(config.ARGON2_MEMORY_KIB, 19456)
  t.equal(config.MONGODB_URL, undefined)
})

t.test('values are converted from strings', async (t) => {
  const config = loadConfig({ PORT: '8080', COOKIE_SECURE: 'true', PASSWORD_MIN_LENGTH: '12', MONGODB_URL: '' })

  t.equal(config.PORT, 8080)
  t.equal(config.COOKIE_SECURE, true)
  t.equal(config.PASSWORD_MIN_LENGTH, 12)
  t.equal(config.MONGODB_URL, undefined, 'an empty variable counts as unset')
})

t.test('every invalid variable is listed with its reason', async (t) => {
  const error = t.throws(() => loadConfig({
    PORT: 'eighty',
    PASSWORD_MIN_LENGTH: '6',
    COOKIE_SAMESITE: 'sometimes',
    MONGODB_URL: 'postgres://localhost'
  })) as ConfigError

  t.type(error, ConfigError)
  const names = error.problems.map((problem) => problem.split(':')[0])
  t.ok(names.includes('PORT'))
  t.ok(names.includes('PASSWORD_MIN_LENGTH'))
  t.ok(names.includes('COOKIE_SAMESITE'))
  t.ok(names.includes('MONGODB_URL'))
  t.match(error.message, /PORT: .*"eighty"/)
})

t.test('cross-field rules are checked', async (t) => {
  const cases: Array<{ env: Record<string, string>, variable: string }> = [
    { env: { NODE_ENV: 'production' }, variable: 'JWT_PRIVATE_KEY' },
    { env: { COOKIE_SECURE: 'false' }, variable: 'COOKIE_SECURE' },
    { env: { CORS_ORIGINS: 'https://ok.example.com, not an origin' }, variable: 'CORS_ORIGINS' },
    { env: { CORS_ORIGINS: 'https://app.example.com/path' }, variable: 'CORS_ORIGINS' },
    { env: { TRUST_PROXY: '10.0.0.0/8, 10.0.0.1/99' }, variable: 'TRUST_PROXY' },
    { env: { TRUST_PROXY: 'proxy.internal' }, variable: 'TRUST_PROXY' },
    { env: { REFRESH_IDLE_TTL_SECONDS: '7200', REFRESH_ABSOLUTE_TTL_SECONDS: '3600' }, variable: 'REFRESH_ABSOLUTE_TTL_SECONDS' }
  ]

  for (const { env, variable } of cases) {
    const error = t.throws(() => loadConfig(env), `${JSON.stringify(env)} is rejected`) as ConfigError
    t.ok(error.problems.some((problem) => problem.startsWith(`${variable}:`)), `${variable} is named`)
  }

  t.doesNotThrow(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, ::1' }))
  t.doesNotThrow(() => loadConfig({ COOKIE_SECURE: 'false', COOKIE_NAME: 'refresh_token' }))
})
