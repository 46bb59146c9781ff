import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isIP } from 'node:net'

// Every environment variable the service reads. The keys are the variable names, so the README's
// configuration table, the error messages and the code all use one name per setting.
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),

  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  SQLITE_PATH: Type.Optional(Type.String({ minLength: 1, description: 'Defaults to DATA_DIR/tasks.db; ":memory:" keeps nothing on disk' })),
  MONGODB_URL: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://', description: 'When set, MongoDB stores everything instead of SQLite' })),
  MONGODB_DATABASE: Type.Optional(Type.String({ minLength: 1, pattern: '^[^/\\\\. "$]+$' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),

  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1, description: 'PKCS#8 PEM of the P-256 signing key; "\\n" escapes are accepted' })),
  JWT_KEY_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  JWT_VERIFY_KEYS: Type.Optional(Type.String({ minLength: 1, description: 'JSON Web Key Set of extra public keys still accepted during key rotation' })),
  JWT_ISSUER: Type.String({ default: 'task-service', minLength: 1 }),
  JWT_AUDIENCE: Type.String({ default: 'task-service', minLength: 1 }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ default: 900, minimum: 30, maximum: 3600 }),
  REFRESH_IDLE_TTL_SECONDS: Type.Integer({ default: 7 * 24 * 3600, minimum: 60 }),
  REFRESH_ABSOLUTE_TTL_SECONDS: Type.Integer({ default: 30 * 24 * 3600, minimum: 60 }),
  REFRESH_GRACE_SECONDS: Type.Integer({ default: 10, minimum: 0, maximum: 60 }),

  COOKIE_NAME: Type.String({ default: '__Host-refresh_token', pattern: '^[A-Za-z0-9_-]+$' }),
  COOKIE_SAMESITE: Type.Union([Type.Literal('strict'), Type.Literal('lax'), Type.Literal('none')], { default: 'strict' }),
  COOKIE_SECURE: Type.Boolean({ default: true }),
  CORS_ORIGINS: Type.String({ default: '', description: 'Comma-separated origins allowed to call the API from a browser' }),
  TRUST_PROXY: Type.String({ default: '', description: 'Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is trusted' }),

  PASSWORD_MIN_LENGTH: Type.Integer({ default: 15, minimum: 8, maximum: 128 }),
  ARGON2_MEMORY_KIB: Type.Integer({ default: 19456, minimum: 8192 }),
  ARGON2_TIME_COST: Type.Integer({ default: 2, minimum: 1 }),
  ARGON2_PARALLELISM: Type.Integer({ default: 1, minimum: 1, maximum: 16 }),

  BODY_LIMIT_BYTES: Type.Integer({ default: 65536, minimum: 1024 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 1000 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100 }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ default: 1000, minimum: 0, description: 'New requests get 503 while the event loop lags by more than this; 0 turns load shedding off' }),

  RATE_LIMIT_LOGIN_PER_MINUTE: Type.Integer({ default: 10, minimum: 1 }),
  RATE_LIMIT_REGISTER_PER_HOUR: Type.Integer({ default: 10, minimum: 1 }),
  RATE_LIMIT_REFRESH_PER_5_MINUTES: Type.Integer({ default: 150, minimum: 1 }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 600, minimum: 1 })
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Builds the config from environment variables (or any record of strings), applying defaults and
 * converting numbers and booleans. Throws ConfigError listing every invalid variable with the reason.
 */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const known: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    // An empty variable means "unset", as in most .env conventions.
    if (value !== undefined && value !== '') known[key] = value
  }

  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, known))
  const problems = [...Value.Errors(ConfigSchema, converted)].map((error) => {
    const name = error.path.replace(/^\//, '')
    return `${name}: ${error.message} (got ${JSON.stringify(known[name] ?? null)})`
  })

  const config = converted as Config
  if (problems.length === 0) problems.push(...crossFieldProblems(config))
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

function crossFieldProblems (config: Config): string[] {
  const problems: string[] = []
  if (config.NODE_ENV === 'production' && config.JWT_PRIVATE_KEY === undefined) {
    problems.push('JWT_PRIVATE_KEY: required when NODE_ENV=production, so every instance signs with the same key')
  }
  if (config.JWT_PRIVATE_KEY !== undefined && config.JWT_KEY_ID === undefined) {
    problems.push('JWT_KEY_ID: required with JWT_PRIVATE_KEY, so verifiers can pick the key')
  }
  if (config.REFRESH_ABSOLUTE_TTL_SECONDS < config.REFRESH_IDLE_TTL_SECONDS) {
    problems.push('REFRESH_ABSOLUTE_TTL_SECONDS: must not be shorter than REFRESH_IDLE_TTL_SECONDS')
  }
  if (config.COOKIE_NAME.startsWith('__Host-') && !config.COOKIE_SECURE) {
    problems.push('COOKIE_SECURE: browsers drop __Host- cookies without Secure; set COOKIE_SECURE=true or rename COOKIE_NAME')
  }
  if (config.COOKIE_SAMESITE === 'none' && !config.COOKIE_SECURE) {
    problems.push('COOKIE_SAMESITE: "none" requires COOKIE_SECURE=true')
  }
  for (const origin of listOf(config.CORS_ORIGINS)) {
    if (!isOrigin(origin)) problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`)
  }
  for (const entry of listOf(config.TRUST_PROXY)) {
    const [address, prefix] = entry.split('/')
    const version = isIP(address ?? '')
    const prefixValid = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32))
    if (version === 0 || !prefixValid) problems.push(`TRUST_PROXY: "${entry}" is not an IP address or CIDR range`)
  }
  return problems
}

/** Splits a comma-separated variable into trimmed, non-empty entries. */
export function listOf (value: string): string[] {
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
}

function isOrigin (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
  } catch {
    return false
  }
}
