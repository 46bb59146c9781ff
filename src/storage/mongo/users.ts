import { ObjectId, type Collection } from 'mongodb'
import { DuplicateEmailError, type User, type UserStore } from '../types.js'
import type { UserDocument } from './collections.js'
import { isDuplicateKeyError, toObjectId } from './ids.js'

function toUser (document: UserDocument): User {
  return {
    id: document._id.toHexString(),
    email: document.email,
    passwordHash: document.passwordHash,
    createdAt: document.createdAt
  }
}

export class MongoUserStore implements UserStore {
  readonly #users: Collection<UserDocument>

  constructor (users: Collection<UserDocument>) {
    this.#users = users
  }

  async create (input: { email: string, passwordHash: string }): Promise<User> {
    const createdAt = new Date()
    const document: UserDocument = {
      _id: new ObjectId(),
      email: input.email,
      passwordHash: input.passwordHash,
      createdAt
    }
    try {
      await this.#users.insertOne(document)
    } catch (error) {
      // The unique index on email turns a concurrent second registration into E11000 on insert.
      if (isDuplicateKeyError(error)) throw new DuplicateEmailError(input.email)
      throw error
    }
    return toUser(document)
  }

  async findById (id: string): Promise<User | null> {
    const _id = toObjectId(id)
    if (_id === null) return null
    const document = await this.#users.findOne({ _id })
    return document === null ? null : toUser(document)
  }

  async findByEmail (email: string): Promise<User | null> {
    // String() keeps a non-string that slipped past validation from acting as a query operator.
    const document = await this.#users.findOne({ email: String(email) })
    return document === null ? null : toUser(document)
  }

  async updatePasswordHash (id: string, passwordHash: string, expectedHash: string): Promise<boolean> {
    const _id = toObjectId(id)
    if (_id === null) return false
    // NOTE: FerretDB 1.24 checks the filter and writes in two steps, so there two concurrent changes
    // can both report success; MongoDB applies this single-document update atomically.
    const result = await this.#users.updateOne({ _id, passwordHash: String(expectedHash) }, { $set: { passwordHash: String(passwordHash) } })
    return result.modifiedCount > 0
  }

  async delete (id: string): Promise<boolean> {
    const _id = toObjectId(id)
    if (_id === null) return false
    const result = await this.#users.deleteOne({ _id })
    return result.deletedCount > 0
  }
}
