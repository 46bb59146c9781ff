import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { problem, ProblemError } from '../src/problems.js'

export type RateLimitPolicy = 'login' | 'register' | 'refresh' | 'default' | 'none'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The budget a route draws from: 'default' when unset, 'none' for health probes. */
    rateLimitPolicy?: RateLimitPolicy
  }
}

// Prefix of every counter key in Redis, so the counters can share a database with other data.
// NOTE: @fastify/rate-limit 11.2 appends the route's method and URL to this prefix. Limiters made
// with fastify.rateLimit() have neither, so the keys read
// "task-service-rate-limit:undefinedundefined-login:ip:<address>".
const REDIS_NAMESPACE = 'task-service-rate-limit:'

// While Redis fails, every request would log the same error. One warning per interval, with the
// number of requests let through unchecked since the last one, is enough to see the outage.
const UNCHECKED_LOG_INTERVAL_MS = 10_000

function rejectTooMany (_request: FastifyRequest, context: { max: number, ttl: number }) {
  const seconds = Math.max(1, Math.ceil(context.ttl / 1000))
  return problem(429, `Too many requests: at most ${context.max} are allowed in this window; retry in ${seconds} s`, { code: 'rate_limited' })
}

async function rateLimitPlugin (fastify: FastifyInstance) {
  const { config } = fastify

  // The limiters run from one application-wide onRequest hook rather than per route, so they run
  // before any route hook: a request without a valid token or CSRF header still spends budget.
  // With Redis, every instance counts in the same keys, so instances behind a load balancer share
  // one budget. skipOnError stays false because applyRateLimit below handles a failed store itself.
  await fastify.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: rejectTooMany,
    skipOnError: false,
    ...(fastify.redis === null ? {} : { redis: fastify.redis, nameSpace: REDIS_NAMESPACE })
  })

  const byIp = (policy: string) => (request: FastifyRequest) => `${policy}:ip:${request.ip}`

  // A verified access token counts against its user, so people behind one NAT do not share a
  // budget; anything else counts against the client IP. Only a valid signature can choose the
  // user bucket, so forged tokens cannot spread requests over many buckets.
  async function userOrIp (request: FastifyRequest): Promise<string> {
    if (request.headers.authorization !== undefined) {
      try {
        const claims = await fastify.verifyAccessToken(request)
        return `default:user:${claims.sub}`
      } catch {
        // The route's authenticate hook responds with 401, so here the request just counts by IP.
      }
    }
    return `default:ip:${request.ip}`
  }

  const limiters: Record<Exclude<RateLimitPolicy, 'none'>, onRequestHookHandler> = {
    login: fastify.rateLimit({ max: config.RATE_LIMIT_LOGIN_PER_MINUTE, timeWindow: 60_000, keyGenerator: byIp('login') }),
    register: fastify.rateLimit({ max: config.RATE_LIMIT_REGISTER_PER_HOUR, timeWindow: 3_600_000, keyGenerator: byIp('register') }),
    refresh: fastify.rateLimit({ max: config.RATE_LIMIT_REFRESH_PER_5_MINUTES, timeWindow: 300_000, keyGenerator: byIp('refresh') }),
    default: fastify.rateLimit({ max: config.RATE_LIMIT_PER_MINUTE, timeWindow: 60_000, keyGenerator: userOrIp })
  }

  let uncheckedRequests = 0
  let lastUncheckedLogAt = -Infinity
  function logUnchecked (request: FastifyRequest, policy: RateLimitPolicy, error: unknown) {
    uncheckedRequests += 1
    const now = Date.now()
    if (now - lastUncheckedLogAt < UNCHECKED_LOG_INTERVAL_MS) return
    request.log.warn({ err: error, policy, uncheckedRequests }, 'rate limit not enforced: the Redis counter store failed, so the request proceeds unchecked')
    lastUncheckedLogAt = now
    uncheckedRequests = 0
  }

  fastify.addHook('onRequest', async function applyRateLimit (request, reply) {
    const policy = request.routeOptions.config.rateLimitPolicy ?? 'default'
    if (policy === 'none') return
    try {
      await limiters[policy].call(fastify, request, reply, () => {})
    } catch (error) {
      if (error instanceof ProblemError || fastify.redis === null) throw error
      // Fail open. While Redis is down or slow, requests proceed without a limit (and without
      // X-RateLimit headers) instead of failing, so a Redis outage cannot take the API down.
      // Password guessing stays bounded meanwhile by the per-account login backoff, which lives
      // in the main store.
      logUnchecked(request, policy, error)
    }
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'auth', 'redis'], fastify: '5.x' })
