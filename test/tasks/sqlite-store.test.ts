import t from 'tap'
import { newId } from '../../src/ids.js'
import { openSqliteStorage } from '../../src/storage/sqlite/index.js'
import { taskPriorities, type NewTask, type Task, type TaskFilter, type TaskSortKey, type TaskStore } from '../../src/storage/types.js'
import { positionOf } from '../../src/tasks/cursor.js'
import { listAll } from '../storage/contract-support.js'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

const base = new Date('2030-01-01T00:00:00.000Z')
const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000)

function openStore (t: Teardown): TaskStore {
  const storage = openSqliteStorage(':memory:')
  t.teardown(() => storage.close())
  return storage.tasks
}

function newTask (fields: Partial<NewTask> = {}): NewTask {
  return { title: 'Task', description: null, status: 'pending', priority: 'medium', dueDate: null, tags: [], ...fields }
}

/** Walks every page of a listing and returns the tasks in the order they came. */

/** Sorts tasks into the documented order without SQL, where a missing due date is the smallest value. */
function sortKey (task: Task, sort: TaskSortKey): number {
  if (sort === 'priority') return taskPriorities.indexOf(task.priority)
  if (sort === 'dueDate') return task.dueDate?.getTime() ?? Number.NEGATIVE_INFINITY
  return task[sort].getTime()
}

function expectedOrder (tasks: Task[], sort: TaskSortKey, descending: boolean): string[] {
  const sign = descending ? -1 : 1
  return [...tasks].sort((a, b) => {
    const difference = sortKey(a, sort) - sortKey(b, sort)
    if (difference !== 0 && !Number.isNaN(difference)) return sign * difference
    if (a.id === b.id) return 0
    return sign * (a.id < b.id ? -1 : 1)
  }).map((task) => task.id)
}

t.test('create applies the stored defaults', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const task = await store.create(owner, newTask({ title: 'Write tests', tags: ['a', 'b'] }), base)

  t.equal(task.ownerId, owner)
  t.equal(task.revision, 1)
  t.same(task.tags, ['a', 'b'])
  t.equal(task.completedAt, null)
  t.same(task.createdAt, base)
  t.same(task.updatedAt, base)
  t.same(await store.findById(owner, task.id), task)
})

t.test('create sets completedAt for a completed task', async (t) => {
  const store = openStore(t)
  const task = await store.create(newId(), newTask({ status: 'completed' }), base)
  t.same(task.completedAt, base)
})

t.test('findById is scoped to the owner', async (t) => {
  const store = openStore(t)
  const task = await store.create(newId(), newTask(), base)
  t.equal(await store.findById(newId(), task.id), null)
  t.equal(await store.findById(task.ownerId, newId()), null)
})

t.test('update maintains completedAt', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const { id } = await store.create(owner, newTask(), base)

  const completed = await store.update(owner, id, { status: 'completed' }, at(1))
  t.same((completed as Task).completedAt, at(1), 'set when the task becomes completed')

  const again = await store.update(owner, id, { status: 'completed', title: 'Renamed' }, at(2))
  t.same((again as Task).completedAt, at(1), 'kept when it stays completed')

  const untouched = await store.update(owner, id, { priority: 'high' }, at(3))
  t.same((untouched as Task).completedAt, at(1), 'kept when the status is not patched')

  const reopened = await store.update(owner, id, { status: 'in-progress' }, at(4))
  t.equal((reopened as Task).completedAt, null, 'cleared when it leaves completed')
})

t.test('update bumps revision and updatedAt', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const created = await store.create(owner, newTask({ description: 'text', dueDate: at(60), tags: ['x'] }), base)

  const updated = await store.update(owner, created.id, { description: null, dueDate: null, tags: [] }, at(5)) as Task
  t.equal(updated.revision, 2)
  t.same(updated.updatedAt, at(5))
  t.same(updated.createdAt, base)
  t.equal(updated.description, null)
  t.equal(updated.dueDate, null)
  t.same(updated.tags, [])
  t.same(await store.findById(owner, created.id), updated)
})

