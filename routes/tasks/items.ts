import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { problem } from '../../src/problems.js'
import { commonProblems, IdParamsSchema, problemResponses } from '../../src/schemas/common.js'
import { CreateTaskBodySchema, DEFAULT_PRIORITY, DEFAULT_STATUS, PatchTaskBodySchema, TaskRef } from '../../src/schemas/task.js'
import type { TaskPatch, TaskStore } from '../../src/storage/types.js'
import { parseIfMatch, type IfMatch } from './if-match.js'
import { etagOf, notFound, parseDateTime, presentTask, trimTitle } from './present.js'

const security = [{ bearerAuth: [] }]
const etagHeader = { ETag: { type: 'string', description: 'Strong entity tag of this revision of the task; send it as If-Match' } }
const ifMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'ETag from an earlier response, or "*"' })) })

/** Routes on one task: create, read, update and delete. Every query is scoped to the token's user. */
const taskItemRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { tasks } = fastify.storage

  fastify.post('', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['tasks'],
      summary: 'Create a task',
      security,
      body: CreateTaskBodySchema,
      response: {
        201: { ...TaskRef, description: 'The created task', headers: { ...etagHeader, Location: { type: 'string', description: 'The URL of the new task' } } },
        ...problemResponses(400, 401, 413, 415),
        ...commonProblems
      }
    }
  }, async function createTask (request, reply) {
    const { body } = request
    const title = trimTitle(body.title)
    const dueDate = body.dueDate === undefined || body.dueDate === null ? null : parseDateTime(body.dueDate, '/body/dueDate')

    const task = await tasks.create(request.user.sub, {
      title,
      description: body.description ?? null,
      status: body.status ?? DEFAULT_STATUS,
      priority: body.priority ?? DEFAULT_PRIORITY,
      dueDate,
      tags: body.tags ?? []
    }, new Date())

    return reply.code(201)
      .header('location', `${fastify.prefix}/${task.id}`)
      .header('etag', etagOf(task))
      .send(presentTask(task))
  })

  fastify.get('/:id', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['tasks'],
      summary: 'Get a task',
      security,
      params: IdParamsSchema,
      response: { 200: { ...TaskRef, description: 'The task', headers: etagHeader }, ...problemResponses(400, 401, 404), ...commonProblems }
    }
  }, async function getTask (request, reply) {
    const task = await tasks.findById(request.user.sub, request.params.id)
    if (task === null) throw notFound(request.params.id)

    return reply.header('etag', etagOf(task)).send(presentTask(task))
  })

  fastify.patch('/:id', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['tasks'],
      summary: 'Change some fields of a task',
      description: 'Only the fields sent change. With If-Match, the task changes only while its ETag is one of those listed ("*" matches any existing task); otherwise the response is 412 and nothing changes. A malformed If-Match is 400.',
      security,
      params: IdParamsSchema,
      headers: ifMatchHeaders,
      body: PatchTaskBodySchema,
      response: { 200: { ...TaskRef, description: 'The updated task', headers: etagHeader }, ...problemResponses(400, 401, 404, 412, 413, 415), ...commonProblems }
    }
  }, async function updateTask (request, reply) {
    const ownerId = request.user.sub
    const { id } = request.params
    const ifMatch = parseIfMatch(request.headers['if-match'])
    const patch = toPatch(request.body)
    const expectedRevision = await expectedRevisionOf(tasks, ownerId, id, ifMatch)

    const result = await tasks.update(ownerId, id, patch, new Date(), expectedRevision)
    if (result === 'not-found') throw notFound(id)
    if (result === 'revision-mismatch') throw preconditionFailed(id)

    return reply.header('etag', etagOf(result)).send(presentTask(result))
  })

  fastify.delete('/:id', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['tasks'],
      summary: 'Delete a task',
      description: 'With If-Match, the task is deleted only while its ETag is one of those listed ("*" matches any existing task); otherwise the response is 412 and nothing is deleted. A missing task is 404 with any If-Match, so 404 comes before 412. A malformed If-Match is 400.',
      security,
      params: IdParamsSchema,
      headers: ifMatchHeaders,
      response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(400, 401, 404, 412), ...commonProblems }
    }
  }, async function deleteTask (request, reply) {
    const ownerId = request.user.sub
    const { id } = request.params
    const ifMatch = parseIfMatch(request.headers['if-match'])
    const expectedRevision = await expectedRevisionOf(tasks, ownerId, id, ifMatch)

    const result = await tasks.delete(ownerId, id, expectedRevision)
    if (result === 'not-found') throw notFound(id)
    if (result === 'revision-mismatch') throw preconditionFailed(id)

    return reply.code(204).send()
  })
}

function toPatch (body: typeof PatchTaskBodySchema.static): TaskPatch {
  const patch: TaskPatch = {}
  if (body.title !== undefined) patch.title = trimTitle(body.title)
  if (body.description !== undefined) patch.description = body.description
  if (body.status !== undefined) patch.status = body.status
  if (body.priority !== undefined) patch.priority = body.priority
  if (body.dueDate !== undefined) patch.dueDate = body.dueDate === null ? null : parseDateTime(body.dueDate, '/body/dueDate')
  if (body.tags !== undefined) patch.tags = body.tags
  return patch
}

/**
 * Checks entity tags in If-Match against the task and returns the revision that the write must
 * still find, or undefined when the header is absent or "*". Throws 404 for a missing task before
 * 412 for a mismatch. The write is conditional on the returned revision, so a change between this
 * read and the write still ends in 412, never a lost update.
 */
async function expectedRevisionOf (tasks: TaskStore, ownerId: string, id: string, ifMatch: IfMatch): Promise<number | undefined> {
  if (ifMatch.kind !== 'tags') return undefined

  const current = await tasks.findById(ownerId, id)
  if (current === null) throw notFound(id)
  if (!ifMatch.strongTags.includes(etagOf(current))) throw preconditionFailed(id)
  return current.revision
}

function preconditionFailed (id: string) {
  return problem(412, `Task ${id} has changed since the ETag in If-Match was issued; get the task again and retry with its current ETag`, { code: 'precondition_failed' })
}

export default taskItemRoutes
