import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { commonProblems, problemResponses } from '../../src/schemas/common.js'
import { DEFAULT_LIMIT, DEFAULT_SORT, ListTasksQuerySchema, TaskListSchema } from '../../src/schemas/task.js'
import type { TaskFilter, TaskSortKey } from '../../src/storage/types.js'
import { decodeCursor, encodeCursor, positionOf, type CursorListing } from '../../src/tasks/cursor.js'
import { parseDateTime, presentTask } from './present.js'

type ListTasksQuery = typeof ListTasksQuerySchema.static

function toFilter (query: ListTasksQuery, now: Date): TaskFilter {
  const filter: TaskFilter = { now }
  if (query.status !== undefined) filter.status = query.status
  if (query.priority !== undefined) filter.priority = query.priority
  if (query.tag !== undefined) filter.tag = query.tag
  if (query.dueBefore !== undefined) filter.dueBefore = parseDateTime(query.dueBefore, '/querystring/dueBefore')
  if (query.dueAfter !== undefined) filter.dueAfter = parseDateTime(query.dueAfter, '/querystring/dueAfter')
  if (query.overdue !== undefined) filter.overdue = query.overdue
  if (query.q !== undefined) filter.q = query.q
  return filter
}

/** Lists the token's user's tasks, one page at a time, with a signed keyset cursor to the next. */
const taskListRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { tasks } = fastify.storage
  const { cursorKey } = fastify.signingKeys

  fastify.get('', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['tasks'],
      summary: 'List tasks',
      description: 'Filters combine with AND. Pages follow a keyset cursor, so a task inserted or deleted between pages never makes another task repeat or go missing.',
      security: [{ bearerAuth: [] }],
      querystring: ListTasksQuerySchema,
      response: { 200: TaskListSchema, ...problemResponses(400, 401), ...commonProblems }
    }
  }, async function listTasks (request) {
    const { query } = request
    const sortParameter = query.sort ?? DEFAULT_SORT
    const limit = query.limit ?? DEFAULT_LIMIT
    const listing: CursorListing = {
      ownerId: request.user.sub,
      sort: sortParameter.replace(/^-/, '') as TaskSortKey,
      descending: sortParameter.startsWith('-'),
      filter: toFilter(query, new Date())
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(cursorKey, query.cursor, listing)

    // The query requests one task more than the page size. Only when that extra task comes back is
    // there another page, so the last page carries a null cursor and never leads to an empty page.
    const found = await tasks.list(listing.ownerId, { filter: listing.filter, sort: listing.sort, descending: listing.descending, limit: limit + 1, after })
    const items = found.slice(0, limit)
    const last = items.at(-1)
    const nextCursor = found.length > limit && last !== undefined ? encodeCursor(cursorKey, listing, positionOf(last, listing.sort)) : null

    return { items: items.map(presentTask), nextCursor }
  })
}

export default taskListRoutes