t.test('update with a stale revision changes nothing', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const created = await store.create(owner, newTask(), base)

  t.equal(await store.update(owner, created.id, { title: 'Stale' }, at(1), 7), 'revision-mismatch')
  t.same(await store.findById(owner, created.id), created)

  const updated = await store.update(owner, created.id, { title: 'Fresh' }, at(1), 1) as Task
  t.equal(updated.title, 'Fresh')
  t.equal(updated.revision, 2)
})

t.test('concurrent updates of one revision: one wins', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const { id } = await store.create(owner, newTask(), base)

  const results = await Promise.all([
    store.update(owner, id, { title: 'First' }, at(1), 1),
    store.update(owner, id, { title: 'Second' }, at(1), 1)
  ])
  t.equal(results.filter((result) => typeof result === 'object').length, 1)
  t.equal(results.filter((result) => result === 'revision-mismatch').length, 1)
  t.equal((await store.findById(owner, id))?.revision, 2)
})

t.test('update of another owner\'s task is not-found', async (t) => {
  const store = openStore(t)
  const created = await store.create(newId(), newTask(), base)

  t.equal(await store.update(newId(), created.id, { title: 'Mine now' }, at(1)), 'not-found')
  t.equal(await store.update(newId(), created.id, { title: 'Mine now' }, at(1), 1), 'not-found')
  t.equal(await store.update(created.ownerId, newId(), { title: 'Missing' }, at(1)), 'not-found')
  t.same(await store.findById(created.ownerId, created.id), created)
})

t.test('delete is scoped to the owner', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const task = await store.create(owner, newTask({ tags: ['gone'] }), base)

  t.equal(await store.delete(newId(), task.id), 'not-found')
  t.ok(await store.findById(owner, task.id))
  t.equal(await store.delete(owner, task.id), 'deleted')
  t.equal(await store.delete(owner, task.id), 'not-found')
  t.same(await store.list(owner, { filter: { now: base, tag: 'gone' }, sort: 'createdAt', descending: false, limit: 10 }), [])
})

t.test('deleteAllForOwner leaves other owners alone', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const other = newId()
  await store.create(owner, newTask(), base)
  await store.create(owner, newTask(), base)
  const kept = await store.create(other, newTask(), base)

  t.equal(await store.deleteAllForOwner(owner), 2)
  t.same(await store.list(owner, { filter: { now: base }, sort: 'createdAt', descending: false, limit: 10 }), [])
  t.same(await store.findById(other, kept.id), kept)
})

t.test('list filters', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const now = at(100)
  const overdue = await store.create(owner, newTask({ title: 'Overdue', dueDate: at(50), tags: ['work'] }), base)
  const completedLate = await store.create(owner, newTask({ title: 'Done late', status: 'completed', dueDate: at(40) }), base)
  const future = await store.create(owner, newTask({ title: 'Future', status: 'in-progress', priority: 'high', dueDate: at(200), tags: ['work', 'home'] }), base)
  const undated = await store.create(owner, newTask({ title: 'Someday', priority: 'low', tags: ['home'] }), base)
  await store.create(newId(), newTask({ title: 'Overdue elsewhere', dueDate: at(50), tags: ['work'] }), base)

  const ids = async (filter: Omit<TaskFilter, 'now'>) =>
    (await store.list(owner, { filter: { now, ...filter }, sort: 'createdAt', descending: false, limit: 100 })).map((task) => task.id).sort()
  const expected = (...tasks: Task[]) => tasks.map((task) => task.id).sort()

  t.same(await ids({}), expected(overdue, completedLate, future, undated), 'no filter lists only the owner\'s tasks')
  t.same(await ids({ status: 'completed' }), expected(completedLate), 'status')
  t.same(await ids({ priority: 'high' }), expected(future), 'priority')
  t.same(await ids({ tag: 'work' }), expected(overdue, future), 'tag')
  t.same(await ids({ tag: 'wor' }), [], 'tag matches whole tags only')
  t.same(await ids({ dueBefore: at(50) }), expected(completedLate), 'dueBefore is exclusive')
  t.same(await ids({ dueAfter: at(50) }), expected(future), 'dueAfter is exclusive')
  t.same(await ids({ dueAfter: at(0), dueBefore: at(100) }), expected(overdue, completedLate), 'a due range')
  t.same(await ids({ overdue: true }), expected(overdue), 'overdue skips completed and undated tasks')
  t.same(await ids({ overdue: false }), expected(completedLate, future, undated), 'overdue=false is the complement')
  t.same(await ids({ overdue: true, tag: 'home' }), [], 'filters combine with AND')
  t.same(await ids({ q: 'DUE' }), expected(overdue), 'q is case-insensitive')
})

