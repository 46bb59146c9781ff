import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'
import { createTask, getTask, listPage, listUrl, patchTask, type Query } from './task-api.js'

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
  ['empty title', { title: '' }, '/body/title'],
  ['long title', { title: 'x'.repeat(201) }, '/body/title'],
  ['long description', { title: 'x', description: 'x'.repeat(10001) }, '/body/description'],
  ['description as a number', { title: 'x', description: 1 }, '/body/description'],
  ['unknown status', { title: 'x', status: 'done' }, '/body/status'],
  ['status as an operator', { title: 'x', status: { $ne: 'pending' } }, '/body/status'],
  ['priority as a number', { title: 'x', priority: 1 }, '/body/priority'],
  ['unknown priority', { title: 'x', priority: 'urgent' }, '/body/priority'],
  ['tags as a string', { title: 'x', tags: 'a' }, '/body/tags'],
  ['duplicate tags', { title: 'x', tags: ['a', 'a'] }, '/body/tags'],
  ['too many tags', { title: 'x', tags: tooManyTags }, '/body/tags'],
  ['empty tag', { title: 'x', tags: [''] }, '/body/tags/0'],
  ['long tag', { title: 'x', tags: ['x'.repeat(51)] }, '/body/tags/0'],
  ['tag as a number', { title: 'x', tags: [1] }, '/body/tags/0'],
  ['due date as text', { title: 'x', dueDate: 'tomorrow' }, '/body/dueDate'],
  ['due date without a zone', { title: 'x', dueDate: '2030-01-01T10:00:00' }, '/body/dueDate'],
  ['due date as a number', { title: 'x', dueDate: 1893456000000 }, '/body/dueDate'],
  ['leap second', { title: 'x', dueDate: '2030-06-30T23:59:60Z' }, '/body/dueDate']
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
