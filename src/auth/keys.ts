import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.js'

export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  kid: string
  alg: 'ES256'
  use: 'sig'
}

export interface SigningKeys {
  kid: string
  privateKeyPem: string
  /** Every key accepted on verify, the signing key's public half first. */
  publicKeyPemByKid: Map<string, string>
  jwks: { keys: PublicJwk[] }
  /**
   * A 256-bit key derived from the signing key for signing list cursors. Every instance loads the
   * same signing key, so they agree on it; rotating the signing key invalidates open cursors.
   */
  cursorKey: Buffer
}

interface Logger {
  warn: (message: string) => void
}

const DEV_KEY_FILE = 'jwt-signing-key.dev.json'

/**
 * Loads the ES256 signing key and the extra verification keys from config. Without a configured key
 * (never in production, which config rejects), a development key pair is generated once and kept in
 * DATA_DIR so tokens survive restarts.
 */
export function loadSigningKeys (config: Config, log: Logger): SigningKeys {
  const { kid, privateKey } = config.JWT_PRIVATE_KEY === undefined
    ? developmentKey(config.DATA_DIR, log)
    : { kid: config.JWT_KEY_ID as string, privateKey: parsePrivateKey(config.JWT_PRIVATE_KEY) }

  const publicKeyPemByKid = new Map<string, string>()
  const jwks: PublicJwk[] = []
  const addPublicKey = (keyId: string, key: KeyObject) => {
    if (publicKeyPemByKid.has(keyId)) throw new Error(`JWT_VERIFY_KEYS: key id "${keyId}" appears twice`)
    publicKeyPemByKid.set(keyId, key.export({ type: 'spki', format: 'pem' }).toString())
    const { x, y } = key.export({ format: 'jwk' })
    jwks.push({ kty: 'EC', crv: 'P-256', x: x as string, y: y as string, kid: keyId, alg: 'ES256', use: 'sig' })
  }

  addPublicKey(kid, createPublicKey(privateKey))
  for (const jwk of parseVerifyKeys(config.JWT_VERIFY_KEYS)) {
    addPublicKey(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }))
  }

  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPemByKid,
    jwks: { keys: jwks },
    cursorKey: Buffer.from(hkdfSync('sha256', privateKey.export({ type: 'pkcs8', format: 'der' }), Buffer.alloc(0), 'task-service list cursor', 32))
  }
}

function parsePrivateKey (pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem.replaceAll('\\n', '\n'))
  } catch (error) {
    throw new Error(`JWT_PRIVATE_KEY is not a readable PEM private key: ${(error as Error).message}`)
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('JWT_PRIVATE_KEY must be an EC P-256 key for ES256; generate one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256')
  }
  return key
}

function parseVerifyKeys (value: string | undefined): Array<JsonWebKey & { kid: string }> {
  if (value === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new Error('JWT_VERIFY_KEYS is not valid JSON; expected a JSON Web Key Set like {"keys":[...]}')
  }
  const keys = typeof parsed === 'object' && parsed !== null ? (parsed as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys)) throw new Error('JWT_VERIFY_KEYS must be a JSON Web Key Set: an object with a "keys" array')
  return keys.map((key: JsonWebKey & { kid?: unknown } | null, index) => {
    if (typeof key !== 'object' || key === null || typeof key.kid !== 'string' || key.kty !== 'EC' || key.crv !== 'P-256' || key.d !== undefined) {
      throw new Error(`JWT_VERIFY_KEYS: key ${index} must be a public EC P-256 key with a "kid"`)
    }
    return key as JsonWebKey & { kid: string }
  })
}

function developmentKey (dataDir: string, log: Logger): { kid: string, privateKey: KeyObject } {
  const path = join(dataDir, DEV_KEY_FILE)
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { kid: string, privateKeyPem: string }
    log.warn(`Signing access tokens with the development key in ${path}; set JWT_PRIVATE_KEY and JWT_KEY_ID for any shared deployment`)
    return { kid: stored.kid, privateKey: parsePrivateKey(stored.privateKeyPem) }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`The development key ${path} is unreadable: ${(error as Error).message}; delete it to generate a new one`)
  }

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = `dev-${randomUUID()}`
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(path, JSON.stringify({ kid, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) }), { mode: 0o600 })
  chmodSync(path, 0o600)
  log.warn(`Generated a development signing key in ${path}; set JWT_PRIVATE_KEY and JWT_KEY_ID for any shared deployment`)
  return { kid, privateKey }
}
