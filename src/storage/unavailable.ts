import { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb'

/**
 * True for errors that mean the store cannot be reached right now, rather than a bug: the client
 * gets a 503 with Retry-After and tries again, and the driver reconnects on its own when the
 * server is back. MongoNetworkError includes the network timeout error.
 */
export function isStoreUnavailableError (error: unknown): boolean {
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError || error instanceof MongoTopologyClosedError) {
    return true
  }
  // The driver names these errors without exporting their classes.
  if (error instanceof Error && (error.name === 'MongoPoolClearedError' || error.name === 'MongoWaitQueueTimeoutError')) return true
  // SQLite returns SQLITE_BUSY when another process keeps the write lock past busy_timeout.
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_BUSY'
}
