import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'

// Refresh tokens are 256 random bits, base64url-encoded (43 characters). The store keeps only their
// SHA-256: a fast hash is enough because the input is random, not a guessable password.
const TOKEN_BYTES = 32
const tokenPattern = /^[A-Za-z0-9_-]{43}$/

export function generateRefreshToken (): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

export function isWellFormedRefreshToken (value: string): boolean {
  return tokenPattern.test(value)
}

export function hashRefreshToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

// The current token is kept encrypted (AES-256-GCM) under a key derived from the previous token,
// which the store never keeps in clear. So only a caller presenting the previous token can recover
// the current one, which is what the grace window needs, and a database copy alone reveals nothing.
function sealingKey (previousToken: string, sessionId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', previousToken, sessionId, 'task-service refresh grace', 32))
}

export function sealToken (currentToken: string, previousToken: string, sessionId: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(previousToken, sessionId), iv)
  const ciphertext = Buffer.concat([cipher.update(currentToken, 'utf8'), cipher.final()])
  return [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.')
}

/** Returns the sealed token, or null when the previous token does not open it. */
export function unsealToken (sealed: string, previousToken: string, sessionId: string): string | null {
  const [iv, ciphertext, tag] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (iv === undefined || ciphertext === undefined || tag === undefined) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(previousToken, sessionId), iv)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}
