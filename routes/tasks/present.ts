import { problem } from '../../src/problems.js'
import type { TaskResponse } from '../../src/schemas/task.js'
import type { Task } from '../../src/storage/types.js'

/** Converts a stored task to its response body, with dates as ISO strings and no owner. */
export function presentTask (task: Task): TaskResponse {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    dueDate: task.dueDate?.toISOString() ?? null,
    tags: task.tags,
    completedAt: task.completedAt?.toISOString() ?? null,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString()
  }
}

/**
 * Returns the strong entity tag of a task. Every update adds one to the revision, so the tag
 * changes whenever the stored task does.
 */
export function etagOf (task: Task): string {
  return `"${task.id}.${task.revision}"`
}

function invalidField (field: string, message: string) {
  return problem(400, `The request is invalid: ${field}`, { code: 'validation_failed', errors: [{ field, message }] })
}

/** Trims a title; the schema has already bounded its length as sent. */
export function trimTitle (title: string): string {
  const trimmed = title.trim()
  if (trimmed === '') throw invalidField('/body/title', 'must contain a character other than whitespace')
  return trimmed
}

/**
 * Parses a date-time the schema accepted. The date-time format admits a few values, such as the
 * leap second 23:59:60, that JavaScript dates cannot hold; those are rejected here.
 */
export function parseDateTime (value: string, field: string): Date {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw invalidField(field, 'must be a date-time that JavaScript dates can represent')
  return date
}

export function notFound (id: string) {
  return problem(404, `No task with id ${id} exists`, { code: 'task_not_found' })
}
