import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'
import { createTask, expectedOrder, idsOf, listAllPages, listPage, listUrl, patchTask, type Query, type TaskBody } from './task-api.js'

const day = 24 * 3600 * 1000
const fromNow = (days: number) => new Date(Date.now() + days * day).toISOString()

function sorted (ids: Iterable<string>): string[] {
  return [...ids].sort()
}

t.test('list filters', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const overdue = await createTask(app, user, { title: 'Pay rent', dueDate: fromNow(-2), tags: ['home', 'money'] })
  const doneLate = await createTask(app, user, { title: 'File taxes', status: 'completed', dueDate: fromNow(-5), tags: ['money'] })
  const upcoming = await createTask(app, user, { title: 'Plan trip', status: 'in-progress', priority: 'high', dueDate: fromNow(10), tags: ['travel'] })
  const undated = await createTask(app, user, { title: 'Read a BOOK', priority: 'low' })
  const all = [overdue, doneLate, upcoming, undated]

  const cases: Array<[Query, TaskBody[]]> = [
    [{}, all],
    [{ status: 'pending' }, [overdue, undated]],
    [{ status: 'completed' }, [doneLate]],
    [{ status: 'in-progress' }, [upcoming]],
    [{ priority: 'high' }, [upcoming]],
    [{ priority: 'low' }, [undated]],
    [{ priority: 'medium' }, [overdue, doneLate]],
    [{ tag: 'money' }, [overdue, doneLate]],
    [{ tag: 'mon' }, []],
    [{ dueBefore: fromNow(0) }, [overdue, doneLate]],
    [{ dueAfter: fromNow(-3) }, [overdue, upcoming]],
    [{ dueAfter: fromNow(-3), dueBefore: fromNow(1) }, [overdue]],
    [{ overdue: true }, [overdue]],
    [{ overdue: false }, [doneLate, upcoming, undated]],
    [{ q: 'book' }, [undated]],
    [{ q: 'PLAN' }, [upcoming]],
    [{ q: 'a' }, [overdue, doneLate, upcoming, undated]],
    [{ tag: 'money', status: 'pending' }, [overdue]],
    [{ tag: 'money', overdue: true, q: 'rent' }, [overdue]],
    [{ tag: 'travel', overdue: true }, []]
  ]
  for (const [query, expected] of cases) {
    const ids = idsOf(await listAllPages(app, user, query))
    t.same(sorted(ids), sorted(expected.map((task) => task.id)), `filter ${JSON.stringify(query)}`)
  }
})

t.test('q is matched literally', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const titles = ['50% off', '50 percent', 'under_score', 'underXscore', 'C:\\path', 'a.b*c', 'abbbc', '(group)', '[class]', 'x|y', '^start$', 'it\'s "quoted"']
  const idOf = new Map<string, string>()
  for (const title of titles) idOf.set(title, (await createTask(app, user, { title })).id)

  const cases: Array<[string, string[]]> = [
    ['%', ['50% off']],
    ['_', ['under_score']],
    ['\\', ['C:\\path']],
    ['.b*', ['a.b*c']],
    ['b*c', ['a.b*c']],
    ['(', ['(group)']],
    ['[class]', ['[class]']],
    ['|', ['x|y']],
    ['^start$', ['^start$']],
    ['"quoted"', ['it\'s "quoted"']],
    ['.*', []],
    ['%_%', []]
  ]
  for (const [q, expected] of cases) {
    const ids = idsOf(await listAllPages(app, user, { q }))
    t.same(sorted(ids), sorted(expected.map((title) => idOf.get(title) as string)), `q ${JSON.stringify(q)}`)
  }
})

t.test('every sort, walked in pages', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const priorities = ['low', 'medium', 'high']
  const created: TaskBody[] = []
  for (let index = 0; index < 14; index++) {
    created.push(await createTask(app, user, {
      title: `Task ${index}`,
      priority: priorities[index % 3],
      dueDate: index % 4 === 0 ? null : fromNow(index % 3)
    }))
  }
  for (const task of created.filter((_, index) => index % 5 === 0)) await patchTask(app, user, task.id, { title: `${task.title} changed` })
  const current = (await listAllPages(app, user, { limit: 100 })).flatMap((page) => page.items)
  t.equal(current.length, created.length)

  for (const sort of ['createdAt', '-createdAt', 'dueDate', '-dueDate', 'priority', '-priority', 'updatedAt', '-updatedAt']) {
    const pages = await listAllPages(app, user, { sort, limit: 4 })
    t.same(idsOf(pages), expectedOrder(current, sort), `sort ${sort}`)
    t.same(pages.map((page) => page.items.length), [4, 4, 4, 2], `sort ${sort}: page sizes`)
  }
  t.same(idsOf(await listAllPages(app, user, { limit: 4 })), expectedOrder(current, '-createdAt'), 'the default sort is -createdAt')
})

