import { createHmac, randomBytes } from 'node:crypto'
import t from 'tap'
import { newId } from '../../src/ids.js'
import { ProblemError } from '../../src/problems.js'
import type { Task } from '../../src/storage/types.js'
import { decodeCursor, encodeCursor, fingerprintListing, positionOf, type CursorListing } from '../../src/tasks/cursor.js'

const key = randomBytes(32)
const now = new Date('2030-01-01T00:00:00.000Z')
const listing: CursorListing = { ownerId: newId(), sort: 'priority', descending: true, filter: { now, status: 'pending', q: 'milk' } }
const position = { value: 2, id: newId() }

function rejection (fn: () => unknown): ProblemError | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof ProblemError) return error
    throw error
  }
  return undefined
}

/** Replaces one character of the text with another base64url character. */
function alter (text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A'
  return text.slice(0, index) + replacement + text.slice(index + 1)
}

t.test('cursor round trip', async (t) => {
  const cursor = encodeCursor(key, listing, position)
  t.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
  t.same(decodeCursor(key, cursor, listing), position)
})

t.test('cursor ignores the time of the request', async (t) => {
  const cursor = encodeCursor(key, listing, position)
  const later = { ...listing, filter: { ...listing.filter, now: new Date(now.getTime() + 60_000) } }
  t.same(decodeCursor(key, cursor, later), position)
})

t.test('cursor keeps a null due date position', async (t) => {
  const dueListing: CursorListing = { ...listing, sort: 'dueDate', descending: false }
  const nullPosition = { value: null, id: newId() }
  t.same(decodeCursor(key, encodeCursor(key, dueListing, nullPosition), dueListing), nullPosition)
})

t.test('altered cursors are rejected', async (t) => {
  const cursor = encodeCursor(key, listing, position)
  const [data = '', tag = ''] = cursor.split('.')
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(data, 'base64url').toString()), position: { value: 0, id: position.id } })).toString('base64url')

  const cases: Record<string, string> = {
    'payload character': `${alter(data, 5)}.${tag}`,
    'tag character': `${data}.${alter(tag, 10)}`,
    'last tag character': `${data}.${alter(tag, tag.length - 1)}`,
    'extra tag character': `${data}.${tag}A`,
    'rewritten payload': `${forged}.${tag}`,
    'missing tag': data,
    'empty tag': `${data}.`,
    'three parts': `${cursor}.x`,
    'not base64': 'not a cursor!',
    'signed by another key': encodeCursor(randomBytes(32), listing, position)
  }
  for (const [name, altered] of Object.entries(cases)) {
    const error = rejection(() => decodeCursor(key, altered, listing))
    t.equal(error?.statusCode, 400, `${name}: status`)
    t.equal(error?.code, 'invalid_cursor', `${name}: code`)
  }
})

t.test('signed but malformed payloads are rejected', async (t) => {
  // Tags arbitrary payloads with the real key, as a bug in an older release might have.
  const sign = (payload: unknown) => {
    const data = Buffer.from(JSON.stringify(payload)).toString('base64url')
    return `${data}.${createHmac('sha256', key).update(data).digest('base64url')}`
  }
  const fingerprint = fingerprintListing(listing.ownerId, listing.filter)
  const valid = { v: 1, sort: 'priority', descending: true, listing: fingerprint, position }
  const cases: Record<string, unknown> = {
    'not an object': 'text',
    'other version': { ...valid, v: 2 },
    'unknown sort': { ...valid, sort: 'title' },
    'rank out of range': { ...valid, position: { value: 3, id: position.id } },
    'rank as text': { ...valid, position: { value: '2', id: position.id } },
    'malformed id': { ...valid, position: { value: 2, id: 'x' } },
    'operator as id': { ...valid, position: { value: 2, id: { $gt: '' } } }
  }
  for (const [name, payload] of Object.entries(cases)) {
    t.equal(rejection(() => decodeCursor(key, sign(payload), listing))?.code, 'invalid_cursor', name)
  }
  t.same(decodeCursor(key, sign(valid), listing), position, 'the valid payload passes')
})

t.test('cursor for another listing is rejected', async (t) => {
  const cursor = encodeCursor(key, listing, position)
  const others: Record<string, CursorListing> = {
    'other sort': { ...listing, sort: 'createdAt' },
    'other direction': { ...listing, descending: false },
    'other owner': { ...listing, ownerId: newId() },
    'added filter': { ...listing, filter: { ...listing.filter, tag: 'x' } },
    'changed filter': { ...listing, filter: { ...listing.filter, q: 'bread' } },
    'removed filter': { ...listing, filter: { now, status: 'pending' } }
  }
  for (const [name, other] of Object.entries(others)) {
    const error = rejection(() => decodeCursor(key, cursor, other))
    t.equal(error?.statusCode, 400, `${name}: status`)
    t.equal(error?.code, 'invalid_cursor', `${name}: code`)
    t.match(error?.message, /another sort or other filters/, `${name}: message`)
  }
})

t.test('positionOf uses the sort value', async (t) => {
  const task: Task = {
    id: newId(),
    ownerId: newId(),
    title: 'T',
    description: null,
    status: 'pending',
    priority: 'low',
    dueDate: null,
    tags: [],
    completedAt: null,
    createdAt: now,
    updatedAt: new Date(now.getTime() + 1),
    revision: 1
  }
  t.same(positionOf(task, 'createdAt'), { value: '2030-01-01T00:00:00.000Z', id: task.id })
  t.same(positionOf(task, 'updatedAt'), { value: '2030-01-01T00:00:00.001Z', id: task.id })
  t.same(positionOf(task, 'dueDate'), { value: null, id: task.id })
  t.same(positionOf(task, 'priority'), { value: 0, id: task.id })
})
