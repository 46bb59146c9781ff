import type { Test } from 'tap'
import { newId } from '../../src/ids.js'
import type { SessionStore } from '../../src/storage/types.js'
import { hoursAfter, malformedIds, newSession, openFresh, randomTokenHash, type StorageFactory } from './contract-support.js'

const start = new Date('2030-01-01T00:00:00.000Z')

function rotation (sessionId: string, expectedGeneration: number, now: Date) {
  return { sessionId, expectedGeneration, now, expiresAt: hoursAfter(now, 2), sealedCurrentToken: `sealed-${expectedGeneration + 1}`, tokenHash: randomTokenHash() }
}

async function isRecorded (sessions: SessionStore, tokenHash: string): Promise<boolean> {
  return (await sessions.findToken(tokenHash)) !== null
}

export function sessionContract (t: Test, factory: StorageFactory): void {
  t.test('create and find', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const input = newSession(newId(), start)
    const session = await sessions.create(input)

    t.same(session, {
      id: input.id,
      userId: input.userId,
      generation: 0,
      createdAt: start,
      lastUsedAt: start,
      rotatedAt: null,
      expiresAt: input.expiresAt,
      absoluteExpiresAt: input.absoluteExpiresAt,
      sealedCurrentToken: null,
      revokedAt: null,
      userAgent: 'contract-test',
      ip: '127.0.0.1'
    })
    t.same(await sessions.findById(input.id), session)
    t.same(await sessions.findToken(input.tokenHash), { tokenHash: input.tokenHash, sessionId: input.id, generation: 0 })
    t.equal(await sessions.findToken(randomTokenHash()), null)
    t.equal(await sessions.findById(newId()), null)

    const anonymous = await sessions.create(newSession(newId(), start, { userAgent: null, ip: null }))
    t.equal((await sessions.findById(anonymous.id))?.userAgent, null)
  })

  t.test('rotate', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const { id } = await sessions.create(newSession(newId(), start))
    const later = hoursAfter(start, 0.5)
    const first = rotation(id, 0, later)
    const rotated = await sessions.rotate(first)

    t.equal(rotated?.generation, 1)
    t.same(rotated?.lastUsedAt, later)
    t.same(rotated?.rotatedAt, later)
    t.same(rotated?.expiresAt, first.expiresAt)
    t.equal(rotated?.sealedCurrentToken, 'sealed-1')
    t.same(rotated?.createdAt, start, 'createdAt stays')
    t.same(await sessions.findById(id), rotated)
    t.same(await sessions.findToken(first.tokenHash), { tokenHash: first.tokenHash, sessionId: id, generation: 1 })

    const stale = rotation(id, 0, later)
    t.equal(await sessions.rotate(stale), null, 'a stale generation does not rotate')
    t.notOk(await isRecorded(sessions, stale.tokenHash), 'a failed rotation records no token')
    t.equal((await sessions.rotate(rotation(id, 1, later)))?.generation, 2)
  })

  t.test('concurrent rotations with one generation', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const { id } = await sessions.create(newSession(newId(), start))
    const attempts = Array.from({ length: 5 }, () => rotation(id, 0, hoursAfter(start, 0.5)))
    // A loser re-reads the session at once, as the refresh flow does to serve the grace window.
    const outcomes = await Promise.all(attempts.map(async (input) => {
      const result = await sessions.rotate(input)
      return { result, seenGeneration: (await sessions.findById(id))?.generation }
    }))
    const results = outcomes.map((outcome) => outcome.result)

    t.equal(results.filter((result) => result !== null).length, 1, 'exactly one rotates')
    t.same(outcomes.map((outcome) => outcome.seenGeneration), [1, 1, 1, 1, 1], 'after rotate returns, every caller sees the new generation')
    t.equal((await sessions.findById(id))?.generation, 1)
    const recorded = await Promise.all(attempts.map((input) => isRecorded(sessions, input.tokenHash)))
    t.equal(recorded.filter(Boolean).length, 1, 'only the winner\'s token is recorded')
    t.equal(recorded.indexOf(true), results.findIndex((result) => result !== null), 'the recorded token is the winner\'s')
  })

  t.test('revoke', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const { id } = await sessions.create(newSession(newId(), start))
    const now = hoursAfter(start, 0.1)

    t.equal(await sessions.isRevoked(id, now), false)
    t.equal(await sessions.revoke(id, now), true)
    t.equal(await sessions.revoke(id, now), false, 'revoking twice returns false')
    t.same((await sessions.findById(id))?.revokedAt, now)
    t.equal(await sessions.isRevoked(id, now), true)
    t.equal(await sessions.rotate(rotation(id, 0, now)), null, 'a revoked session does not rotate')
    t.equal(await sessions.revoke(newId(), now), false, 'an unknown session')
  })

  t.test('revoke all for user', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const userId = newId()
    const otherUserId = newId()
    const kept = await sessions.create(newSession(userId, start))
    const second = await sessions.create(newSession(userId, start))
    const third = await sessions.create(newSession(userId, start))
    const other = await sessions.create(newSession(otherUserId, start))
    const now = hoursAfter(start, 0.1)

    t.equal(await sessions.revokeAllForUser(userId, now, kept.id), 2)
    t.equal(await sessions.isRevoked(kept.id, now), false, 'exceptId stays live')
    t.equal(await sessions.isRevoked(second.id, now), true)
    t.equal(await sessions.isRevoked(third.id, now), true)
    t.equal(await sessions.isRevoked(other.id, now), false, 'another user is untouched')
    t.equal(await sessions.revokeAllForUser(userId, now, kept.id), 0, 'already revoked sessions do not count')
    t.equal(await sessions.revokeAllForUser(userId, now), 1, 'without exceptId the rest go too')
    t.equal(await sessions.isRevoked(kept.id, now), true)
  })

  t.test('list active for user', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const userId = newId()
    const oldest = await sessions.create(newSession(userId, start))
    const newest = await sessions.create(newSession(userId, hoursAfter(start, 0.3)))
    const middle = await sessions.create(newSession(userId, hoursAfter(start, 0.2)))
    const revoked = await sessions.create(newSession(userId, hoursAfter(start, 0.25)))
    const expired = await sessions.create(newSession(userId, start, { expiresAt: hoursAfter(start, 0.4) }))
    await sessions.create(newSession(newId(), start))
    const now = hoursAfter(start, 0.5)
    await sessions.revoke(revoked.id, now)

    const active = await sessions.listActiveForUser(userId, now)
    t.same(active.map((session) => session.id), [newest.id, middle.id, oldest.id], 'newest first, without revoked and expired')
    t.notOk(active.some((session) => session.id === expired.id))
    t.same(active[0], newest)
    t.same(await sessions.listActiveForUser(newId(), now), [])
  })

  t.test('is revoked', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const session = await sessions.create(newSession(newId(), start))

    t.equal(await sessions.isRevoked(session.id, start), false)
    t.equal(await sessions.isRevoked(session.id, session.expiresAt), true, 'expired at expiresAt')
    t.equal(await sessions.isRevoked(newId(), start), true, 'an unknown session counts as revoked')
  })

  t.test('delete expired', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const userId = newId()
    const expiredInput = newSession(userId, start, { expiresAt: hoursAfter(start, 1) })
    const expired = await sessions.create(expiredInput)
    const rotation1 = rotation(expired.id, 0, hoursAfter(start, 0.1))
    await sessions.rotate({ ...rotation1, expiresAt: hoursAfter(start, 1) })
    const liveInput = newSession(userId, start, { expiresAt: hoursAfter(start, 3) })
    const live = await sessions.create(liveInput)
    const now = hoursAfter(start, 2)

    t.equal(await sessions.deleteExpired(now), 1)
    t.equal(await sessions.findById(expired.id), null)
    t.notOk(await isRecorded(sessions, expiredInput.tokenHash), 'the first token record is gone')
    t.notOk(await isRecorded(sessions, rotation1.tokenHash), 'the rotated token record is gone')
    t.same(await sessions.findById(live.id), live, 'a live session stays')
    t.ok(await isRecorded(sessions, liveInput.tokenHash), 'with its token record')
    t.equal(await sessions.deleteExpired(now), 0, 'nothing left to delete')
  })

  t.test('delete all for user', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const userId = newId()
    const first = newSession(userId, start)
    const second = newSession(userId, start)
    const other = newSession(newId(), start)
    for (const input of [first, second, other]) await sessions.create(input)

    t.equal(await sessions.deleteAllForUser(userId), 2)
    t.equal(await sessions.findById(first.id), null)
    t.equal(await sessions.findById(second.id), null)
    t.notOk(await isRecorded(sessions, first.tokenHash), 'token records go with their session')
    t.ok(await sessions.findById(other.id), 'another user keeps theirs')
    t.ok(await isRecorded(sessions, other.tokenHash))
    t.equal(await sessions.deleteAllForUser(userId), 0)
  })

  t.test('malformed ids', async (t) => {
    const { sessions } = await openFresh(t, factory)
    const session = await sessions.create(newSession(newId(), start))

    for (const id of malformedIds) {
      const label = JSON.stringify(id)
      t.equal(await sessions.findById(id), null, `findById(${label})`)
      t.equal(await sessions.rotate(rotation(id, 0, start)), null, `rotate(${label})`)
      t.equal(await sessions.revoke(id, start), false, `revoke(${label})`)
      t.equal(await sessions.revokeAllForUser(id, start), 0, `revokeAllForUser(${label})`)
      t.same(await sessions.listActiveForUser(id, start), [], `listActiveForUser(${label})`)
      t.equal(await sessions.isRevoked(id, start), true, `isRevoked(${label})`)
      t.equal(await sessions.deleteAllForUser(id), 0, `deleteAllForUser(${label})`)
    }
    t.equal(await sessions.revokeAllForUser(session.userId, start, 'not-an-id'), 1, 'a malformed exceptId excludes nothing')
  })
}
