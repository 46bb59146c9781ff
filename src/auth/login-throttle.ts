import { createHash } from 'node:crypto'
import type { LoginThrottleStore } from '../storage/types.js'

// Failed logins per account: the first FREE_FAILURES cost nothing, then each further attempt must
// wait twice as long as the one before, from BASE_DELAY_MS up to MAX_DELAY_MS. The count restarts
// RESET_AFTER_MS after the last failure or at the next success, so no account is ever locked for good.
export const FREE_FAILURES = 5
const BASE_DELAY_MS = 1000
const MAX_DELAY_MS = 15 * 60 * 1000
const RESET_AFTER_MS = 12 * 60 * 60 * 1000

/** Returns the wait after `failures` failures before the next attempt is considered. */
export function backoffDelayMs (failures: number): number {
  if (failures < FREE_FAILURES) return 0
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - FREE_FAILURES))
}

/**
 * Per-account login backoff, kept in the shared store so every instance reads the same counts.
 * The key is a hash of the normalised email, so unknown emails are counted exactly like real ones
 * and the responses stay uniform. The store never contains the addresses people mistyped.
 */
export class LoginThrottle {
  readonly #store: LoginThrottleStore

  constructor (store: LoginThrottleStore) {
    this.#store = store
  }

  #key (email: string): string {
    return createHash('sha256').update(`login:${email}`).digest('hex')
  }

  /**
   * Claims a password attempt for the account. Returns 0 when the attempt may go ahead, or the
   * seconds to wait. An attempt that goes ahead is counted as a failure at once, before the slow
   * password check, and reset() undoes that on success. Counting afterwards would let every
   * request that arrives during the check through, so parallel guesses would skip the backoff.
   */
  async claimAttempt (email: string, now = new Date()): Promise<number> {
    const key = this.#key(email)
    const before = await this.#store.get(key, now)
    if (before !== null) {
      const allowedAt = before.lastFailureAt.getTime() + backoffDelayMs(before.failures)
      if (allowedAt > now.getTime()) return Math.ceil((allowedAt - now.getTime()) / 1000)
    }

    const after = await this.#store.recordFailure(key, now, new Date(now.getTime() + RESET_AFTER_MS))
    // Another attempt was counted between the check and this count, so this one did not wait for
    // its turn: past the free failures it must wait like any other.
    const seen = before?.failures ?? 0
    if (after.failures > FREE_FAILURES && after.failures - 1 > seen) return Math.ceil(backoffDelayMs(after.failures) / 1000)
    return 0
  }

  async reset (email: string): Promise<void> {
    await this.#store.clear(this.#key(email))
  }
}
