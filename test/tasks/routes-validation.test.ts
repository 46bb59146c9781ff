import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'
import { createTask, getTask, idsOf, listAllPages, listPage, listUrl, patchTask, type Query, type TaskBody } from './task-api.js'

interface ProblemBody {
  status: number
  code?: string
  errors?: Array<{ field: string, message: string }>
}

const tooManyTags = Array.from({ length: 21 }, (_, index) => `tag${index}`)

// Each body is invalid in exactly one field, named by the second element.
const invalidBodies: Array<[string, Record<string, unknown>, string]> = [
  ['unknown key', { title: 'x', owner: 'someone' }, '/body/owner'],
  ['id', { title: 'x', id: '0123456789abcdef01234567' }, '/body/id'],
  ['createdAt', { title: 'x', createdAt: '2020-01-01T00:00:00Z' }, '/body/createdAt'],
  ['completedAt', { title: 'x', completedAt: '2020-01-01T00:00:00Z' }, '/body/completedAt'],
  ['title as a number', { title: 5 }, '/body/title'],
  ['title as an operator', { title: { $gt: '' } }, '/body/title'],
  ['title as an array', { title: ['x'] }, '/body/title'],
  ['title null', { title: null }, '/body/title'],
  ['whitespace title', { title: ' \t\n ' }, '/body/title'],
  ['zero-width title', { title: '\u200b\u200b' }, '/body/title'],
  ['invisible title', { title: ' \u200e\u2060\ufeff\u00ad ' }, '/body/title'],
  ['title with NUL', { title: 'a\u0000b' }, '/body/title'],
  ['title with a C0 control', { title: 'bell\u0007' }, '/body/title'],
  ['title with DEL', { title: 'a\u007fb' }, '/body/title'],
  ['title with a C1 control', { title: 'a\u0085b' }, '/body/title'],
  ['title with a newline', { title: 'two\nlines' }, '/body/title'],
  ['title with a tab', { title: 'a\tb' }, '/body/title'],
  ['empty title', { title: '' }, '/body/title'],
  ['long title', { title: 'x'.repeat(201) }, '/body/title'],
  ['long description', { title: 'x', description: 'x'.repeat(10001) }, '/body/description'],
  ['description as a number', { title: 'x', description: 1 }, '/body/description'],
  ['description with NUL', { title: 'x', description: 'a\u0000b' }, '/body/description'],
  ['description with escape', { title: 'x', description: 'red\u001b[31m' }, '/body/description'],
  ['description with vertical tab', { title: 'x', description: 'a\u000bb' }, '/body/description'],
  ['unknown status', { title: 'x', status: 'done' }, '/body/status'],
  ['status as an operator', { title: 'x', status: { $ne: 'pending' } }, '/body/status'],
  ['priority as a number', { title: 'x', priority: 1 }, '/body/priority'],
  ['unknown priority', { title: 'x', priority: 'urgent' }, '/body/priority'],
  ['tags as a string', { title: 'x', tags: 'a' }, '/body/tags'],
  ['duplicate tags', { title: 'x', tags: ['a', 'a'] }, '/body/tags'],
  ['too many tags', { title: 'x', tags: tooManyTags }, '/body/tags'],
  ['empty tag', { title: 'x', tags: [''] }, '/body/tags/0'],
  ['long tag', { title: 'x', tags: ['x'.repeat(51)] }, '/body/tags/0'],
  ['blank tag', { title: 'x', tags: ['ok', '  '] }, '/body/tags/1'],
  ['zero-width tag', { title: 'x', tags: ['\u200b'] }, '/body/tags/0'],
  ['tag with NUL', { title: 'x', tags: ['a\u0000'] }, '/body/tags/0'],
  ['tag with a newline', { title: 'x', tags: ['a\nb'] }, '/body/tags/0'],
  ['tag as a number', { title: 'x', tags: [1] }, '/body/tags/0'],
  ['due date as text', { title: 'x', dueDate: 'tomorrow' }, '/body/dueDate'],
  ['due date without a zone', { title: 'x', dueDate: '2030-01-01T10:00:00' }, '/body/dueDate'],
  ['due date as a number', { title: 'x', dueDate: 1893456000000 }, '/body/dueDate'],
  ['leap second', { title: 'x', dueDate: '2030-06-30T23:59:60Z' }, '/body/dueDate'],
  ['due date after year 9999 in UTC', { title: 'x', dueDate: '9999-12-31T23:59:59-23:59' }, '/body/dueDate'],
  ['due date before year 0000 in UTC', { title: 'x', dueDate: '0000-01-01T00:00:00+01:00' }, '/body/dueDate']
]

