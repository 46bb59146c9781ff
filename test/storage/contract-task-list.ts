import type { Test } from 'tap'
import { newId } from '../../src/ids.js'
import { taskPriorities, type Task, type TaskFilter, type TaskSortKey, type TaskStore } from '../../src/storage/types.js'
import { positionOf } from '../../src/tasks/cursor.js'
import { hoursAfter, listAll, newTask, openFresh, type StorageFactory } from './contract-support.js'

const start = new Date('2030-01-01T00:00:00.000Z')
const now = hoursAfter(start, 100)
const sorts: TaskSortKey[] = ['createdAt', 'updatedAt', 'dueDate', 'priority']

/** Walks every page of a listing and returns the tasks in the order they came. */

/** Returns the ids in the order the contract requires: a missing due date is the smallest value, ties go by id. */
function expectedOrder (tasks: Task[], sort: TaskSortKey, descending: boolean): string[] {
  const key = (task: Task): number => {
    if (sort === 'priority') return taskPriorities.indexOf(task.priority)
    if (sort === 'dueDate') return task.dueDate?.getTime() ?? Number.NEGATIVE_INFINITY
    return task[sort].getTime()
  }
  const sign = descending ? -1 : 1
  return [...tasks].sort((a, b) => {
    const difference = key(a) - key(b)
    if (difference !== 0 && !Number.isNaN(difference)) return sign * difference
    return sign * (a.id < b.id ? -1 : 1)
  }).map((task) => task.id)
}

const ids = (tasks: Task[]): string[] => tasks.map((task) => task.id)

/**
 * Creates a mixed set with many ties on every sort key: creation times repeat, priorities and due
 * dates repeat, several tasks have no due date, and some are updated at shared times.
 */
async function seed (tasks: TaskStore, ownerId: string): Promise<Task[]> {
  const due = (hours: number) => hoursAfter(start, hours)
  const specs = [
    newTask({ title: 'Buy milk', priority: 'low', dueDate: due(50), tags: ['home'] }),
    newTask({ title: 'Pay RENT', priority: 'high', dueDate: due(50), tags: ['home', 'money'] }),
    newTask({ title: 'File taxes (2029)', priority: 'high', dueDate: due(150), tags: ['money'] }),
    newTask({ title: 'Call mom', status: 'completed', dueDate: due(20) }),
    newTask({ title: 'Fix bike.*', status: 'in-progress', priority: 'low' }),
    newTask({ title: 'Plan trip', tags: ['travel'] }),
    newTask({ title: 'Book hotel', priority: 'high', dueDate: due(100), tags: ['travel'] }),
    newTask({ title: 'Renew passport', status: 'in-progress', dueDate: due(99), tags: ['travel'] }),
    newTask({ title: 'Water plants', priority: 'low', dueDate: due(150) }),
    newTask({ title: 'Read book', status: 'completed', priority: 'low' }),
    newTask({ title: 'Clean garage', dueDate: due(101) }),
    newTask({ title: 'Send invoice', priority: 'high', tags: ['money'] })
  ]
  const created: Task[] = []
  for (const [index, spec] of specs.entries()) {
    created.push(await tasks.create(ownerId, spec, hoursAfter(start, Math.floor(index / 3))))
  }
  for (const [index, task] of created.entries()) {
    if (index % 4 === 1) created[index] = await tasks.update(ownerId, task.id, { description: 'touched' }, hoursAfter(start, 10)) as Task
  }
  return created
}

