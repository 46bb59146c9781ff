import { createHash } from 'node:crypto'
import type { LoginThrottleStore } from '../storage/types.js'

// Failed logins per account: the first FREE_FAILURES cost nothing, then each further attempt must
// wait twice as long as the one before, from BASE_DELAY_MS up to MAX_DELAY_MS. The count restarts
// RESET_AFTER_MS after the last failure or at the next success, so no account is ever locked for good.
export const FREE_FAILURES = 5
const BASE_DELAY_MS = 1000
const MAX_DELAY_MS = 15 * 60 * 1000
const RESET_AFTER_MS = 12 * 60 * 60 * 1000

/** The wait after `failures` failures, before the next attempt is considered. */
export function backoffDelayMs (failures: number): number {
  if (failures < FREE_FAILURES) return 0
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - FREE_FAILURES))
}

/**
 * Per-account login backoff, kept in the shared store so every instance sees it. The key is a hash
 * of the normalised email, so unknown emails are counted exactly like real ones (the answers stay
 * uniform) and the store never holds the addresses people mistyped.
 */
export class LoginThrottle {
  readonly #store: LoginThrottleStore

  constructor (store: LoginThrottleStore) {
    this.#store = store
  }

  #key (email: string): string {
    return createHash('sha256').update(`login:${email}`).digest('hex')
  }

  /** Returns how many seconds the caller must wait, or 0 when an attempt is allowed now. */
  async retryAfterSeconds (email: string, now = new Date()): Promise<number> {
    const record = await this.#store.get(this.#key(email), now)
    if (record === null) return 0
    const allowedAt = record.lastFailureAt.getTime() + backoffDelayMs(record.failures)
    return allowedAt > now.getTime() ? Math.ceil((allowedAt - now.getTime()) / 1000) : 0
  }

  /** Counts a failure and returns the total since the last reset. */
  async recordFailure (email: string, now = new Date()): Promise<number> {
    const record = await this.#store.recordFailure(this.#key(email), now, new Date(now.getTime() + RESET_AFTER_MS))
    return record.failures
  }

  async reset (email: string): Promise<void> {
    await this.#store.clear(this.#key(email))
  }
}
