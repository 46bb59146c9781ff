import type { Test } from 'tap'
import { DuplicateEmailError } from '../../src/storage/types.js'
import { malformedIds, openFresh, type StorageFactory } from './contract-support.js'

export function userContract (t: Test, factory: StorageFactory): void {
  t.test('create and find', async (t) => {
    const { users } = await openFresh(t, factory)
    const before = Date.now()
    const user = await users.create({ email: 'ada@example.com', passwordHash: 'hash-1' })

    t.match(user.id, /^[0-9a-f]{24}$/)
    t.equal(user.email, 'ada@example.com')
    t.equal(user.passwordHash, 'hash-1')
    t.ok(user.createdAt.getTime() >= before - 1000, 'createdAt is the current time')
    t.same(await users.findById(user.id), user)
    t.same(await users.findByEmail('ada@example.com'), user)
    t.equal(await users.findByEmail('nobody@example.com'), null)
    t.equal(await users.findById('0123456789abcdef01234567'), null)
  })

  t.test('duplicate email', async (t) => {
    const { users } = await openFresh(t, factory)
    await users.create({ email: 'ada@example.com', passwordHash: 'hash-1' })

    await t.rejects(users.create({ email: 'ada@example.com', passwordHash: 'hash-2' }), DuplicateEmailError)
    t.equal((await users.findByEmail('ada@example.com'))?.passwordHash, 'hash-1', 'the first user is unchanged')
  })

  t.test('concurrent registrations of one email', async (t) => {
    const { users } = await openFresh(t, factory)
    const attempts = Array.from({ length: 8 }, (_, index) => users.create({ email: 'race@example.com', passwordHash: `hash-${index}` }))
    const results = await Promise.allSettled(attempts)

    const created = results.filter((result) => result.status === 'fulfilled')
    const rejected = results.filter((result) => result.status === 'rejected')
    t.equal(created.length, 1, 'exactly one registration succeeds')
    t.ok(rejected.every((result) => result.reason instanceof DuplicateEmailError), 'the others get DuplicateEmailError')
  })

  t.test('update password hash', async (t) => {
    const { users } = await openFresh(t, factory)
    const user = await users.create({ email: 'ada@example.com', passwordHash: 'hash-1' })
    t.equal(await users.updatePasswordHash(user.id, 'hash-2', 'hash-1'), true)
    t.equal((await users.findById(user.id))?.passwordHash, 'hash-2')

    t.equal(await users.updatePasswordHash(user.id, 'hash-3', 'hash-1'), false, 'a stale expected hash changes nothing')
    t.equal((await users.findById(user.id))?.passwordHash, 'hash-2')
    t.equal(await users.updatePasswordHash('0123456789abcdef01234567', 'hash-3', 'hash-1'), false, 'an unknown id is a no-op')
  })

  t.test('delete', async (t) => {
    const { users } = await openFresh(t, factory)
    const user = await users.create({ email: 'ada@example.com', passwordHash: 'hash-1' })
    const other = await users.create({ email: 'bob@example.com', passwordHash: 'hash-2' })

    t.equal(await users.delete(user.id), true)
    t.equal(await users.delete(user.id), false, 'a second delete finds nothing')
    t.equal(await users.findById(user.id), null)
    t.equal(await users.findByEmail('ada@example.com'), null)
    t.ok(await users.findById(other.id), 'other users stay')
    const again = await users.create({ email: 'ada@example.com', passwordHash: 'hash-3' })
    t.not(again.id, user.id, 'the email is free again and gets a new id')
  })

  t.test('malformed ids', async (t) => {
    const { users } = await openFresh(t, factory)
    await users.create({ email: 'ada@example.com', passwordHash: 'hash-1' })

    for (const id of malformedIds) {
      t.equal(await users.findById(id), null, `findById(${JSON.stringify(id)})`)
      t.equal(await users.updatePasswordHash(id, 'hash-2', 'hash-1'), false, `updatePasswordHash(${JSON.stringify(id)})`)
      t.equal(await users.delete(id), false, `delete(${JSON.stringify(id)})`)
    }
    t.equal((await users.findByEmail('ada@example.com'))?.passwordHash, 'hash-1', 'nothing changed')
  })
}
