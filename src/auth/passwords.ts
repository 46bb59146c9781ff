import { dictionary } from '@zxcvbn-ts/language-common'
import argon2 from 'argon2'

export interface Argon2Parameters {
  memoryCost: number
  timeCost: number
  parallelism: number
}

// zxcvbn's list of about 49,000 passwords seen most often in breaches, lower-cased.
const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()))

export const PASSWORD_MAX_LENGTH = 128

/** Applies the stored form's normalisation: NFC, so the same text typed on any platform verifies. */
export function normalizePassword (password: string): string {
  return password.normalize('NFC')
}

/**
 * Returns why the password is unacceptable, or null when it is fine. Length is counted in code
 * points after NFC normalisation, so an emoji counts once. There are no composition rules.
 */
export function passwordProblem (password: string, minLength: number): string | null {
  if (password.includes('\u0000')) return 'must not contain the NUL character'
  const length = [...normalizePassword(password)].length
  if (length < minLength) return `must be at least ${minLength} characters long`
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`
  if (commonPasswords.has(normalizePassword(password).toLowerCase())) return 'is one of the most common passwords; choose another'
  return null
}

export class PasswordHasher {
  readonly #options: Argon2Parameters & { type: typeof argon2.argon2id }
  // Verifying against this hash when the email is unknown makes a failed login take as long as
  // a wrong password, so response times do not reveal which emails have accounts.
  #dummyHash: Promise<string> | undefined

  constructor (parameters: Argon2Parameters) {
    this.#options = { ...parameters, type: argon2.argon2id }
  }

  async hash (password: string): Promise<string> {
    return await argon2.hash(normalizePassword(password), this.#options)
  }

  async verify (hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, normalizePassword(password))
    } catch {
      // A malformed stored hash is a failed verification, not a server error for the client.
      return false
    }
  }

  /** Runs a verification that always fails, costing what a real one costs. */
  async verifyDummy (password: string): Promise<false> {
    this.#dummyHash ??= argon2.hash('dummy password that no account has', this.#options)
    await this.verify(await this.#dummyHash, password)
    return false
  }

  /** True when the hash was made with other parameters and should be replaced after a login. */
  needsRehash (hash: string): boolean {
    return argon2.needsRehash(hash, this.#options)
  }
}
