import { ObjectId, type Filter } from 'mongodb'
import { newId } from '../../ids.js'
import type { NewTask, Task, TaskListQuery, TaskPatch, TaskStore } from '../types.js'
import type { Collections, TaskDocument } from './collections.js'
import { toObjectId } from './ids.js'
import { listQuery, priorityRanks } from './task-queries.js'

// An update re-reads and retries when another writer changed the task between its read and its
// conditional write. Each retry means another request won, so a few suffice outside a stampede.
const MAX_UPDATE_ATTEMPTS = 5

function toTask (document: TaskDocument): Task {
  return {
    id: document._id.toHexString(),
    ownerId: document.ownerId.toHexString(),
    title: document.title,
    description: document.description,
    status: document.status,
    priority: document.priority,
    dueDate: document.dueDate,
    tags: document.tags,
    completedAt: document.completedAt,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    revision: document.revision
  }
}

/** Computes the document after `patch`, keeping completedAt consistent with the resulting status. */
function applyPatch (current: TaskDocument, patch: TaskPatch, now: Date): TaskDocument {
  const title = patch.title ?? current.title
  const status = patch.status ?? current.status
  const priority = patch.priority ?? current.priority
  return {
    ...current,
    title,
    titleLower: title.toLowerCase(),
    description: patch.description === undefined ? current.description : patch.description,
    status,
    priority,
    priorityRank: priorityRanks[priority],
    dueDate: patch.dueDate === undefined ? current.dueDate : patch.dueDate,
    tags: patch.tags === undefined ? current.tags : [...patch.tags],
    completedAt: status === 'completed' ? current.completedAt ?? now : null,
    updatedAt: now,
    revision: current.revision + 1
  }
}

export class MongoTaskStore implements TaskStore {
  readonly #tasks: Collections['tasks']

  constructor (collections: Collections) {
    this.#tasks = collections.tasks
  }

  async create (ownerId: string, input: NewTask, now: Date): Promise<Task> {
    const owner = toObjectId(ownerId)
    if (owner === null) throw new TypeError(`owner id must be 24 lowercase hex characters, got ${JSON.stringify(ownerId)}`)
    const document: TaskDocument = {
      _id: ObjectId.createFromHexString(newId(now)),
      ownerId: owner,
      title: input.title,
      titleLower: input.title.toLowerCase(),
      description: input.description,
      status: input.status,
      priority: input.priority,
      priorityRank: priorityRanks[input.priority],
      dueDate: input.dueDate,
      tags: [...input.tags],
      completedAt: input.status === 'completed' ? now : null,
      createdAt: now,
      updatedAt: now,
      revision: 1
    }
    await this.#tasks.insertOne(document)
    return toTask(document)
  }

  async findById (ownerId: string, id: string): Promise<Task | null> {
    const document = await this.#find(ownerId, id)
    return document === null ? null : toTask(document)
  }

  async list (ownerId: string, query: TaskListQuery): Promise<Task[]> {
    const owner = toObjectId(ownerId)
    // MongoDB reads a limit of 0 as "no limit"; SQLite's LIMIT 0 returns nothing, and so does this.
    if (owner === null || query.limit <= 0) return []
    const page = listQuery(owner, query)
    if (page === null) return []
    const documents = await this.#tasks.find(page.filter).sort(page.sort).limit(query.limit).toArray()
    return documents.map(toTask)
  }

  async update (ownerId: string, id: string, patch: TaskPatch, now: Date, expectedRevision?: number): Promise<Task | 'not-found' | 'revision-mismatch'> {
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.#find(ownerId, id)
      if (current === null) return 'not-found'
      if (expectedRevision !== undefined && current.revision !== expectedRevision) return 'revision-mismatch'

      // Computing the new document here instead of in an update pipeline works on FerretDB 1.24,
      // and the revision condition makes the write apply only to the version that was read.
      const next = applyPatch(current, patch, now)
      const { _id, ...changes } = next
      const result = await this.#tasks.updateOne({ _id, ownerId: current.ownerId, revision: current.revision }, { $set: changes })
      if (result.matchedCount === 1) return toTask(next)
    }
    throw new Error(`updating task ${id} failed: it changed concurrently on each of ${MAX_UPDATE_ATTEMPTS} attempts`)
  }

  async delete (ownerId: string, id: string, expectedRevision?: number): Promise<'deleted' | 'not-found' | 'revision-mismatch'> {
    const owner = toObjectId(ownerId)
    const _id = toObjectId(id)
    if (owner === null || _id === null) return 'not-found'

    // NOTE: MongoDB matches the filter and deletes in one atomic step. FerretDB 1.24 reads the
    // matching documents and then deletes them by _id in a second transaction, so there an update
    // landing in between is lost and the delete still reports success.
    const filter: Filter<TaskDocument> = expectedRevision === undefined ? { _id, ownerId: owner } : { _id, ownerId: owner, revision: expectedRevision }
    const result = await this.#tasks.deleteOne(filter)
    if (result.deletedCount > 0) return 'deleted'
    if (expectedRevision === undefined) return 'not-found'

    // A task that still exists failed only the revision condition. This read comes after the delete,
    // so a task deleted in between by another request counts as not found.
    const current = await this.#tasks.findOne({ _id, ownerId: owner }, { projection: { _id: 1 } })
    return current === null ? 'not-found' : 'revision-mismatch'
  }

  async deleteAllForOwner (ownerId: string): Promise<number> {
    const owner = toObjectId(ownerId)
    if (owner === null) return 0
    const result = await this.#tasks.deleteMany({ ownerId: owner })
    return result.deletedCount
  }

  async #find (ownerId: string, id: string): Promise<TaskDocument | null> {
    const owner = toObjectId(ownerId)
    const _id = toObjectId(id)
    if (owner === null || _id === null) return null
    return await this.#tasks.findOne({ _id, ownerId: owner })
  }
}