export function taskListContract (t: Test, factory: StorageFactory): void {
  t.test('every sort, one page and paged', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const seeded = await seed(tasks, ownerId)
    await seed(tasks, newId())

    for (const sort of sorts) {
      for (const descending of [false, true]) {
        const label = `${descending ? '-' : ''}${sort}`
        const expected = expectedOrder(seeded, sort, descending)
        t.same(ids(await tasks.list(ownerId, { filter: { now }, sort, descending, limit: 100 })), expected, `${label} in one page`)
        for (const limit of [1, 3, 5]) {
          t.same(ids(await listAll(tasks, ownerId, sort, descending, { now }, limit)), expected, `${label} in pages of ${limit}`)
        }
      }
    }
    t.equal((await tasks.list(ownerId, { filter: { now }, sort: 'createdAt', descending: true, limit: 4 })).length, 4, 'limit caps a page')
  })

  t.test('filters', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const ownerId = newId()
    const seeded = await seed(tasks, ownerId)
    await seed(tasks, newId())
    const boundary = hoursAfter(start, 50)
    const cases: Array<[string, Omit<TaskFilter, 'now'>, (task: Task) => boolean]> = [
      ['status', { status: 'in-progress' }, (task) => task.status === 'in-progress'],
      ['priority', { priority: 'high' }, (task) => task.priority === 'high'],
      ['tag', { tag: 'money' }, (task) => task.tags.includes('money')],
      ['unknown tag', { tag: 'none' }, () => false],
      ['dueBefore is exclusive', { dueBefore: boundary }, (task) => task.dueDate !== null && task.dueDate < boundary],
      ['dueAfter is exclusive', { dueAfter: boundary }, (task) => task.dueDate !== null && task.dueDate > boundary],
      ['overdue', { overdue: true }, (task) => task.dueDate !== null && task.dueDate < now && task.status !== 'completed'],
      ['not overdue', { overdue: false }, (task) => task.dueDate === null || task.dueDate >= now || task.status === 'completed'],
      ['q ignores case', { q: 'rent' }, (task) => task.title === 'Pay RENT'],
      ['q is literal', { q: '(2029)' }, (task) => task.title === 'File taxes (2029)'],
      ['q pattern syntax', { q: '.*' }, (task) => task.title === 'Fix bike.*'],
      ['q with a dot', { q: 'r.' }, () => false],
      ['combined', { priority: 'high', tag: 'travel', dueBefore: hoursAfter(start, 120) }, (task) => task.title === 'Book hotel']
    ]

    for (const [label, filter, matches] of cases) {
      const expected = expectedOrder(seeded.filter(matches), 'createdAt', true)
      t.same(ids(await listAll(tasks, ownerId, 'createdAt', true, { ...filter, now }, 2)), expected, label)
    }
    const dueSoon = await tasks.list(ownerId, { filter: { now, dueBefore: hoursAfter(start, 60) }, sort: 'dueDate', descending: false, limit: 100 })
    t.same(ids(dueSoon), expectedOrder(seeded.filter((task) => task.dueDate !== null && task.dueDate < hoursAfter(start, 60)), 'dueDate', false), 'a filter combined with another sort')
  })

  t.test('pages stay stable under inserts and deletes', async (t) => {
    const { tasks } = await openFresh(t, factory)

    for (const sort of sorts) {
      for (const descending of [false, true]) {
        const label = `${descending ? '-' : ''}${sort}`
        const ownerId = newId()
        const seeded = await seed(tasks, ownerId)
        const seen: Task[] = []
        const removed = new Set<string>()
        const added = new Set<string>()
        let after
        for (let pageNumber = 0; ; pageNumber++) {
          const page = await tasks.list(ownerId, { filter: { now }, sort, descending, limit: 3, after })
          seen.push(...page)
          const last = page.at(-1)
          if (page.length < 3 || last === undefined) break
          after = positionOf(last, sort)

          // Between pages another client adds a task that ties with the cursor on every sort key
          // (so its id alone decides its side) and deletes a task not listed yet.
          const twin = await tasks.create(ownerId, newTask({ title: `Added ${pageNumber}`, priority: last.priority, dueDate: last.dueDate }), last.createdAt)
          added.add(twin.id)
          const unseen = seeded.find((task) => !removed.has(task.id) && !seen.some((item) => item.id === task.id))
          if (unseen !== undefined && await tasks.delete(ownerId, unseen.id) === 'deleted') removed.add(unseen.id)
        }

        const seenIds = ids(seen)
        const survivors = seeded.filter((task) => !removed.has(task.id))
        t.ok(removed.size > 0, `${label}: the test deleted tasks between pages`)
        t.equal(new Set(seenIds).size, seenIds.length, `${label}: no task appears twice`)
        t.ok(survivors.every((task) => seenIds.includes(task.id)), `${label}: every surviving task appears`)
        t.notOk(seenIds.some((id) => removed.has(id)), `${label}: no deleted task appears`)
        t.same(seenIds.filter((id) => !added.has(id)), expectedOrder(survivors, sort, descending), `${label}: the original tasks keep their order`)
      }
    }
  })

  t.test('lists only the owner\'s tasks', async (t) => {
    const { tasks } = await openFresh(t, factory)
    const owner = newId()
    const stranger = newId()
    const mine = await seed(tasks, owner)
    const theirs = await seed(tasks, stranger)

    const listed = await listAll(tasks, owner, 'priority', false, { now }, 4)
    t.same(ids(listed).sort(), ids(mine).sort())
    t.notOk(listed.some((task) => theirs.some((other) => other.id === task.id)))
    t.same(await tasks.list(newId(), { filter: { now }, sort: 'createdAt', descending: true, limit: 100 }), [], 'an owner without tasks')
  })
}