// Each is a valid RFC 3339 date-time whose UTC instant falls outside the years 0000 to 9999, so
// toISOString() would give an expanded year such as +010000 that the date-time format rejects.
const outOfRangeDates = [
  '9999-12-31T23:59:59-23:59',
  '9999-12-31T23:00:00-01:00',
  '0000-01-01T00:00:00+01:00',
  '0000-01-01T00:59:59.999+01:00'
]

// The first and last instants of the range, some written with an offset.
const inRangeDates: Array<[string, string]> = [
  ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
  ['0000-01-01T00:00:00-01:00', '0000-01-01T01:00:00.000Z'],
  ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ['9999-12-31T22:59:59+01:00', '9999-12-31T21:59:59.000Z']
]

function fieldsOf (body: ProblemBody): string[] {
  return (body.errors ?? []).map((error) => error.field)
}

t.test('POST rejects invalid bodies', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  for (const [name, payload, field] of invalidBodies) {
    const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload })
    t.equal(response.statusCode, 400, `${name}: status`)
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', `${name}: problem details`)
    t.ok(fieldsOf(response.json<ProblemBody>()).includes(field), `${name}: lists ${field}`)
  }
  t.same((await listPage(app, user)).items, [], 'no task was stored')
})

t.test('POST rejects bodies that are not task objects', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const bodies: Record<string, string> = {
    'missing title': '{}',
    array: '[{"title":"x"}]',
    string: '"x"',
    null: 'null',
    'invalid JSON': '{"title":',
    'prototype key': '{"title":"x","__proto__":{"owner":"x"}}'
  }

  for (const [name, payload] of Object.entries(bodies)) {
    const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: { ...user.authorization, 'content-type': 'application/json' }, payload })
    t.equal(response.statusCode, 400, name)
  }
  const form = await app.inject({ method: 'POST', url: '/v1/tasks', headers: { ...user.authorization, 'content-type': 'text/plain' }, payload: 'title=x' })
  t.equal(form.statusCode, 415, 'a non-JSON body is 415')
  t.same((await listPage(app, user)).items, [], 'no task was stored')
})

t.test('PATCH rejects invalid bodies without a change', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user, { description: 'Keep', tags: ['keep'] })
  const before = await getTask(app, user, task.id)

  for (const [name, body, field] of invalidBodies) {
    // PATCH needs no title, so the cases drop the valid placeholder one.
    const payload = body.title === 'x' ? Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'title')) : body
    const response = await patchTask(app, user, task.id, payload)
    t.equal(response.statusCode, 400, `${name}: status`)
    t.ok(fieldsOf(response.json<ProblemBody>()).includes(field), `${name}: lists ${field}`)
  }

  const empty = await patchTask(app, user, task.id, {})
  t.equal(empty.statusCode, 400, 'an empty patch is 400')

  const after = await getTask(app, user, task.id)
  t.same(after.json(), before.json(), 'the task is unchanged')
  t.equal(after.headers.etag, before.headers.etag, 'and keeps its ETag')
})

t.test('list rejects invalid query parameters', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const cases: Array<[string, Query | string, string]> = [
    ['unknown parameter', { owner: 'x' }, '/querystring/owner'],
    ['unknown status', { status: 'done' }, '/querystring/status'],
    ['unknown priority', { priority: 'urgent' }, '/querystring/priority'],
    ['empty tag', { tag: '' }, '/querystring/tag'],
    ['due before as text', { dueBefore: 'yesterday' }, '/querystring/dueBefore'],
    ['due after as a number', { dueAfter: 5 }, '/querystring/dueAfter'],
    ['overdue as 1', { overdue: 1 }, '/querystring/overdue'],
    ['overdue as yes', { overdue: 'yes' }, '/querystring/overdue'],
    ['long q', { q: 'x'.repeat(201) }, '/querystring/q'],
    ['unknown sort', { sort: 'title' }, '/querystring/sort'],
    ['limit 0', { limit: 0 }, '/querystring/limit'],
    ['limit 101', { limit: 101 }, '/querystring/limit'],
    ['limit as text', { limit: 'ten' }, '/querystring/limit'],
    ['fractional limit', { limit: 1.5 }, '/querystring/limit'],
    ['long cursor', { cursor: 'x'.repeat(2049) }, '/querystring/cursor'],
    ['bracket operator', 'q[$ne]=x', '/querystring/q[$ne]'],
    ['repeated status', 'status=pending&status=completed', '/querystring/status']
  ]

  for (const [name, query, field] of cases) {
    const url = typeof query === 'string' ? `/v1/tasks?${query}` : listUrl(query)
    const response = await app.inject({ method: 'GET', url, headers: user.authorization })
    t.equal(response.statusCode, 400, `${name}: status`)
    t.ok(fieldsOf(response.json<ProblemBody>()).includes(field), `${name}: lists ${field}`)
  }
})

