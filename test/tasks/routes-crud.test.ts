import t from 'tap'
import { newId } from '../../src/ids.js'
import { buildTestApp, registerUser } from '../helpers.js'
import { createTask, deleteTask, getTask, patchTask, type TaskBody } from './task-api.js'

t.test('POST creates a task with defaults', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: '  Buy milk \u3000' } })
  t.equal(response.statusCode, 201)
  const task = response.json<TaskBody>()
  t.equal(response.headers.location, `/v1/tasks/${task.id}`)
  t.match(response.headers.etag, /^"[^"]+"$/, 'a strong, quoted ETag')
  t.match(task.id, /^[0-9a-f]{24}$/)
  t.equal(task.title, 'Buy milk', 'the title is trimmed')
  t.equal(task.description, null)
  t.equal(task.status, 'pending')
  t.equal(task.priority, 'medium')
  t.equal(task.dueDate, null)
  t.same(task.tags, [])
  t.equal(task.completedAt, null)
  t.equal(task.createdAt, task.updatedAt)
  t.same(Object.keys(task).sort(), ['completedAt', 'createdAt', 'description', 'dueDate', 'id', 'priority', 'status', 'tags', 'title', 'updatedAt'], 'no owner or revision in the body')

  const fetched = await app.inject({ method: 'GET', url: response.headers.location as string, headers: user.authorization })
  t.equal(fetched.statusCode, 200)
  t.same(fetched.json(), task)
  t.equal(fetched.headers.etag, response.headers.etag)
})

t.test('POST stores every field', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const task = await createTask(app, user, {
    title: 'Report',
    description: 'Quarterly numbers',
    status: 'in-progress',
    priority: 'high',
    dueDate: '2031-05-06T07:08:09+02:00',
    tags: ['work', 'finance']
  })
  t.equal(task.description, 'Quarterly numbers')
  t.equal(task.status, 'in-progress')
  t.equal(task.priority, 'high')
  t.equal(task.dueDate, '2031-05-06T05:08:09.000Z', 'the due date is returned in UTC')
  t.same(task.tags, ['work', 'finance'])
  t.equal(task.completedAt, null)

  const past = await createTask(app, user, { dueDate: '2001-01-01T00:00:00Z' })
  t.equal(past.dueDate, '2001-01-01T00:00:00.000Z', 'past due dates are allowed')
})

t.test('completedAt follows the status', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  const born = await createTask(app, user, { status: 'completed' })
  t.type(born.completedAt, 'string', 'set when created completed')

  const task = await createTask(app, user)
  const completed = (await patchTask(app, user, task.id, { status: 'completed' })).json<TaskBody>()
  t.type(completed.completedAt, 'string', 'set when the status becomes completed')
  t.equal(completed.completedAt, completed.updatedAt)

  const renamed = (await patchTask(app, user, task.id, { title: 'Renamed', status: 'completed' })).json<TaskBody>()
  t.equal(renamed.completedAt, completed.completedAt, 'kept while the task stays completed')

  const reopened = (await patchTask(app, user, task.id, { status: 'in-progress' })).json<TaskBody>()
  t.equal(reopened.completedAt, null, 'cleared when the status leaves completed')
})

t.test('PATCH changes only the fields sent', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user, { description: 'Text', dueDate: '2031-01-01T00:00:00Z', tags: ['a'] })

  const response = await patchTask(app, user, task.id, { priority: 'low', title: '  New title ' })
  t.equal(response.statusCode, 200)
  const patched = response.json<TaskBody>()
  t.equal(patched.title, 'New title')
  t.equal(patched.priority, 'low')
  t.equal(patched.description, 'Text')
  t.equal(patched.dueDate, task.dueDate)
  t.same(patched.tags, ['a'])
  t.equal(patched.createdAt, task.createdAt)
  t.ok(Date.parse(patched.updatedAt) >= Date.parse(task.updatedAt))

  const cleared = (await patchTask(app, user, task.id, { description: null, dueDate: null, tags: [] })).json<TaskBody>()
  t.equal(cleared.description, null)
  t.equal(cleared.dueDate, null)
  t.same(cleared.tags, [])
  t.same((await getTask(app, user, task.id)).json(), cleared)
})

