import type Database from 'better-sqlite3'
import { newId } from '../../ids.js'
import { DuplicateEmailError, type User, type UserStore } from '../types.js'

interface UserRow {
  id: string
  email: string
  password_hash: string
  created_at: number
}

function toUser (row: UserRow): User {
  return { id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: new Date(row.created_at) }
}

export class SqliteUserStore implements UserStore {
  readonly #insert: Database.Statement<[string, string, string, number]>
  readonly #byId: Database.Statement<[string], UserRow>
  readonly #byEmail: Database.Statement<[string], UserRow>
  readonly #setHash: Database.Statement<[string, string, string]>
  readonly #delete: Database.Statement<[string]>

  constructor (db: Database.Database) {
    this.#insert = db.prepare('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)')
    this.#byId = db.prepare('SELECT * FROM users WHERE id = ?')
    this.#byEmail = db.prepare('SELECT * FROM users WHERE email = ?')
    this.#setHash = db.prepare('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?')
    this.#delete = db.prepare('DELETE FROM users WHERE id = ?')
  }

  async create (input: { email: string, passwordHash: string }): Promise<User> {
    const createdAt = new Date()
    const id = newId(createdAt)
    try {
      this.#insert.run(id, input.email, input.passwordHash, createdAt.getTime())
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(input.email)
      throw error
    }
    return { id, email: input.email, passwordHash: input.passwordHash, createdAt }
  }

  async findById (id: string): Promise<User | null> {
    const row = this.#byId.get(id)
    return row === undefined ? null : toUser(row)
  }

  async findByEmail (email: string): Promise<User | null> {
    const row = this.#byEmail.get(email)
    return row === undefined ? null : toUser(row)
  }

  async updatePasswordHash (id: string, passwordHash: string, expectedHash: string): Promise<boolean> {
    return this.#setHash.run(passwordHash, id, expectedHash).changes > 0
  }

  async delete (id: string): Promise<boolean> {
    return this.#delete.run(id).changes > 0
  }
}

function isUniqueViolation (error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}
