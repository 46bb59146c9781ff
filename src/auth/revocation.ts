import type { SessionStore } from '../storage/types.js'

// A session's state is cached for at most this long, so a revocation made by any instance sharing
// the store rejects that session's access tokens everywhere within this bound plus one store read.
const LIVE_ENTRY_TTL_MS = 500
const MAX_ENTRIES = 10_000

/**
 * Checks whether an access token's session is revoked, reading the store at most once per
 * session every LIVE_ENTRY_TTL_MS. A revoked session never comes back, so that result is kept.
 */
export class RevocationCheck {
  readonly #store: SessionStore
  readonly #cache = new Map<string, { revoked: boolean, checkedAt: number }>()

  constructor (store: SessionStore) {
    this.#store = store
  }

  async isRevoked (sessionId: string, now = Date.now()): Promise<boolean> {
    const cached = this.#cache.get(sessionId)
    if (cached !== undefined && (cached.revoked || now - cached.checkedAt < LIVE_ENTRY_TTL_MS)) return cached.revoked

    const revoked = await this.#store.isRevoked(sessionId, new Date(now))
    this.#remember(sessionId, revoked, now)
    return revoked
  }

  /** Records a revocation made by this instance, so it applies here at once. */
  markRevoked (sessionId: string, now = Date.now()): void {
    this.#remember(sessionId, true, now)
  }

  #remember (sessionId: string, revoked: boolean, now: number): void {
    // Map keeps insertion order, so deleting first and evicting the first key drops the oldest.
    this.#cache.delete(sessionId)
    if (this.#cache.size >= MAX_ENTRIES) {
      const oldest = this.#cache.keys().next().value
      if (oldest !== undefined) this.#cache.delete(oldest)
    }
    this.#cache.set(sessionId, { revoked, checkedAt: now })
  }
}
