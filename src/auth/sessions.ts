import { newId } from '../ids.js'
import type { Session, SessionStore } from '../storage/types.js'
import { generateRefreshToken, hashRefreshToken, isWellFormedRefreshToken, sealToken, unsealToken } from './refresh-tokens.js'

export interface SessionSettings {
  idleTtlMs: number
  absoluteTtlMs: number
  graceMs: number
}

export type RefreshOutcome =
  /** The presented token was current: the session moved to a new generation with a new token. */
  | { kind: 'rotated', session: Session, refreshToken: string }
  /** The presented token was replaced moments ago: the caller gets the token that replaced it. */
  | { kind: 'grace', session: Session, refreshToken: string }
  /** An old token came back: the session is now revoked. */
  | { kind: 'reuse', session: Session }
  | { kind: 'invalid', reason: 'malformed' | 'unknown' | 'revoked' | 'expired' }

/** Refresh-token sessions: start at login, rotate on refresh with a grace window, revoke on reuse. */
export class SessionService {
  readonly #store: SessionStore
  readonly #settings: SessionSettings

  constructor (store: SessionStore, settings: SessionSettings) {
    this.#store = store
    this.#settings = settings
  }

  async start (userId: string, client: { userAgent: string | null, ip: string | null }, now = new Date()): Promise<{ session: Session, refreshToken: string }> {
    const refreshToken = generateRefreshToken()
    const absoluteExpiresAt = new Date(now.getTime() + this.#settings.absoluteTtlMs)
    const session = await this.#store.create({
      id: newId(now),
      userId,
      createdAt: now,
      expiresAt: this.#idleExpiry(now, absoluteExpiresAt),
      absoluteExpiresAt,
      userAgent: client.userAgent,
      ip: client.ip,
      tokenHash: hashRefreshToken(refreshToken)
    })
    return { session, refreshToken }
  }

  async refresh (presented: string, now = new Date()): Promise<RefreshOutcome> {
    if (!isWellFormedRefreshToken(presented)) return { kind: 'invalid', reason: 'malformed' }
    const record = await this.#store.findToken(hashRefreshToken(presented))
    if (record === null) return { kind: 'invalid', reason: 'unknown' }

    let session = await this.#store.findById(record.sessionId)
    if (session === null) return { kind: 'invalid', reason: 'unknown' }

    if (record.generation === session.generation) {
      const rotated = await this.#rotate(session, presented, now)
      if (rotated !== null) return rotated
      // Another request rotated this token first; re-read and treat this one as a grace request.
      session = await this.#store.findById(record.sessionId)
      if (session === null) return { kind: 'invalid', reason: 'unknown' }
    }

    if (session.revokedAt !== null) return { kind: 'invalid', reason: 'revoked' }
    if (session.expiresAt.getTime() <= now.getTime()) return { kind: 'invalid', reason: 'expired' }

    const inGraceWindow = record.generation === session.generation - 1 &&
      session.rotatedAt !== null &&
      now.getTime() - session.rotatedAt.getTime() <= this.#settings.graceMs
    if (inGraceWindow && session.sealedCurrentToken !== null) {
      const current = unsealToken(session.sealedCurrentToken, presented, session.id)
      if (current !== null) return { kind: 'grace', session, refreshToken: current }
    }

    await this.#store.revoke(session.id, now)
    return { kind: 'reuse', session }
  }

  async #rotate (session: Session, presented: string, now: Date): Promise<RefreshOutcome | null> {
    if (session.revokedAt !== null) return { kind: 'invalid', reason: 'revoked' }
    if (session.expiresAt.getTime() <= now.getTime()) return { kind: 'invalid', reason: 'expired' }

    const refreshToken = generateRefreshToken()
    const rotated = await this.#store.rotate({
      sessionId: session.id,
      expectedGeneration: session.generation,
      now,
      expiresAt: this.#idleExpiry(now, session.absoluteExpiresAt),
      sealedCurrentToken: sealToken(refreshToken, presented, session.id),
      tokenHash: hashRefreshToken(refreshToken)
    })
    return rotated === null ? null : { kind: 'rotated', session: rotated, refreshToken }
  }

  /** Finds the session a refresh token belongs to, whatever its generation. */
  async findSessionByToken (presented: string): Promise<Session | null> {
    if (!isWellFormedRefreshToken(presented)) return null
    const record = await this.#store.findToken(hashRefreshToken(presented))
    return record === null ? null : await this.#store.findById(record.sessionId)
  }

  /** Cookie lifetime in seconds: until the session's idle or absolute expiry, whichever is first. */
  cookieMaxAgeSeconds (session: Session, now = new Date()): number {
    return Math.max(0, Math.round((session.expiresAt.getTime() - now.getTime()) / 1000))
  }

  #idleExpiry (now: Date, absoluteExpiresAt: Date): Date {
    return new Date(Math.min(now.getTime() + this.#settings.idleTtlMs, absoluteExpiresAt.getTime()))
  }
}
