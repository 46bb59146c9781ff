import t from 'tap'
import { buildTestApp, registerUser } from '../helpers.js'
import { createTask, getTask, idsOf, listAllPages, patchTask, type Query } from './task-api.js'

t.test('another user\'s task is 404 like a missing one', async (t) => {
  const { app } = await buildTestApp(t)
  const alice = await registerUser(app)
  const bob = await registerUser(app)
  const task = await createTask(app, alice, { title: 'Private', tags: ['secret'] })
  const before = await getTask(app, alice, task.id)

  const read = await getTask(app, bob, task.id)
  t.equal(read.statusCode, 404, 'GET')
  const patched = await patchTask(app, bob, task.id, { title: 'Taken over' })
  t.equal(patched.statusCode, 404, 'PATCH')
  const forced = await patchTask(app, bob, task.id, { title: 'Taken over' }, { 'if-match': before.headers.etag as string })
  t.equal(forced.statusCode, 404, 'PATCH with the right ETag')
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/tasks/${task.id}`, headers: bob.authorization })
  t.equal(deleted.statusCode, 404, 'DELETE')

  // The problem body must not tell "someone else's" from "missing", apart from the id in the detail.
  const missing = await getTask(app, bob, '0123456789abcdef01234567')
  const { detail: _readDetail, instance: _readInstance, requestId: _readId, ...readRest } = read.json<Record<string, unknown>>()
  const { detail: _missingDetail, instance: _missingInstance, requestId: _missingId, ...missingRest } = missing.json<Record<string, unknown>>()
  t.same(readRest, missingRest, 'the same problem as for a missing task')

  const after = await getTask(app, alice, task.id)
  t.same(after.json(), before.json(), 'the owner\'s task is unchanged')
  t.equal(after.headers.etag, before.headers.etag)
})

t.test('lists show only the user\'s own tasks', async (t) => {
  const { app } = await buildTestApp(t)
  const alice = await registerUser(app)
  const bob = await registerUser(app)
  const aliceIds = new Set<string>()
  for (let index = 0; index < 5; index++) aliceIds.add((await createTask(app, alice, { title: `Shared word ${index}`, tags: ['common'], priority: 'high' })).id)
  const bobTask = await createTask(app, bob, { title: 'Shared word', tags: ['common'], priority: 'high' })

  const queries: Query[] = [{}, { tag: 'common' }, { q: 'shared' }, { priority: 'high' }, { sort: 'priority', limit: 2 }]
  for (const query of queries) {
    t.same(idsOf(await listAllPages(app, bob, query)), [bobTask.id], `bob with ${JSON.stringify(query)}`)
    t.same(new Set(idsOf(await listAllPages(app, alice, query))), aliceIds, `alice with ${JSON.stringify(query)}`)
  }
})
