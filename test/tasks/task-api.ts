import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { RegisteredUser } from '../helpers.js'

// Calls of the task API shared by the route tests. Each throws when the API responds with an
// unexpected status, so a test fails at the call that went wrong.

export interface TaskBody {
  id: string
  title: string
  description: string | null
  status: string
  priority: string
  dueDate: string | null
  tags: string[]
  completedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface TaskPage {
  items: TaskBody[]
  nextCursor: string | null
}

export type Query = Record<string, string | number | boolean>

export function listUrl (query: Query = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([name, value]): [string, string] => [name, String(value)])).toString()
  return search === '' ? '/v1/tasks' : `/v1/tasks?${search}`
}

export async function createTask (app: FastifyInstance, user: RegisteredUser, payload: Record<string, unknown> = {}): Promise<TaskBody> {
  const response = await app.inject({ method: 'POST', url: '/v1/tasks', headers: user.authorization, payload: { title: 'A task', ...payload } })
  if (response.statusCode !== 201) throw new Error(`creating a task failed with ${response.statusCode}: ${response.body}`)
  return response.json<TaskBody>()
}

export async function getTask (app: FastifyInstance, user: RegisteredUser, id: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: `/v1/tasks/${id}`, headers: user.authorization })
}

export async function patchTask (app: FastifyInstance, user: RegisteredUser, id: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'PATCH', url: `/v1/tasks/${id}`, headers: { ...user.authorization, ...headers }, payload: payload as Record<string, unknown> })
}

export async function deleteTask (app: FastifyInstance, user: RegisteredUser, id: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'DELETE', url: `/v1/tasks/${id}`, headers: { ...user.authorization, ...headers } })
}

export async function listPage (app: FastifyInstance, user: RegisteredUser, query: Query = {}): Promise<TaskPage> {
  const response = await app.inject({ method: 'GET', url: listUrl(query), headers: user.authorization })
  if (response.statusCode !== 200) throw new Error(`listing tasks failed with ${response.statusCode}: ${response.body}`)
  return response.json<TaskPage>()
}

/** Follows nextCursor from the first page to the last and returns every page. */
export async function listAllPages (app: FastifyInstance, user: RegisteredUser, query: Query = {}): Promise<TaskPage[]> {
  const pages = [await listPage(app, user, query)]
  for (let page = pages[0]; page?.nextCursor != null; page = pages.at(-1)) {
    if (pages.length > 1000) throw new Error('the listing did not end after 1000 pages')
    pages.push(await listPage(app, user, { ...query, cursor: page.nextCursor }))
  }
  return pages
}

export function idsOf (pages: TaskPage[]): string[] {
  return pages.flatMap((page) => page.items.map((item) => item.id))
}

const priorityRanks: Record<string, number> = { low: 0, medium: 1, high: 2 }

/** Sorts response bodies into the documented order, where a missing due date is the smallest value. */
export function expectedOrder (tasks: TaskBody[], sortParameter: string): string[] {
  const descending = sortParameter.startsWith('-')
  const sort = sortParameter.replace(/^-/, '')
  const keyOf = (task: TaskBody): number => {
    if (sort === 'priority') return priorityRanks[task.priority] ?? Number.NaN
    if (sort === 'dueDate') return task.dueDate === null ? Number.NEGATIVE_INFINITY : Date.parse(task.dueDate)
    return Date.parse(sort === 'createdAt' ? task.createdAt : task.updatedAt)
  }
  const sign = descending ? -1 : 1
  return [...tasks].sort((a, b) => {
    const keyA = keyOf(a)
    const keyB = keyOf(b)
    if (keyA !== keyB) return sign * (keyA < keyB ? -1 : 1)
    return sign * (a.id < b.id ? -1 : 1)
  }).map((task) => task.id)
}
