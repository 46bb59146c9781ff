import type Database from 'better-sqlite3'
import { newId } from '../../ids.js'
import { taskPriorities, type NewTask, type Task, type TaskListQuery, type TaskPatch, type TaskStore } from '../types.js'
import { addFilterConditions, columns, sortColumns, sortKeyOf, toTask, type Parameters, type TaskRow } from './task-queries.js'

export class SqliteTaskStore implements TaskStore {
  readonly #db: Database.Database
  // Lists and updates build their SQL from which filters and fields are present. The combinations are
  // few (at most a few thousand), so each distinct statement is prepared once and kept.
  readonly #prepared = new Map<string, Database.Statement>()
  readonly #statements

  constructor (db: Database.Database) {
    this.#db = db
    this.#statements = {
      insert: db.prepare(`INSERT INTO tasks (id, owner_id, title, title_lower, description, status, priority, due_date,
        tags, completed_at, created_at, updated_at, revision)
        VALUES (@id, @ownerId, @title, @titleLower, @description, @status, @priority, @dueDate,
        @tags, @completedAt, @createdAt, @updatedAt, 1)`),
      insertTag: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO task_tags (task_id, owner_id, tag) VALUES (?, ?, ?)'),
      deleteTags: db.prepare<[string]>('DELETE FROM task_tags WHERE task_id = ?'),
      byId: db.prepare<[string, string], TaskRow>(`SELECT ${columns} FROM tasks WHERE id = ? AND owner_id = ?`),
      delete: db.prepare<[string, string]>('DELETE FROM tasks WHERE id = ? AND owner_id = ?'),
      deleteAtRevision: db.prepare<[string, string, number]>('DELETE FROM tasks WHERE id = ? AND owner_id = ? AND revision = ?'),
      deleteForOwner: db.prepare<[string]>('DELETE FROM tasks WHERE owner_id = ?')
    }
  }

  async create (ownerId: string, input: NewTask, now: Date): Promise<Task> {
    const task: Task = {
      id: newId(now),
      ownerId,
      title: input.title,
      description: input.description,
      status: input.status,
      priority: input.priority,
      dueDate: input.dueDate === null ? null : new Date(input.dueDate),
      tags: [...input.tags],
      completedAt: input.status === 'completed' ? new Date(now) : null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      revision: 1
    }

    this.#db.transaction(() => {
      this.#statements.insert.run({
        id: task.id,
        ownerId,
        title: task.title,
        titleLower: task.title.toLowerCase(),
        description: task.description,
        status: task.status,
        priority: taskPriorities.indexOf(task.priority),
        dueDate: task.dueDate?.getTime() ?? null,
        tags: JSON.stringify(task.tags),
        completedAt: task.completedAt?.getTime() ?? null,
        createdAt: now.getTime(),
        updatedAt: now.getTime()
      })
      this.#insertTags(task.id, ownerId, task.tags)
    })()
    return task
  }

  async findById (ownerId: string, id: string): Promise<Task | null> {
    const row = this.#statements.byId.get(id, ownerId)
    return row === undefined ? null : toTask(row)
  }

  async list (ownerId: string, query: TaskListQuery): Promise<Task[]> {
    const conditions = ['owner_id = @ownerId']
    const parameters: Parameters = { ownerId, limit: query.limit }
    addFilterConditions(query.filter, conditions, parameters)

    const column = sortColumns[query.sort]
    const direction = query.descending ? 'DESC' : 'ASC'
    if (query.after !== undefined) {
      // Keyset pagination: the row-value comparison continues strictly after the last item of the
      // previous page, in the same (sort key, id) order, so inserts and deletes never shift a page.
      conditions.push(`(${column}, id) ${query.descending ? '<' : '>'} (@afterKey, @afterId)`)
      parameters.afterKey = sortKeyOf(query.sort, query.after)
      parameters.afterId = query.after.id
    }

    const sql = `SELECT ${columns} FROM tasks WHERE ${conditions.join(' AND ')}
      ORDER BY ${column} ${direction}, id ${direction} LIMIT @limit`
    const rows = this.#prepare(sql).all(parameters) as TaskRow[]
    return rows.map(toTask)
  }

  async update (ownerId: string, id: string, patch: TaskPatch, now: Date, expectedRevision?: number): Promise<Task | 'not-found' | 'revision-mismatch'> {
    const assignments = ['updated_at = @now', 'revision = revision + 1']
    const conditions = ['id = @id', 'owner_id = @ownerId']
    const parameters: Parameters = { id, ownerId, now: now.getTime() }

    if (patch.title !== undefined) {
      assignments.push('title = @title', 'title_lower = @titleLower')
      parameters.title = patch.title
      parameters.titleLower = patch.title.toLowerCase()
    }
    if (patch.description !== undefined) {
      assignments.push('description = @description')
      parameters.description = patch.description
    }
    if (patch.status !== undefined) {
      // SET expressions read the row as it was, so completed_at survives a completed-to-completed
      // patch and is set only when the task becomes completed.
      assignments.push('status = @status', "completed_at = CASE WHEN @status = 'completed' THEN COALESCE(completed_at, @now) ELSE NULL END")
      parameters.status = patch.status
    }
    if (patch.priority !== undefined) {
      assignments.push('priority = @priority')
      parameters.priority = taskPriorities.indexOf(patch.priority)
    }
    if (patch.dueDate !== undefined) {
      assignments.push('due_date = @dueDate')
      parameters.dueDate = patch.dueDate?.getTime() ?? null
    }
    if (patch.tags !== undefined) {
      assignments.push('tags = @tags')
      parameters.tags = JSON.stringify(patch.tags)
    }
    if (expectedRevision !== undefined) {
      // The revision check is part of the one UPDATE, so two writers holding the same revision
      // cannot both succeed.
      conditions.push('revision = @expectedRevision')
      parameters.expectedRevision = expectedRevision
    }

    const sql = `UPDATE tasks SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')} RETURNING ${columns}`
    const statement = this.#prepare(sql)
    return this.#db.transaction(() => {
      const row = statement.get(parameters) as TaskRow | undefined
      if (row === undefined) {
        return this.#statements.byId.get(id, ownerId) === undefined ? 'not-found' : 'revision-mismatch'
      }
      if (patch.tags !== undefined) {
        this.#statements.deleteTags.run(id)
        this.#insertTags(id, ownerId, patch.tags)
      }
      return toTask(row)
    })()
  }

  async delete (ownerId: string, id: string, expectedRevision?: number): Promise<'deleted' | 'not-found' | 'revision-mismatch'> {
    if (expectedRevision === undefined) {
      return this.#statements.delete.run(id, ownerId).changes > 0 ? 'deleted' : 'not-found'
    }

    // The revision check is part of the one DELETE, so an update that lands first makes it delete
    // nothing. The lookup after a miss runs in the same transaction, so no write comes in between.
    return this.#db.transaction(() => {
      if (this.#statements.deleteAtRevision.run(id, ownerId, expectedRevision).changes > 0) return 'deleted'
      return this.#statements.byId.get(id, ownerId) === undefined ? 'not-found' : 'revision-mismatch'
    })()
  }

  async deleteAllForOwner (ownerId: string): Promise<number> {
    return this.#statements.deleteForOwner.run(ownerId).changes
  }

  #insertTags (taskId: string, ownerId: string, tags: string[]): void {
    for (const tag of tags) this.#statements.insertTag.run(taskId, ownerId, tag)
  }

  #prepare (sql: string): Database.Statement {
    let statement = this.#prepared.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare(sql)
      this.#prepared.set(sql, statement)
    }
    return statement
  }
}
