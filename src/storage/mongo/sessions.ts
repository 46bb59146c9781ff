import { setTimeout as sleep } from 'node:timers/promises'
import { ObjectId } from 'mongodb'
import { initialSession, type NewSession, type RefreshTokenRecord, type RotateInput, type Session, type SessionStore } from '../types.js'
import type { Collections, SessionDocument } from './collections.js'
import { isDuplicateKeyError, requireObjectId, toObjectId } from './ids.js'

// How long a rotation that lost its claim waits for the winner's session write: 40 x 25 ms.
const CLAIM_WAIT_ATTEMPTS = 40
const CLAIM_WAIT_INTERVAL_MS = 25

// Bounds the id lists that the multi-step deletes keep in memory and send in one $in.
const DELETE_BATCH_SIZE = 500

function toSession (document: SessionDocument): Session {
  return {
    id: document._id.toHexString(),
    userId: document.userId.toHexString(),
    generation: document.generation,
    createdAt: document.createdAt,
    lastUsedAt: document.lastUsedAt,
    rotatedAt: document.rotatedAt,
    expiresAt: document.expiresAt,
    absoluteExpiresAt: document.absoluteExpiresAt,
    sealedCurrentToken: document.sealedCurrentToken,
    revokedAt: document.revokedAt,
    userAgent: document.userAgent,
    ip: document.ip
  }
}

// Nothing here depends on transactions, TTL indexes or atomic findAndModify, which FerretDB 1.24
// lacks. Rotation, the one write that must be exactly-once, is decided by a unique-index insert.
export class MongoSessionStore implements SessionStore {
  readonly #sessions: Collections['sessions']
  readonly #tokens: Collections['refreshTokens']

  constructor (collections: Collections) {
    this.#sessions = collections.sessions
    this.#tokens = collections.refreshTokens
  }

  async create (input: NewSession): Promise<Session> {
    const { id: _sessionId, ...fields } = initialSession(input)
    const document: SessionDocument = {
      ...fields,
      _id: requireObjectId(input.id, 'session id'),
      userId: requireObjectId(input.userId, 'user id')
    }
    await this.#sessions.insertOne(document)
    try {
      await this.#insertToken(input.tokenHash, document._id, 0, input.absoluteExpiresAt)
    } catch (error) {
      // Without a transaction, undo the session so no family exists without its first token.
      await this.#sessions.deleteOne({ _id: document._id })
      throw error
    }
    return toSession(document)
  }

  async findById (id: string): Promise<Session | null> {
    const _id = toObjectId(id)
    if (_id === null) return null
    const document = await this.#sessions.findOne({ _id })
    return document === null ? null : toSession(document)
  }

  async findToken (tokenHash: string): Promise<RefreshTokenRecord | null> {
    const document = await this.#tokens.findOne({ tokenHash: String(tokenHash) })
    if (document === null) return null
    return { tokenHash: document.tokenHash, sessionId: document.sessionId.toHexString(), generation: document.generation }
  }

  async rotate (input: RotateInput): Promise<Session | null> {
    const _id = toObjectId(input.sessionId)
    if (_id === null) return null
    const current = await this.#sessions.findOne({ _id })
    if (current === null || current.generation !== input.expectedGeneration || current.revokedAt !== null) return null

    // The claim: token records are unique on (sessionId, generation), so of several concurrent calls
    // with the same expected generation exactly one inserts the next generation's record. A unique
    // insert is the one compare-and-set that FerretDB 1.24 makes atomic: it runs an update as a read,
    // then a whole-document write, so concurrent conditional updates can all report success.
    const generation = input.expectedGeneration + 1
    let tokenId: ObjectId
    try {
      tokenId = await this.#insertToken(input.tokenHash, _id, generation, current.absoluteExpiresAt)
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error
      await this.#awaitRotation(_id, input.expectedGeneration)
      return null
    }

    // The conditions repeat the claim's, so on MongoDB a revocation that landed since the read wins.
    // NOTE: on FerretDB 1.24 a revoke racing this write can be overwritten; MongoDB is unaffected.
    let modified: boolean
    try {
      const result = await this.#sessions.updateOne(
        { _id, generation: input.expectedGeneration, revokedAt: null },
        { $set: { generation, lastUsedAt: input.now, rotatedAt: input.now, expiresAt: input.expiresAt, sealedCurrentToken: input.sealedCurrentToken } }
      )
      modified = result.modifiedCount > 0
    } catch (error) {
      // A claim left in place would block every later rotation of this session.
      await this.#tokens.deleteOne({ _id: tokenId }).catch(() => undefined)
      throw error
    }
    if (!modified) {
      await this.#tokens.deleteOne({ _id: tokenId })
      return null
    }