t.test('text fields accept visible and formatting characters', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const task = await createTask(app, user, {
    title: '\u00a0\u3000Deploy \u{1F469}\u200d\u{1F4BB} build\u2003',
    description: 'Line one\r\n\tLine two\nLine three',
    tags: ['caf\u00e9', 'two words', '\u200bx']
  })
  t.equal(task.title, 'Deploy \u{1F469}\u200d\u{1F4BB} build', 'Unicode spaces around the title are trimmed and a joiner inside is kept')
  t.equal(task.description, 'Line one\r\n\tLine two\nLine three', 'tabs and line breaks are kept in the description')
  t.same(task.tags, ['caf\u00e9', 'two words', '\u200bx'])
})

t.test('date-times outside years 0000 to 9999 are 400', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user, { dueDate: '2030-01-01T00:00:00Z' })
  const before = await getTask(app, user, task.id)

  for (const dueDate of outOfRangeDates) {
    const created = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: 'Out of range', dueDate } })
    t.equal(created.statusCode, 400, `POST ${dueDate}: status`)
    t.same(fieldsOf(created.json<ProblemBody>()), ['/body/dueDate'], `POST ${dueDate}: names the field`)

    const patched = await patchTask(app, user, task.id, { dueDate })
    t.equal(patched.statusCode, 400, `PATCH ${dueDate}: status`)
    t.same(fieldsOf(patched.json<ProblemBody>()), ['/body/dueDate'], `PATCH ${dueDate}: names the field`)

    for (const parameter of ['dueBefore', 'dueAfter']) {
      const listed = await app.inject({ method: 'GET', url: listUrl({ [parameter]: dueDate }), headers: user.authorization })
      t.equal(listed.statusCode, 400, `${parameter}=${dueDate}: status`)
      t.same(fieldsOf(listed.json<ProblemBody>()), [`/querystring/${parameter}`], `${parameter}=${dueDate}: names the parameter`)
    }
  }

  const after = await getTask(app, user, task.id)
  t.equal(after.statusCode, 200, 'the task can still be read')
  t.same(after.json(), before.json(), 'PATCH changed nothing')
  t.same(idsOf(await listAllPages(app, user)), [task.id], 'POST stored nothing and the list still works')
})

t.test('date-times at the ends of the range work', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const created: TaskBody[] = []

  for (const [dueDate, expected] of inRangeDates) {
    const task = await createTask(app, user, { title: `Due ${dueDate}`, dueDate })
    t.equal(task.dueDate, expected, `POST ${dueDate}`)
    const fetched = await getTask(app, user, task.id)
    t.equal(fetched.statusCode, 200, `GET ${dueDate}`)
    created.push(task)
  }

  const patched = await patchTask(app, user, (created[0] as TaskBody).id, { dueDate: '9999-12-31T23:59:59.999Z' })
  t.equal(patched.statusCode, 200, 'PATCH to the last instant')

  const pages = await listAllPages(app, user, { sort: 'dueDate', limit: 1 })
  t.equal(pages.length, created.length, 'a cursor can carry these dates')
  t.equal(idsOf(pages).length, created.length, 'every task is listed')

  const filtered = await listPage(app, user, { dueAfter: '0000-01-01T00:00:00Z', dueBefore: '9999-12-31T23:59:59.999Z' })
  t.same(filtered.items.map((item) => item.dueDate).sort(), ['0000-01-01T01:00:00.000Z', '9999-12-31T21:59:59.000Z'], 'the filters take the same range')
})
