import type { Collection } from 'mongodb'
import type { LoginFailures, LoginThrottleStore } from '../types.js'
import type { LoginFailureDocument } from './collections.js'
import { isDuplicateKeyError } from './ids.js'

// Each retry of recordFailure means a concurrent writer created, restarted or deleted the record
// between two of this call's steps, so a few attempts suffice outside a stampede on one key.
const MAX_RECORD_ATTEMPTS = 5

function toFailures (document: LoginFailureDocument): LoginFailures {
  return { failures: document.failures, lastFailureAt: document.lastFailureAt, expiresAt: document.expiresAt }
}

// Nothing here depends on transactions, TTL indexes or atomic findAndModify, which FerretDB 1.24
// lacks. A record counts as absent once expiresAt <= now, whether or not a TTL index removed it yet.
export class MongoLoginThrottleStore implements LoginThrottleStore {
  readonly #failures: Collection<LoginFailureDocument>

  constructor (failures: Collection<LoginFailureDocument>) {
    this.#failures = failures
  }

  async get (key: string, now: Date): Promise<LoginFailures | null> {
    // String() keeps a non-string key from acting as a query operator.
    const document = await this.#failures.findOne({ _id: String(key), expiresAt: { $gt: now } })
    return document === null ? null : toFailures(document)
  }

  /**
   * Adds one to a live record with $inc, which MongoDB applies atomically, so concurrent failures
   * each count. When no live record exists, writes a fresh one with failures 1. If a concurrent call
   * created the record first, the unique _id makes that write fail with a duplicate key error, and
   * the next attempt increments the record instead.
   * NOTE: FerretDB 1.24 runs $inc as a read followed by a whole-document write, so there concurrent
   * failures on one key can be lost; MongoDB counts each one.
   */
  async recordFailure (key: string, now: Date, expiresAt: Date): Promise<LoginFailures> {
    const _id = String(key)
    for (let attempt = 1; attempt <= MAX_RECORD_ATTEMPTS; attempt++) {
      const incremented = await this.#failures.updateOne(
        { _id, expiresAt: { $gt: now } },
        { $inc: { failures: 1 }, $set: { lastFailureAt: now, expiresAt } }
      )
      if (incremented.matchedCount === 1) {
        // The count read here includes failures that concurrent calls added after this one, which
        // only makes the backoff as long as the latest count requires.
        const document = await this.#failures.findOne({ _id })
        if (document !== null) return toFailures(document)
        // A clear or a sweep deleted the record after the increment, so the next attempt starts a new one.
        continue
      }

      // The record is absent or expired. The filter matches only an expired record, and when there
      // is none the upsert inserts one with the filter's _id.
      const fresh = { failures: 1, lastFailureAt: now, expiresAt }
      try {
        await this.#failures.replaceOne({ _id, expiresAt: { $lte: now } }, fresh, { upsert: true })
        return { ...fresh }
      } catch (error) {
        // A concurrent call created or restarted the record since the update above, so increment it.
        if (!isDuplicateKeyError(error)) throw error
      }
    }
    throw new Error(`recording a login failure failed: the record changed concurrently on each of ${MAX_RECORD_ATTEMPTS} attempts`)
  }

  async clear (key: string): Promise<void> {
    await this.#failures.deleteOne({ _id: String(key) })
  }

  async deleteExpired (now: Date): Promise<number> {
    const result = await this.#failures.deleteMany({ expiresAt: { $lte: now } })
    return result.deletedCount
  }
}