t.test('list matches q literally', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const titles = ['100% done', '100 percent', 'snake_case', 'snakeXcase', 'back\\slash', 'a.b*c', 'abbbc', '[x]', '(y)|z', '^$']
  const created = new Map<string, string>()
  for (const title of titles) created.set(title, (await store.create(owner, newTask({ title }), base)).id)

  const cases: Array<[string, string[]]> = [
    ['%', ['100% done']],
    ['_', ['snake_case']],
    ['\\', ['back\\slash']],
    ['.b*', ['a.b*c']],
    ['[x]', ['[x]']],
    ['|z', ['(y)|z']],
    ['^$', ['^$']],
    ['%%', []],
    ['', titles]
  ]
  for (const [q, matches] of cases) {
    const found = await store.list(owner, { filter: { now: base, q }, sort: 'createdAt', descending: false, limit: 100 })
    t.same(found.map((task) => task.id).sort(), matches.map((title) => created.get(title)).sort(), `q ${JSON.stringify(q)}`)
  }
})

t.test('list pages every sort in both directions', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const tasks: Task[] = []
  // Few distinct values per key, so most pages end inside a run of equal keys and rely on the id.
  for (let index = 0; index < 23; index++) {
    const task = await store.create(owner, newTask({
      title: `Task ${index}`,
      priority: taskPriorities[index % 3],
      dueDate: index % 4 === 0 ? null : at(index % 3)
    }), at(index % 2))
    tasks.push(index % 5 === 0 ? await store.update(owner, task.id, { title: `Touched ${index}` }, at(10)) as Task : task)
  }

  for (const sort of ['createdAt', 'updatedAt', 'dueDate', 'priority'] as const) {
    for (const descending of [false, true]) {
      const expected = expectedOrder(tasks, sort, descending)
      for (const limit of [1, 4, 23, 50]) {
        const listed = await listAll(store, owner, sort, descending, { now: base }, limit)
        t.same(listed.map((task) => task.id), expected, `${descending ? '-' : ''}${sort} in pages of ${limit}`)
      }
    }
  }
})

t.test('list puts missing due dates first ascending', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const dated = await store.create(owner, newTask({ dueDate: at(1) }), base)
  const undated = await store.create(owner, newTask(), base)

  const ascending = await store.list(owner, { filter: { now: base }, sort: 'dueDate', descending: false, limit: 10 })
  t.same(ascending.map((task) => task.id), [undated.id, dated.id])
  const descending = await store.list(owner, { filter: { now: base }, sort: 'dueDate', descending: true, limit: 10 })
  t.same(descending.map((task) => task.id), [dated.id, undated.id])
})

t.test('list after a deleted position continues', async (t) => {
  const store = openStore(t)
  const owner = newId()
  const tasks: Task[] = []
  for (let index = 0; index < 6; index++) tasks.push(await store.create(owner, newTask({ priority: 'medium' }), base))
  const order = expectedOrder(tasks, 'priority', false)

  const first = await store.list(owner, { filter: { now: base }, sort: 'priority', descending: false, limit: 3 })
  const last = first.at(-1) as Task
  await store.delete(owner, last.id)
  const inserted = await store.create(owner, newTask({ priority: 'medium' }), base)

  const rest = await store.list(owner, { filter: { now: base }, sort: 'priority', descending: false, limit: 10, after: positionOf(last, 'priority') })
  // Ids carry random bytes after the timestamp, so the new task belongs to the rest only when its
  // id sorts after the deleted position's id.
  const expectedRest = order.slice(3).concat(inserted.id > last.id ? [inserted.id] : []).sort()
  t.same(rest.map((task) => task.id).sort(), expectedRest)
})
