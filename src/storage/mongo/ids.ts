import { ObjectId } from 'mongodb'
import { isId } from '../../ids.js'

/**
 * Converts a public id to an ObjectId, or returns null when it is not 24 lowercase hex characters.
 * Callers treat null as "not found", so a malformed id never reaches the driver, which would throw.
 */
export function toObjectId (id: string): ObjectId | null {
  return isId(id) ? ObjectId.createFromHexString(id) : null
}

/** Converts an id that this service generated itself; a malformed one is a programming error. */
export function requireObjectId (id: string, field: string): ObjectId {
  const objectId = toObjectId(id)
  if (objectId === null) throw new TypeError(`${field} must be 24 lowercase hex characters, got ${JSON.stringify(id)}`)
  return objectId
}

export function isDuplicateKeyError (error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 11000
}