t.test('ETag and If-Match', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user)
  const firstTag = (await getTask(app, user, task.id)).headers.etag as string

  const updated = await patchTask(app, user, task.id, { title: 'Second' }, { 'if-match': firstTag })
  t.equal(updated.statusCode, 200, 'the current ETag matches')
  const secondTag = updated.headers.etag as string
  t.not(secondTag, firstTag, 'every change gives a new ETag')
  t.equal((await getTask(app, user, task.id)).headers.etag, secondTag)

  const stale = await patchTask(app, user, task.id, { title: 'Lost update' }, { 'if-match': firstTag })
  t.equal(stale.statusCode, 412, 'a stale ETag is 412')
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal((await getTask(app, user, task.id)).json<TaskBody>().title, 'Second', 'and nothing changed')

  const weak = await patchTask(app, user, task.id, { title: 'Weak' }, { 'if-match': `W/${secondTag}` })
  t.equal(weak.statusCode, 412, 'a weak tag never matches')

  const listed = await patchTask(app, user, task.id, { title: 'Third' }, { 'if-match': `"other", ${firstTag}, ${secondTag}` })
  t.equal(listed.statusCode, 200, 'any listed tag may match')

  const any = await patchTask(app, user, task.id, { title: 'Fourth' }, { 'if-match': '*' })
  t.equal(any.statusCode, 200, '* matches an existing task')

  const missing = await patchTask(app, user, newId(), { title: 'Nothing' }, { 'if-match': '*' })
  t.equal(missing.statusCode, 404, '* on a missing task is 404')
  const missingTagged = await patchTask(app, user, newId(), { title: 'Nothing' }, { 'if-match': secondTag })
  t.equal(missingTagged.statusCode, 404, 'a tag on a missing task is 404')

  for (const header of ['abc', '"unterminated', '"a" "b"', '', ',', '*, "a"', 'W/abc']) {
    const malformed = await patchTask(app, user, task.id, { title: 'Malformed' }, { 'if-match': header })
    t.equal(malformed.statusCode, 400, `malformed If-Match ${JSON.stringify(header)} is 400`)
    t.equal(malformed.json().code, 'invalid_if_match')
  }
  t.equal((await getTask(app, user, task.id)).json<TaskBody>().title, 'Fourth', 'rejected requests changed nothing')
})

