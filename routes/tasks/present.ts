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

const MIN_UTC_YEAR = 0
const MAX_UTC_YEAR = 9999

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
 *
 * An offset can also move the instant out of the four-digit years, as 9999-12-31T23:59:59-23:59
 * does. toISOString() writes such a year as +010000 or -000001, which the date-time format of the
 * response rejects, so a stored one would make every later read of the task fail. Such values are
 * rejected before anything is stored.
 */
export function parseDateTime (value: string, field: string): Date {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw invalidField(field, 'must be a date-time that JavaScript dates can represent')

  const year = date.getUTCFullYear()
  if (year < MIN_UTC_YEAR || year > MAX_UTC_YEAR) throw invalidField(field, 'must fall within the years 0000 to 9999 in UTC')
  return date
}

export function notFound (id: string) {
  return problem(404, `No task with id ${id} exists`, { code: 'task_not_found' })
}
