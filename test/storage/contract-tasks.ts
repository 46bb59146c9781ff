import type { Test } from 'tap'
import { newId } from '../../src/ids.js'
import type { Task } from '../../src/storage/types.js'
import { hoursAfter, malformedIds, newTask, openFresh, type ContractOptions, type StorageFactory } from './contract-support.js'

const start = new Date('2030-01-01T00:00:00.000Z')

export function taskContract (t: Test, factory: StorageFactory, options: ContractOptions = {}): void {
  const raceSkip = options.nonAtomicUpdates === undefined ? {} : { skip: options.nonAtomicUpdates }
  const deleteRaceSkip = options.nonAtomicDeletes === undefined ? {} : { skip: options.nonAtomicDeletes }

  t.test('create and find', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const dueDate = hoursAfter(start, 48)
    const input = newTask({ description: 'Quarterly numbers', priority: 'high', dueDate, tags: ['work', 'q1'] })
    const task = await tasks.create(ownerId, input, start)

    t.match(task.id, /^[0-9a-f]{24}$/)
    t.same(task, {
      id: task.id,
      ownerId,
      ...input,
      completedAt: null,
      createdAt: start,
      updatedAt: start,
      revision: 1
    })
    t.same(await tasks.findById(ownerId, task.id), task)
    t.equal(await tasks.findById(ownerId, newId()), null)

    const done = await tasks.create(ownerId, newTask({ status: 'completed' }), start)
    t.same(done.completedAt, start, 'a task created completed gets completedAt')
  })

  t.test('ownership', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const owner = newId()
    const stranger = newId()
    const task = await tasks.create(owner, newTask(), start)

    t.equal(await tasks.findById(stranger, task.id), null, 'another owner does not find it')
    t.equal(await tasks.update(stranger, task.id, { title: 'Taken' }, start), 'not-found')
    t.equal(await tasks.delete(stranger, task.id), 'not-found')
    t.equal(await tasks.delete(stranger, task.id, task.revision), 'not-found', 'with the right revision too')
    t.equal(await tasks.deleteAllForOwner(stranger), 0)
    t.same(await tasks.findById(owner, task.id), task, 'the task is unchanged')
  })

  t.test('update fields', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask({ description: 'draft', dueDate: start, tags: ['a'] }), start)
    const later = hoursAfter(start, 1)
    const updated = await tasks.update(ownerId, task.id, { title: 'Send the report', description: null, dueDate: null, tags: ['b', 'c'], priority: 'low' }, later)

    t.same(updated, {
      ...task,
      title: 'Send the report',
      description: null,
      dueDate: null,
      tags: ['b', 'c'],
      priority: 'low',
      updatedAt: later,
      revision: 2
    })
    t.same(await tasks.findById(ownerId, task.id), updated)

    const untouched = await tasks.update(ownerId, task.id, {}, hoursAfter(start, 2))
    t.equal((untouched as Task).revision, 3, 'an empty patch still counts as an update')
    t.equal((untouched as Task).title, 'Send the report')
  })

  t.test('completedAt follows status', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const { id } = await tasks.create(ownerId, newTask(), start)
    const at = (hours: number) => hoursAfter(start, hours)

    const started = await tasks.update(ownerId, id, { status: 'in-progress' }, at(1)) as Task
    t.equal(started.completedAt, null)
    const completed = await tasks.update(ownerId, id, { status: 'completed' }, at(2)) as Task
    t.same(completed.completedAt, at(2), 'becoming completed sets completedAt')
    const renamed = await tasks.update(ownerId, id, { title: 'Renamed' }, at(3)) as Task
    t.same(renamed.completedAt, at(2), 'other changes keep it')
    const again = await tasks.update(ownerId, id, { status: 'completed' }, at(4)) as Task
    t.same(again.completedAt, at(2), 'completing a completed task keeps it')
    const reopened = await tasks.update(ownerId, id, { status: 'pending' }, at(5)) as Task
    t.equal(reopened.completedAt, null, 'leaving completed clears it')
    const completedAgain = await tasks.update(ownerId, id, { status: 'completed' }, at(6)) as Task
    t.same(completedAgain.completedAt, at(6))
    t.same((await tasks.findById(ownerId, id))?.completedAt, at(6), 'the stored task agrees')
  })

  t.test('expected revision', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask(), start)

    t.equal(await tasks.update(ownerId, task.id, { title: 'Stale' }, start, 2), 'revision-mismatch')
    t.same(await tasks.findById(ownerId, task.id), task, 'a mismatch changes nothing')
    const updated = await tasks.update(ownerId, task.id, { title: 'Fresh' }, start, 1) as Task
    t.equal(updated.revision, 2)
    t.equal(await tasks.update(ownerId, task.id, { title: 'Stale again' }, start, 1), 'revision-mismatch')
    t.equal(await tasks.update(ownerId, newId(), { title: 'Missing' }, start, 1), 'not-found', 'not-found wins over a mismatch')
  })

  t.test('concurrent updates with one revision', raceSkip, async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask(), start)
    const results = await Promise.all(Array.from({ length: 5 }, (_, index) => tasks.update(ownerId, task.id, { title: `Writer ${index}` }, start, 1)))

    const applied = results.filter((result): result is Task => typeof result === 'object')
    t.equal(applied.length, 1, 'exactly one update applies')
    t.equal(results.filter((result) => result === 'revision-mismatch').length, 4)
    t.same(await tasks.findById(ownerId, task.id), applied[0])
  })

  t.test('concurrent updates without a revision', raceSkip, async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask(), start)
    await Promise.all([
      tasks.update(ownerId, task.id, { title: 'Concurrent title' }, start),
      tasks.update(ownerId, task.id, { status: 'completed' }, start),
      tasks.update(ownerId, task.id, { tags: ['x'] }, start)
    ])

    const stored = await tasks.findById(ownerId, task.id)
    t.equal(stored?.revision, 4, 'every update applies once')
    t.equal(stored?.title, 'Concurrent title')
    t.equal(stored?.status, 'completed')
    t.same(stored?.tags, ['x'])
    t.same(stored?.completedAt, start)
  })

  t.test('delete', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask(), start)
    const kept = await tasks.create(ownerId, newTask(), start)

    t.equal(await tasks.delete(ownerId, task.id), 'deleted')
    t.equal(await tasks.delete(ownerId, task.id), 'not-found')
    t.equal(await tasks.findById(ownerId, task.id), null)
    t.equal(await tasks.update(ownerId, task.id, { title: 'Gone' }, start), 'not-found')
    t.ok(await tasks.findById(ownerId, kept.id))
  })

  t.test('delete with expected revision', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask({ tags: ['kept'] }), start)

    t.equal(await tasks.delete(ownerId, task.id, 2), 'revision-mismatch')
    t.same(await tasks.findById(ownerId, task.id), task, 'a mismatch deletes nothing')
    const updated = await tasks.update(ownerId, task.id, { title: 'Fresh' }, start) as Task
    t.equal(await tasks.delete(ownerId, task.id, 1), 'revision-mismatch', 'a stale revision')
    t.same(await tasks.findById(ownerId, task.id), updated, 'still nothing deleted')
    t.same((await tasks.list(ownerId, { filter: { now: start, tag: 'kept' }, sort: 'createdAt', descending: false, limit: 10 })).map(({ id }) => id), [task.id], 'the tags are kept')

    t.equal(await tasks.delete(ownerId, newId(), 1), 'not-found', 'not-found wins over a mismatch')
    t.equal(await tasks.delete(ownerId, task.id, 2), 'deleted')
    t.equal(await tasks.findById(ownerId, task.id), null)
    t.equal(await tasks.delete(ownerId, task.id, 2), 'not-found', 'a deleted task is not-found')
  })

  t.test('concurrent update and conditional delete', deleteRaceSkip, async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()

    // The order of the two calls alternates, so each gets to start first. Whichever lands first,
    // the other must see it: the update must not apply to a deleted task, and the delete must not
    // remove a task whose revision moved on.
    for (let round = 0; round < 10; round++) {
      const task = await tasks.create(ownerId, newTask(), start)
      const update = () => tasks.update(ownerId, task.id, { title: `Round ${round}` }, start)
      const remove = () => tasks.delete(ownerId, task.id, task.revision)
      let updated: Awaited<ReturnType<typeof update>>
      let deleted: Awaited<ReturnType<typeof remove>>
      if (round % 2 === 0) {
        [updated, deleted] = await Promise.all([update(), remove()])
      } else {
        [deleted, updated] = await Promise.all([remove(), update()])
      }

      const stored = await tasks.findById(ownerId, task.id)
      if (deleted === 'deleted') {
        t.equal(updated, 'not-found', `round ${round}: the update after the delete finds nothing`)
        t.equal(stored, null, `round ${round}: the task is gone`)
      } else {
        t.equal(deleted, 'revision-mismatch', `round ${round}: the delete after the update is a mismatch`)
        t.equal(stored?.title, `Round ${round}`, `round ${round}: the update is kept`)
      }
    }
  })

  t.test('delete all for owner', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const otherId = newId()
    for (let index = 0; index < 3; index++) await tasks.create(ownerId, newTask(), start)
    const other = await tasks.create(otherId, newTask(), start)

    t.equal(await tasks.deleteAllForOwner(ownerId), 3)
    t.equal(await tasks.deleteAllForOwner(ownerId), 0)
    t.ok(await tasks.findById(otherId, other.id), 'another owner keeps theirs')
  })

  t.test('malformed ids', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const task = await tasks.create(ownerId, newTask(), start)
    const query = { filter: { now: start }, sort: 'createdAt' as const, descending: true, limit: 20 }

    for (const id of malformedIds) {
      const label = JSON.stringify(id)
      t.equal(await tasks.findById(ownerId, id), null, `findById(owner, ${label})`)
      t.equal(await tasks.findById(id, task.id), null, `findById(${label}, task)`)
      t.equal(await tasks.update(ownerId, id, { title: 'x' }, start), 'not-found', `update(owner, ${label})`)
      t.equal(await tasks.update(id, task.id, { title: 'x' }, start), 'not-found', `update(${label}, task)`)
      t.equal(await tasks.delete(ownerId, id), 'not-found', `delete(owner, ${label})`)
      t.equal(await tasks.delete(id, task.id), 'not-found', `delete(${label}, task)`)
      t.equal(await tasks.delete(ownerId, id, 1), 'not-found', `delete(owner, ${label}, 1)`)
      t.equal(await tasks.deleteAllForOwner(id), 0, `deleteAllForOwner(${label})`)
      t.same(await tasks.list(id, query), [], `list(${label})`)
    }
    t.same(await tasks.findById(ownerId, task.id), task, 'nothing changed')
  })
}
