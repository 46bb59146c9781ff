import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis, type RedisOptions } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    /** The client for the shared rate-limit counters, or null when REDIS_URL is unset. */
    redis: Redis | null
  }
}

/** Replaces the credentials in a Redis URL, so it can appear in logs and error messages. */
export function redactRedisUrl (url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/?]*@/, '$1***@')
}

/**
 * Returns ioredis options for a store that every request consults. A Redis that is down or stalled
 * must fail a command within about a second, never queue it. The defaults quoted are those of
 * ioredis 6.1.
 */
export function redisClientOptions (): RedisOptions {
  return {
    connectionName: 'task-service',
    // The plugin connects explicitly, so start-up can wait for the connection and report a failure.
    lazyConnect: true,
    // An unreachable host fails the connection attempt after 2 s instead of the default 10 s.
    connectTimeout: 2000,
    // Without a command timeout, a server that accepts the connection but never replies would hold
    // every request.
    commandTimeout: 1000,
    // While disconnected, commands fail at once instead of waiting in a queue for the reconnect.
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails after one reconnect attempt (default 20).
    maxRetriesPerRequest: 1,
    // Reconnects after 200 ms, 400 ms, ... up to every 2 s (the default backs off to 5 s), so the
    // counters are shared again soon after Redis comes back.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000)
  }
}

async function redisPlugin (fastify: FastifyInstance) {
  const url = fastify.config.REDIS_URL
  if (url === undefined) {
    fastify.decorate('redis', null)
    return
  }

  const client = new Redis(url, redisClientOptions())
  const safeUrl = redactRedisUrl(url)

  // After a working connection drops, ioredis emits 'reconnecting' before each attempt and 'error'
  // for each attempt that fails, up to one every 2 s during an outage. The first 'reconnecting' is a
  // warning, and the failed attempts go to debug until the connection is ready again. An 'error'
  // listener is required anyway, or ioredis prints each error itself. Errors before start-up
  // completes are only kept for the message that start-up throws.
  let started = false
  let closing = false
  let failing = false
  let lastError: Error | undefined
  client.on('error', (error: Error) => {
    lastError = error
    if (!started || closing) return
    if (failing) fastify.log.debug({ err: error, url: safeUrl }, 'Redis reconnect attempt failed')
    else fastify.log.warn({ err: error, url: safeUrl }, 'Redis client error')
  })
  client.on('reconnecting', () => {
    if (!started || closing || failing) return
    failing = true
    fastify.log.warn({ url: safeUrl }, 'Redis connection lost; reconnecting, and rate limits are not enforced until it is back')
  })
  client.on('ready', () => {
    if (!failing) return
    failing = false
    fastify.log.info({ url: safeUrl }, 'Redis connection restored; rate limits are enforced again')
  })

  try {
    await client.connect()
  } catch (error) {
    // connect() rejects with a generic "Connection is closed.", so the cause comes from the last
    // 'error' event.
    const cause = lastError ?? error
    const reason = cause instanceof Error ? cause.message : String(cause)
    closing = true
    client.disconnect()
    throw new Error(`connecting to Redis at ${safeUrl} failed: ${reason}; check REDIS_URL and that the server is running`, { cause })
  }
  started = true
  fastify.log.info({ url: safeUrl }, 'connected to Redis')

  fastify.decorate('redis', client)
  fastify.addHook('onClose', async () => {
    closing = true
    try {
      await client.quit()
    } catch {
      // QUIT fails while the connection is down. Nothing is left to flush then, so just disconnect.
      client.disconnect()
    }
  })
}

export default fp(redisPlugin, { name: 'redis', dependencies: ['config'], fastify: '5.x' })
