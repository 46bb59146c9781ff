import type { Filter, ObjectId, Sort } from 'mongodb'
import type { TaskFilter, TaskListPosition, TaskListQuery, TaskPriority, TaskSortKey } from '../types.js'
import type { TaskDocument } from './collections.js'
import { toObjectId } from './ids.js'

// Builds list queries from typed values only: every operator here is written by this module, and a
// user-supplied value only ever sits in an operand position, so none can act as a query operator.

export const priorityRanks: Record<TaskPriority, number> = { low: 0, medium: 1, high: 2 }

type SortField = 'createdAt' | 'updatedAt' | 'dueDate' | 'priorityRank'

const sortFields: Record<TaskSortKey, SortField> = {
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  dueDate: 'dueDate',
  priority: 'priorityRank'
}

/** Escapes every regular-expression metacharacter, so the pattern matches the text literally. */
export function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function filterConditions (filter: TaskFilter): Filter<TaskDocument>[] {
  const conditions: Filter<TaskDocument>[] = []
  if (filter.status !== undefined) conditions.push({ status: filter.status })
  if (filter.priority !== undefined) conditions.push({ priorityRank: priorityRanks[filter.priority] })
  if (filter.tag !== undefined) conditions.push({ tags: String(filter.tag) })
  // A Date operand never matches null, so tasks without a due date fall out of these three.
  if (filter.dueBefore !== undefined) conditions.push({ dueDate: { $lt: filter.dueBefore } })
  if (filter.dueAfter !== undefined) conditions.push({ dueDate: { $gt: filter.dueAfter } })
  if (filter.overdue === true) conditions.push({ dueDate: { $lt: filter.now }, status: { $ne: 'completed' } })
  if (filter.overdue === false) {
    // The negation names the missing due date, because { $gte: now } alone does not match null.
    conditions.push({ $or: [{ dueDate: null }, { dueDate: { $gte: filter.now } }, { status: 'completed' }] })
  }
  if (filter.q !== undefined) {
    // The stored titleLower and the lower-cased q make the match case-insensitive the same way the
    // SQLite store does it, and the escaping keeps q a literal substring.
    conditions.push({ titleLower: { $regex: escapeRegExp(String(filter.q).toLowerCase()) } })
  }
  return conditions
}

function positionValue (sort: TaskSortKey, position: TaskListPosition): Date | number | null {
  const { value } = position
  if (sort === 'priority') {
    if (typeof value === 'number' && Number.isInteger(value)) return value
  } else if (typeof value === 'string') {
    const date = new Date(value)
    if (!Number.isNaN(date.getTime())) return date
  } else if (value === null && sort === 'dueDate') {
    return null
  }
  throw new TypeError(`invalid list position for sort ${sort}: ${JSON.stringify(value)}`)
}

/**
 * Builds the keyset condition "comes after `position` in this order". A missing due date is the smallest
 * value, as in MongoDB's own sort order: first when ascending, last when descending.
 */
function afterCondition (sort: TaskSortKey, descending: boolean, position: TaskListPosition, id: ObjectId): Filter<TaskDocument> {
  const field = sortFields[sort]
  const value = positionValue(sort, position)
  const beyond = descending ? '$lt' : '$gt'
  const sameValueLaterId = { [field]: value, _id: { [beyond]: id } }

  if (value === null) {
    return descending ? sameValueLaterId : { $or: [sameValueLaterId, { [field]: { $ne: null } }] }
  }
  const branches: Filter<TaskDocument>[] = [{ [field]: { [beyond]: value } }, sameValueLaterId]
  if (descending && field === 'dueDate') branches.push({ dueDate: null })
  return { $or: branches }
}

/** Returns the query for one page, or null when the owner or position id is malformed (no tasks match). */
export function listQuery (ownerId: ObjectId, query: TaskListQuery): { filter: Filter<TaskDocument>, sort: Sort } | null {
  const conditions = filterConditions(query.filter)
  if (query.after !== undefined) {
    const afterId = toObjectId(query.after.id)
    if (afterId === null) return null
    conditions.push(afterCondition(query.sort, query.descending, query.after, afterId))
  }

  const direction = query.descending ? -1 : 1
  const field = sortFields[query.sort]
  const filter: Filter<TaskDocument> = conditions.length === 0 ? { ownerId } : { ownerId, $and: conditions }
  return { filter, sort: [[field, direction], ['_id', direction]] }
}
