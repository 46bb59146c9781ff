import {
  taskPriorities,
  type Task,
  type TaskFilter,
  type TaskListPosition,
  type TaskPriority,
  type TaskSortKey,
  type TaskStatus
} from '../types.js'
import { MISSING_DUE_DATE_SORT_KEY } from './migrations.js'

// Row mapping and the SQL pieces of task list queries, shared by the statements in tasks.ts.

export interface TaskRow {
  id: string
  owner_id: string
  title: string
  description: string | null
  status: string
  priority: number
  due_date: number | null
  tags: string
  completed_at: number | null
  created_at: number
  updated_at: number
  revision: number
}

export type Parameters = Record<string, string | number | null>

export const columns = 'id, owner_id, title, description, status, priority, due_date, tags, completed_at, created_at, updated_at, revision'

// Every column here leads an index together with owner_id and id, so a page is an index range scan.
export const sortColumns: Record<TaskSortKey, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  dueDate: 'due_sort',
  priority: 'priority'
}

function dateOrNull (value: number | null): Date | null {
  return value === null ? null : new Date(value)
}

export function toTask (row: TaskRow): Task {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    description: row.description,
    status: row.status as TaskStatus,
    priority: taskPriorities[row.priority] as TaskPriority,
    dueDate: dateOrNull(row.due_date),
    tags: JSON.parse(row.tags) as string[],
    completedAt: dateOrNull(row.completed_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    revision: row.revision
  }
}

/** Converts the value of a list position to the number its sort column stores. */
export function sortKeyOf (sort: TaskSortKey, position: TaskListPosition): number {
  const { value } = position
  if (sort === 'priority') {
    if (typeof value !== 'number') throw new TypeError(`A priority list position needs a numeric rank, got ${JSON.stringify(value)}`)
    return value
  }
  if (value === null && sort === 'dueDate') return MISSING_DUE_DATE_SORT_KEY

  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (Number.isNaN(time)) throw new TypeError(`A ${sort} list position needs an ISO date, got ${JSON.stringify(value)}`)
  return time
}

/** Appends one SQL condition per filter; every condition binds its value as a parameter. */
export function addFilterConditions (filter: TaskFilter, conditions: string[], parameters: Parameters): void {
  if (filter.status !== undefined) {
    conditions.push('status = @status')
    parameters.status = filter.status
  }
  if (filter.priority !== undefined) {
    conditions.push('priority = @priority')
    parameters.priority = taskPriorities.indexOf(filter.priority)
  }
  if (filter.tag !== undefined) {
    conditions.push('id IN (SELECT task_id FROM task_tags WHERE owner_id = @ownerId AND tag = @tag)')
    parameters.tag = filter.tag
  }
  if (filter.dueBefore !== undefined) {
    conditions.push('due_date < @dueBefore')
    parameters.dueBefore = filter.dueBefore.getTime()
  }
  if (filter.dueAfter !== undefined) {
    conditions.push('due_date > @dueAfter')
    parameters.dueAfter = filter.dueAfter.getTime()
  }
  if (filter.overdue !== undefined) {
    // The negation spells out the missing due date, because a NULL comparison would drop those rows.
    conditions.push(filter.overdue
      ? "(due_date < @now AND status <> 'completed')"
      : "(due_date IS NULL OR due_date >= @now OR status = 'completed')")
    parameters.now = filter.now.getTime()
  }
  if (filter.q !== undefined) {
    // instr() compares plain text, so %, _, \ and regex syntax in q match only themselves.
    conditions.push('instr(title_lower, @q) > 0')
    parameters.q = filter.q.toLowerCase()
  }
}
