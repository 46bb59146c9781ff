import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import type { Test } from 'tap'

export const skipMessage = 'MongoDB contract tests skipped: MONGODB_URL is not set (scripts/ferretdb.sh start prints one)'

export interface MongoServer {
  client: MongoClient
  /** True on FerretDB, which lacks TTL indexes, transactions and atomic findAndModify. */
  isFerretDb: boolean
  /** Returns a new, empty database; the caller drops it. */
  newDatabase: () => Db
}

export const ferretDbUpdateReason = 'FerretDB 1.24 runs an update as a read followed by a whole-document write, so concurrent conditional updates of one document can all succeed; run against MongoDB to check this'

export const ferretDbDeleteReason = 'FerretDB 1.24 runs a delete as a read of the matching documents followed by a delete by _id in another transaction, so an update in between is lost; run against MongoDB to check this'

/** Connects to MONGODB_URL for one test file, or returns null when it is unset. */
export async function connectTestServer (t: Test): Promise<MongoServer | null> {
  const url = process.env.MONGODB_URL
  if (url === undefined || url === '') return null

  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 })
  await client.connect()
  t.teardown(() => client.close())

  // FerretDB adds its own version to buildInfo; MongoDB has no such field.
  const buildInfo = await client.db('admin').command({ buildInfo: 1 })
  const isFerretDb = 'ferretdbVersion' in buildInfo

  // One prefix per test file, so parallel test files never share a database.
  const prefix = `test_${randomBytes(4).toString('hex')}`
  let counter = 0
  return {
    client,
    isFerretDb,
    newDatabase: () => client.db(`${prefix}_${counter++}`)
  }
}

export interface RecordedLog {
  messages: string[]
  info: (detailsOrMessage: unknown, message?: string) => void
}

/** Creates a logger stand-in that records what the storage logs at info. */
export function recordingLog (): RecordedLog {
  const messages: string[] = []
  return {
    messages,
    info (detailsOrMessage: unknown, message?: string) {
      messages.push(typeof detailsOrMessage === 'string' ? detailsOrMessage : message ?? '')
    }
  }
}
