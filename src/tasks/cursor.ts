import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { isId } from '../ids.js'
import { problem } from '../problems.js'
import { taskPriorities, type Task, type TaskFilter, type TaskListPosition, type TaskSortKey } from '../storage/types.js'

// List cursors are opaque to clients: base64url JSON naming the listing and the keyset position,
// a dot, then an HMAC-SHA256 tag over the first part. The tag makes a cursor unforgeable, and the
// listing check stops a cursor from one sort or filter set being replayed against another, where its
// position would mean something else.

/** The listing a cursor continues: the same owner, sort and filters must come with the cursor. */
export interface CursorListing {
  ownerId: string
  sort: TaskSortKey
  descending: boolean
  filter: TaskFilter
}

interface CursorPayload {
  v: typeof CURSOR_VERSION
  sort: TaskSortKey
  descending: boolean
  /** fingerprintListing() of the owner and filters. */
  listing: string
  position: TaskListPosition
}

const CURSOR_VERSION = 1
const sortKeys: readonly string[] = ['createdAt', 'dueDate', 'priority', 'updatedAt'] satisfies TaskSortKey[]

function invalidCursor () {
  return problem(400, 'The cursor was not issued by this service or has been altered; request the first page again without a cursor', {
    code: 'invalid_cursor',
    errors: [{ field: '/querystring/cursor', message: 'is not a valid cursor' }]
  })
}

function mismatchedCursor () {
  return problem(400, 'The cursor belongs to a listing with another sort or other filters; repeat the first page\'s sort and filters, or request the first page again without a cursor', {
    code: 'invalid_cursor',
    errors: [{ field: '/querystring/cursor', message: 'does not match the sort and filters of this request' }]
  })
}

/**
 * Hashes the owner and every filter except `now`, so a cursor stays usable while time passes.
 * The array keeps the field order fixed, which makes the hash input canonical.
 */
export function fingerprintListing (ownerId: string, filter: TaskFilter): string {
  const fields = [
    ownerId,
    filter.status ?? null,
    filter.priority ?? null,
    filter.tag ?? null,
    filter.dueBefore?.toISOString() ?? null,
    filter.dueAfter?.toISOString() ?? null,
    filter.overdue ?? null,
    filter.q ?? null
  ]
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 22)
}

/** Returns the keyset position of a task in a listing sorted by `sort`. */
export function positionOf (task: Task, sort: TaskSortKey): TaskListPosition {
  switch (sort) {
    case 'createdAt': return { value: task.createdAt.toISOString(), id: task.id }
    case 'updatedAt': return { value: task.updatedAt.toISOString(), id: task.id }
    case 'dueDate': return { value: task.dueDate?.toISOString() ?? null, id: task.id }
    case 'priority': return { value: taskPriorities.indexOf(task.priority), id: task.id }
  }
}

function sign (key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url')
}

export function encodeCursor (key: Buffer, listing: CursorListing, position: TaskListPosition): string {
  const payload: CursorPayload = {
    v: CURSOR_VERSION,
    sort: listing.sort,
    descending: listing.descending,
    listing: fingerprintListing(listing.ownerId, listing.filter),
    position
  }
  const data = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${data}.${sign(key, data)}`
}

/**
 * Verifies a cursor and returns its position. Throws a 400 problem with code invalid_cursor when
 * the tag does not match (forged or altered) or the cursor was issued for another listing.
 */
export function decodeCursor (key: Buffer, cursor: string, listing: CursorListing): TaskListPosition {
  const parts = cursor.split('.')
  if (parts.length !== 2) throw invalidCursor()
  const [data, tag] = parts as [string, string]

  // The tags are compared as text, not as decoded bytes, because base64url decoding ignores stray
  // characters and padding bits, which would let altered cursors through.
  const expectedTag = Buffer.from(sign(key, data))
  const presentedTag = Buffer.from(tag)
  if (presentedTag.length !== expectedTag.length || !timingSafeEqual(presentedTag, expectedTag)) throw invalidCursor()

  const payload = parsePayload(data)
  if (payload === null) throw invalidCursor()
  if (payload.sort !== listing.sort || payload.descending !== listing.descending ||
    payload.listing !== fingerprintListing(listing.ownerId, listing.filter)) {
    throw mismatchedCursor()
  }
  return payload.position
}

/**
 * Parses and checks a payload whose tag is already verified. The checks still matter: a cursor
 * signed by an older release, or a bug in encodeCursor, must end in a 400 rather than a failed query.
 */
function parsePayload (data: string): CursorPayload | null {
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof payload !== 'object' || payload === null) return null

  const { v, sort, descending, listing, position } = payload as Record<string, unknown>
  if (v !== CURSOR_VERSION || typeof sort !== 'string' || !sortKeys.includes(sort)) return null
  if (typeof descending !== 'boolean' || typeof listing !== 'string') return null
  if (typeof position !== 'object' || position === null) return null

  const { value, id } = position as Record<string, unknown>
  if (typeof id !== 'string' || !isId(id) || !isPositionValue(sort as TaskSortKey, value)) return null
  return { v, sort: sort as TaskSortKey, descending, listing, position: { value, id } }
}

function isPositionValue (sort: TaskSortKey, value: unknown): value is TaskListPosition['value'] {
  if (sort === 'priority') return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < taskPriorities.length
  if (value === null) return sort === 'dueDate'
  return typeof value === 'string' && isIsoDate(value)
}

function isIsoDate (value: string): boolean {
  const time = Date.parse(value)
  return !Number.isNaN(time) && new Date(time).toISOString() === value
}