t.test('default limit and last page', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  for (let index = 0; index < 25; index++) await createTask(app, user, { title: `Task ${index}` })

  const first = await listPage(app, user)
  t.equal(first.items.length, 20, 'pages hold 20 tasks by default')
  t.type(first.nextCursor, 'string')

  const exact = await listAllPages(app, user, { limit: 5 })
  t.equal(exact.length, 5, 'a full last page is not followed by an empty one')
  t.equal(exact.at(-1)?.nextCursor, null)
  t.equal(new Set(idsOf(exact)).size, 25)
})

t.test('pages with equal sort keys return each task once', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const ids = new Set<string>()
  for (let index = 0; index < 30; index++) ids.add((await createTask(app, user, { title: `Same ${index}`, priority: 'medium', dueDate: null })).id)

  for (const sort of ['priority', '-priority', 'dueDate', '-dueDate']) {
    const listed = idsOf(await listAllPages(app, user, { sort, limit: 7 }))
    t.equal(listed.length, 30, `${sort}: 30 items`)
    t.same(sorted(listed), sorted(ids), `${sort}: each task exactly once`)
  }
})

t.test('cursor is stable under inserts and deletes', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const original: string[] = []
  for (let index = 0; index < 12; index++) original.push((await createTask(app, user, { title: `Task ${index}` })).id)

  for (const sort of ['priority', '-createdAt']) {
    const query = { sort, limit: 4 }
    const first = await listPage(app, user, query)
    const seen = first.items.map((item) => item.id)
    const anchor = seen.at(-1) as string
    const order = idsOf(await listAllPages(app, user, { sort, limit: 100 }))
    const later = order[order.length - 2] as string

    // Remove the task the cursor points after and one not yet listed, and add a new one.
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/tasks/${anchor}`, headers: user.authorization })).statusCode, 204)
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/tasks/${later}`, headers: user.authorization })).statusCode, 204)
    const inserted = await createTask(app, user, { title: 'Inserted between pages' })

    const rest = idsOf(await listAllPages(app, user, { ...query, cursor: first.nextCursor as string }))
    const expectedRest = order.filter((id) => !seen.includes(id) && id !== later)
    t.same(rest.filter((id) => id !== inserted.id), expectedRest, `${sort}: the remaining tasks in order, each once`)
    t.notOk(rest.some((id) => seen.includes(id)), `${sort}: no task of the first page repeats`)
    if (sort === '-createdAt') t.notOk(rest.includes(inserted.id), `${sort}: a newer task sorts before the cursor`)

    await app.inject({ method: 'DELETE', url: `/v1/tasks/${inserted.id}`, headers: user.authorization })
  }
})

t.test('tampered cursors are 400', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  for (let index = 0; index < 3; index++) await createTask(app, user)
  const cursor = (await listPage(app, user, { limit: 1 })).nextCursor as string
  const [data = '', tag = ''] = cursor.split('.')
  const swap = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1)

  const tampered = [`${swap(data, 3)}.${tag}`, `${data}.${swap(tag, 0)}`, `${data}.${swap(tag, tag.length - 1)}`, data, 'garbage', `${cursor}.x`]
  for (const value of tampered) {
    const response = await app.inject({ method: 'GET', url: listUrl({ limit: 1, cursor: value }), headers: user.authorization })
    t.equal(response.statusCode, 400, `cursor ${value.slice(0, 20)}…`)
    t.equal(response.json().code, 'invalid_cursor')
  }
})

t.test('cursor reused for another listing is 400', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const other = await registerUser(app)
  for (let index = 0; index < 3; index++) await createTask(app, user, { tags: ['work'] })
  const query = { sort: 'priority', tag: 'work', limit: 1 }
  const cursor = (await listPage(app, user, query)).nextCursor as string

  const mismatches: Query[] = [
    { ...query, sort: 'createdAt' },
    { ...query, sort: '-priority' },
    { sort: 'priority', limit: 1 },
    { ...query, tag: 'home' },
    { ...query, q: 'x' },
    { ...query, overdue: false }
  ]
  for (const mismatch of mismatches) {
    const response = await app.inject({ method: 'GET', url: listUrl({ ...mismatch, cursor }), headers: user.authorization })
    t.equal(response.statusCode, 400, JSON.stringify(mismatch))
    t.equal(response.json().code, 'invalid_cursor')
  }
  const stolen = await app.inject({ method: 'GET', url: listUrl({ ...query, cursor }), headers: other.authorization })
  t.equal(stolen.statusCode, 400, 'another user\'s cursor')

  const resized = await app.inject({ method: 'GET', url: listUrl({ ...query, limit: 5, cursor }), headers: user.authorization })
  t.equal(resized.statusCode, 200, 'another page size is fine')
  t.equal(resized.json().items.length, 2)
})
