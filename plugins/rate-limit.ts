import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../src/problems.js'

export type RateLimitPolicy = 'login' | 'register' | 'refresh' | 'default' | 'none'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which budget a route draws from; 'default' when unset, 'none' for health probes. */
    rateLimitPolicy?: RateLimitPolicy
  }
}

function rejectTooMany (_request: FastifyRequest, context: { max: number, ttl: number }) {
  const seconds = Math.max(1, Math.ceil(context.ttl / 1000))
  return problem(429, `Too many requests: at most ${context.max} are allowed in this window; retry in ${seconds} s`, { code: 'rate_limited' })
}

async function rateLimitPlugin (fastify: FastifyInstance) {
  const { config } = fastify

  // The limiters run from one application-wide onRequest hook rather than per route, so they run
  // before any route hook: a request without a valid token or CSRF header still spends budget.
  await fastify.register(fastifyRateLimit, { global: false, errorResponseBuilder: rejectTooMany })

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
        // The route's authenticate hook answers 401; here the request just counts by IP.
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

  fastify.addHook('onRequest', async function applyRateLimit (request, reply) {
    const policy = request.routeOptions.config.rateLimitPolicy ?? 'default'
    if (policy === 'none') return
    await limiters[policy].call(fastify, request, reply, () => {})
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'auth'], fastify: '5.x' })
