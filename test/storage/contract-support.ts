import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { newId } from '../../src/ids.js'
import type { NewSession, NewTask, Storage, Task, TaskFilter, TaskSortKey, TaskStore } from '../../src/storage/types.js'
import { positionOf } from '../../src/tasks/cursor.js'

export interface StorageFixture {
  storage: Storage
  /** Closes the storage and deletes whatever it stored. */
  cleanup: () => Promise<void>
}

export type StorageFactory = () => Promise<StorageFixture>

export interface ContractOptions {
  /**
   * The reason the server does not apply a conditional update atomically, when it does not. The
   * tests that race updates of one task skip with this reason.
   */
  nonAtomicUpdates?: string
  /**
   * The reason the server does not apply a conditional delete atomically, when it does not. The
   * test that races a conditional delete against an update skips with this reason.
   */
  nonAtomicDeletes?: string
}

/** Opens a fresh storage for one subtest and removes it in that subtest's teardown. */
export async function openFresh (t: Test, factory: StorageFactory): Promise<Storage> {
  const { storage, cleanup } = await factory()
  t.teardown(cleanup)
  return storage
}

// Ids that are not 24 lowercase hex characters, including one that looks like an operator object.
export const malformedIds = ['', 'abc', 'ABCDEF0123456789ABCDEF01', '0123456789abcdef0123456g', '0123456789abcdef01234567x', '{"$ne":null}']

export const HOUR_MS = 3600 * 1000

export function hoursAfter (date: Date, hours: number): Date {
  return new Date(date.getTime() + hours * HOUR_MS)
}

export function randomTokenHash (): string {
  return randomBytes(32).toString('hex')
}

/** Builds a session for `userId`, created at `now`, that expires an hour later. */
export function newSession (userId: string, now: Date, overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: newId(now),
    userId,
    createdAt: now,
    expiresAt: hoursAfter(now, 1),
    absoluteExpiresAt: hoursAfter(now, 24),
    userAgent: 'contract-test',
    ip: '127.0.0.1',
    tokenHash: randomTokenHash(),
    ...overrides
  }
}

export function newTask (overrides: Partial<NewTask> = {}): NewTask {
  return {
    title: 'Write the report',
    description: null,
    status: 'pending',
    priority: 'medium',
    dueDate: null,
    tags: [],
    ...overrides
  }
}

/** Walks every page of a list, the way a client follows nextCursor. */
export async function listAll (store: TaskStore, ownerId: string, sort: TaskSortKey, descending: boolean, filter: TaskFilter, limit: number): Promise<Task[]> {
  const all: Task[] = []
  let after
  for (;;) {
    const page = await store.list(ownerId, { filter, sort, descending, limit, after })
    all.push(...page)
    const last = page.at(-1)
    if (page.length < limit || last === undefined) return all
    after = positionOf(last, sort)
  }
}
