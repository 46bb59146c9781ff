import type { Test } from 'tap'
import { hoursAfter, openFresh, randomTokenHash, type ContractOptions, type StorageFactory } from './contract-support.js'

const start = new Date('2030-01-01T00:00:00.000Z')

/** Returns the time `minutes` after `date`. */
function minutesAfter (date: Date, minutes: number): Date {
  return hoursAfter(date, minutes / 60)
}

export function loginThrottleContract (t: Test, factory: StorageFactory, options: ContractOptions = {}): void {
  t.test('get without a record', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)

    t.equal(await loginThrottle.get(randomTokenHash(), start), null)
  })

  t.test('record failures', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const key = randomTokenHash()
    const other = randomTokenHash()

    for (let count = 1; count <= 3; count++) {
      const now = minutesAfter(start, count)
      const expiresAt = minutesAfter(now, 15)
      const expected = { failures: count, lastFailureAt: now, expiresAt }
      t.same(await loginThrottle.recordFailure(key, now, expiresAt), expected, `failure ${count} is returned`)
      t.same(await loginThrottle.get(key, now), expected, `failure ${count} is stored`)
    }

    t.same(await loginThrottle.recordFailure(other, start, minutesAfter(start, 15)), { failures: 1, lastFailureAt: start, expiresAt: minutesAfter(start, 15) }, 'another key counts separately')
    t.equal((await loginThrottle.get(key, minutesAfter(start, 3)))?.failures, 3, 'the first key keeps its count')
  })

  t.test('expired record', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const key = randomTokenHash()
    const expiresAt = minutesAfter(start, 15)
    await loginThrottle.recordFailure(key, start, expiresAt)
    await loginThrottle.recordFailure(key, minutesAfter(start, 1), expiresAt)

    t.equal((await loginThrottle.get(key, minutesAfter(start, 14)))?.failures, 2, 'live just before expiresAt')
    t.equal(await loginThrottle.get(key, expiresAt), null, 'absent at expiresAt')
    t.equal(await loginThrottle.get(key, minutesAfter(start, 20)), null, 'absent after expiresAt')

    const later = minutesAfter(start, 20)
    const restarted = await loginThrottle.recordFailure(key, later, minutesAfter(later, 15))
    t.same(restarted, { failures: 1, lastFailureAt: later, expiresAt: minutesAfter(later, 15) }, 'the count restarts at 1')
    t.same(await loginThrottle.get(key, later), restarted)
    t.equal((await loginThrottle.recordFailure(key, minutesAfter(later, 1), minutesAfter(later, 16))).failures, 2, 'and grows from there')
  })

  t.test('failure at expiresAt restarts', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const key = randomTokenHash()
    const expiresAt = minutesAfter(start, 15)
    await loginThrottle.recordFailure(key, start, expiresAt)

    t.equal((await loginThrottle.recordFailure(key, expiresAt, minutesAfter(expiresAt, 15))).failures, 1)
  })

  t.test('clear', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const key = randomTokenHash()
    const other = randomTokenHash()
    const expiresAt = minutesAfter(start, 15)
    await loginThrottle.recordFailure(key, start, expiresAt)
    await loginThrottle.recordFailure(key, start, expiresAt)
    await loginThrottle.recordFailure(other, start, expiresAt)

    await loginThrottle.clear(key)
    t.equal(await loginThrottle.get(key, start), null, 'the record is gone')
    t.equal((await loginThrottle.get(other, start))?.failures, 1, 'another key keeps its record')
    t.equal((await loginThrottle.recordFailure(key, start, expiresAt)).failures, 1, 'counting starts again at 1')
    await t.resolves(loginThrottle.clear(randomTokenHash()), 'clearing an unknown key succeeds')
  })

  t.test('delete expired', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const expired = randomTokenHash()
    const expiresNow = randomTokenHash()
    const live = randomTokenHash()
    const now = hoursAfter(start, 1)
    await loginThrottle.recordFailure(expired, start, minutesAfter(start, 15))
    await loginThrottle.recordFailure(expiresNow, start, now)
    await loginThrottle.recordFailure(live, start, minutesAfter(now, 1))

    t.equal(await loginThrottle.deleteExpired(now), 2, 'records with expiresAt <= now are deleted')
    t.same(await loginThrottle.get(live, now), { failures: 1, lastFailureAt: start, expiresAt: minutesAfter(now, 1) }, 'a live record stays')
    // An earlier `now` would see the deleted records as live, so their absence proves the delete.
    t.equal(await loginThrottle.get(expired, start), null, 'the expired record is gone')
    t.equal(await loginThrottle.get(expiresNow, start), null, 'the record expiring at now is gone')
    t.equal(await loginThrottle.deleteExpired(now), 0, 'nothing left to delete')
  })

  t.test('concurrent failures on one key', async (t) => {
    const { loginThrottle } = await openFresh(t, factory)
    const key = randomTokenHash()
    const expiresAt = minutesAfter(start, 15)
    const results = await Promise.all(Array.from({ length: 10 }, () => loginThrottle.recordFailure(key, start, expiresAt)))

    t.ok(results.every((result) => result.failures >= 1 && result.failures <= 10), 'every call returns a count from 1 to 10')
    const stored = await loginThrottle.get(key, start)
    t.ok(stored !== null, 'the record exists')
    const lostCounts = stored?.failures !== 10
    // Only a server known to apply updates non-atomically may lose counts. There the check is
    // skipped, and the skip message prints the count seen and the reason.
    const skip = lostCounts && options.nonAtomicUpdates !== undefined
      ? { skip: `counted ${String(stored?.failures)} of 10 concurrent failures: ${options.nonAtomicUpdates}` }
      : {}
    t.equal(stored?.failures, 10, 'every failure counts', skip)
  })
}