t.test('DELETE removes the task', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user)

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/tasks/${task.id}`, headers: user.authorization })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.equal((await getTask(app, user, task.id)).statusCode, 404)
  t.equal((await patchTask(app, user, task.id, { title: 'Gone' })).statusCode, 404)

  const again = await app.inject({ method: 'DELETE', url: `/v1/tasks/${task.id}`, headers: user.authorization })
  t.equal(again.statusCode, 404)
  t.equal(again.json().code, 'task_not_found')
})

t.test('DELETE honours If-Match', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user)
  const firstTag = (await getTask(app, user, task.id)).headers.etag as string
  const secondTag = (await patchTask(app, user, task.id, { title: 'Second' })).headers.etag as string

  const stale = await deleteTask(app, user, task.id, { 'if-match': firstTag })
  t.equal(stale.statusCode, 412, 'a stale ETag is 412')
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(stale.json().code, 'precondition_failed')
  t.equal((await getTask(app, user, task.id)).statusCode, 200, 'and the task is kept')

  const weak = await deleteTask(app, user, task.id, { 'if-match': `W/${secondTag}` })
  t.equal(weak.statusCode, 412, 'a weak tag never matches')

  for (const header of ['abc', '"unterminated', '"a" "b"', '', ',', '*, "a"', 'W/abc']) {
    const malformed = await deleteTask(app, user, task.id, { 'if-match': header })
    t.equal(malformed.statusCode, 400, `malformed If-Match ${JSON.stringify(header)} is 400`)
    t.equal(malformed.json().code, 'invalid_if_match')
  }
  t.equal((await getTask(app, user, task.id)).statusCode, 200, 'rejected requests deleted nothing')

  const missing = await deleteTask(app, user, newId(), { 'if-match': '*' })
  t.equal(missing.statusCode, 404, '* on a missing task is 404')
  const missingTagged = await deleteTask(app, user, newId(), { 'if-match': firstTag })
  t.equal(missingTagged.statusCode, 404, 'a tag on a missing task is 404, not 412')

  const listed = await deleteTask(app, user, task.id, { 'if-match': `"other", ${firstTag}, ${secondTag}` })
  t.equal(listed.statusCode, 204, 'any listed tag may match')
  t.equal((await getTask(app, user, task.id)).statusCode, 404, 'the task is gone')
  const again = await deleteTask(app, user, task.id, { 'if-match': secondTag })
  t.equal(again.statusCode, 404, 'a deleted task is 404 before 412')

  const other = await createTask(app, user)
  const any = await deleteTask(app, user, other.id, { 'if-match': '*' })
  t.equal(any.statusCode, 204, '* matches an existing task')
})

t.test('DELETE If-Match sees a change after the check', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const task = await createTask(app, user)
  const etag = (await getTask(app, user, task.id)).headers.etag as string

  // Another writer changes the task right after the route has read it to compare ETags, so only
  // the store's conditional delete can notice that the revision moved on.
  const { tasks } = app.storage
  const findById = tasks.findById.bind(tasks)
  tasks.findById = async (ownerId, id) => {
    const found = await findById(ownerId, id)
    tasks.findById = findById
    await tasks.update(ownerId, id, { title: 'Changed meanwhile' }, new Date())
    return found
  }

  const response = await deleteTask(app, user, task.id, { 'if-match': etag })
  t.equal(response.statusCode, 412, 'the delete fails its precondition')
  const stored = await getTask(app, user, task.id)
  t.equal(stored.statusCode, 200, 'the task is kept')
  t.equal(stored.json<TaskBody>().title, 'Changed meanwhile', 'with the concurrent change')
})

t.test('malformed ids are 400', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)

  for (const id of ['123', 'ABCDEFABCDEFABCDEFABCDEF', 'zzzzzzzzzzzzzzzzzzzzzzzz', `${newId()}0`, '%24gt']) {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await app.inject({ method, url: `/v1/tasks/${id}`, headers: user.authorization, ...(method === 'PATCH' ? { payload: { title: 'x' } } : {}) })
      t.equal(response.statusCode, 400, `${method} ${id}`)
      t.equal(response.json().errors?.[0]?.field, '/params/id', `${method} ${id} names the field`)
    }
  }
})

t.test('every route needs an access token', async (t) => {
  const { app } = await buildTestApp(t)
  const id = newId()
  const requests = [
    { method: 'POST', url: '/v1/tasks', payload: { title: 'x' } },
    { method: 'GET', url: '/v1/tasks' },
    { method: 'GET', url: `/v1/tasks/${id}` },
    { method: 'PATCH', url: `/v1/tasks/${id}`, payload: { title: 'x' } },
    { method: 'DELETE', url: `/v1/tasks/${id}` }
  ] as const

  for (const request of requests) {
    const anonymous = await app.inject(request)
    t.equal(anonymous.statusCode, 401, `${request.method} ${request.url} without a token`)
    const forged = await app.inject({ ...request, headers: { authorization: 'Bearer not.a.token' } })
    t.equal(forged.statusCode, 401, `${request.method} ${request.url} with a bad token`)
  }
})
