import type { MongoClientOptions } from 'mongodb'

/**
 * Returns the database to use: `override` when set, else the connection string's path (the part
 * between the host list and "?"), or null when neither names one. The connection string format
 * requires "/", "?" and "@" inside credentials to be percent-encoded, so the first "/" after the
 * scheme starts the path.
 */
export function mongoDatabaseName (url: string, override?: string): string | null {
  if (override !== undefined && override !== '') return override
  const afterScheme = url.replace(/^mongodb(\+srv)?:\/\//, '')
  const withoutOptions = afterScheme.split('?', 1)[0] ?? ''
  const slash = withoutOptions.indexOf('/')
  if (slash === -1) return null
  const name = decodeURIComponent(withoutOptions.slice(slash + 1))
  return name === '' ? null : name
}

/** Replaces the credentials in a connection string, so it can appear in logs and error messages. */
export function redactMongoUrl (url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/?]*@/, '$1***@')
}

/**
 * Client options that turn an unreachable or stalled server into a prompt error instead of a
 * request that hangs. The socket timeout follows the HTTP request timeout: a reply that arrives
 * later has no request left to serve.
 */
export function mongoClientOptions (requestTimeoutMs: number): MongoClientOptions {
  return {
    // The driver's default of 30 s would hold every request that long while no server is reachable.
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: requestTimeoutMs,
    // A request waiting for a pooled connection fails rather than queueing without bound.
    waitQueueTimeoutMS: 5000,
    appName: 'task-service'
  }
}