    return await this.findById(input.sessionId)
  }

  async revoke (id: string, now: Date): Promise<boolean> {
    const _id = toObjectId(id)
    if (_id === null) return false
    const result = await this.#sessions.updateOne({ _id, revokedAt: null }, { $set: { revokedAt: now } })
    return result.modifiedCount > 0
  }

  async revokeAllForUser (userId: string, now: Date, exceptId?: string): Promise<number> {
    const userObjectId = toObjectId(userId)
    if (userObjectId === null) return 0
    const filter: { userId: ObjectId, revokedAt: null, _id?: { $ne: ObjectId } } = { userId: userObjectId, revokedAt: null }
    // A malformed exceptId names no session, so it excludes nothing.
    const exceptObjectId = exceptId === undefined ? null : toObjectId(exceptId)
    if (exceptObjectId !== null) filter._id = { $ne: exceptObjectId }
    const result = await this.#sessions.updateMany(filter, { $set: { revokedAt: now } })
    return result.modifiedCount
  }

  async listActiveForUser (userId: string, now: Date): Promise<Session[]> {
    const userObjectId = toObjectId(userId)
    if (userObjectId === null) return []
    const documents = await this.#sessions
      .find({ userId: userObjectId, revokedAt: null, expiresAt: { $gt: now } })
      .sort({ createdAt: -1, _id: -1 })
      .toArray()
    return documents.map(toSession)
  }

  async isRevoked (id: string, now: Date): Promise<boolean> {
    const _id = toObjectId(id)
    if (_id === null) return true
    const document = await this.#sessions.findOne({ _id }, { projection: { revokedAt: 1, expiresAt: 1 } })
    return document === null || document.revokedAt !== null || document.expiresAt <= now
  }

  async deleteAllForUser (userId: string): Promise<number> {
    const userObjectId = toObjectId(userId)
    if (userObjectId === null) return 0
    return await this.#deleteInBatches({ userId: userObjectId })
  }

  async deleteExpired (now: Date): Promise<number> {
    const deleted = await this.#deleteInBatches({ expiresAt: { $lte: now } })
    // Also removes records whose session a TTL index deleted, which left them behind.
    await this.#tokens.deleteMany({ expiresAt: { $lte: now } })
    return deleted
  }

  /**
   * Waits, briefly, until the claim's winner has written the session. A caller that gets null
   * re-reads the session to serve the grace window, so it must see the new generation, and on
   * MongoDB the winner's write follows its claim by one round trip. The wait gives up after
   * about a second, which only a winner that died between its two writes would need.
   */
  async #awaitRotation (_id: ObjectId, expectedGeneration: number): Promise<void> {
    for (let attempt = 0; attempt < CLAIM_WAIT_ATTEMPTS; attempt++) {
      const session = await this.#sessions.findOne({ _id }, { projection: { generation: 1, revokedAt: 1 } })
      if (session === null || session.generation !== expectedGeneration || session.revokedAt !== null) return
      await sleep(CLAIM_WAIT_INTERVAL_MS)
    }
  }

  async #insertToken (tokenHash: string, sessionId: ObjectId, generation: number, expiresAt: Date): Promise<ObjectId> {
    const _id = new ObjectId()
    await this.#tokens.insertOne({ _id, tokenHash: String(tokenHash), sessionId, generation, expiresAt })
    return _id
  }

  /**
   * Deletes the matching sessions and their token records, batch by batch. Without a transaction the
   * sessions go first: a token record left by a crash points to no session, so it authorises nothing.
   */
  async #deleteInBatches (filter: { userId: ObjectId } | { expiresAt: { $lte: Date } }): Promise<number> {
    let deleted = 0
    for (;;) {
      const batch = await this.#sessions.find(filter, { projection: { _id: 1 } }).limit(DELETE_BATCH_SIZE).toArray()
      if (batch.length === 0) return deleted

      const ids = batch.map((document) => document._id)
      const result = await this.#sessions.deleteMany({ ...filter, _id: { $in: ids } })
      if (result.deletedCount === 0) return deleted
      deleted += result.deletedCount

      // A rotation between the find and the delete can extend a session out of the filter; such a
      // session survives, and so must its tokens.
      const survivors = await this.#sessions.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()
      const surviving = new Set(survivors.map((document) => document._id.toHexString()))
      const gone = ids.filter((id) => !surviving.has(id.toHexString()))
      await this.#tokens.deleteMany({ sessionId: { $in: gone } })
    }
  }
}
