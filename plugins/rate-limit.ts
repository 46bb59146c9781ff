import fastifyRateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../src/problems.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-route limit keyed by client IP, for the unauthenticated auth endpoints. */
    ipRateLimit: (max: number, timeWindowMs: number) => RateLimitOptions
  }
}

function rejectTooMany (_request: FastifyRequest, context: { max: number, after: string, ttl: number }) {
  const seconds = Math.max(1, Math.ceil(context.ttl / 1000))
  return problem(429, `Too many requests: at most ${context.max} are allowed in this window; retry in ${seconds} s`, { code: 'rate_limited' })
}

async function rateLimitPlugin (fastify: FastifyInstance) {
  const { config } = fastify

  await fastify.register(fastifyRateLimit, {
    global: true,
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    // A verified access token counts against its user, so people behind one NAT do not share a
    // budget; anything else counts against the client IP. Only a valid signature can choose the
    // user bucket, so forged tokens cannot spread requests over many buckets.
    keyGenerator: async function userOrIpKey (request: FastifyRequest) {
      if (request.headers.authorization?.startsWith('Bearer ') === true) {
        try {
          const claims = await request.jwtVerify<{ sub: string }>()
          return `user:${claims.sub}`
        } catch {
          // The route's authenticate hook answers 401; here the request just counts by IP.
        }
      }
      return `ip:${request.ip}`
    },
    errorResponseBuilder: rejectTooMany
  })

  fastify.decorate('ipRateLimit', function ipRateLimit (max: number, timeWindowMs: number): RateLimitOptions {
    return { max, timeWindow: timeWindowMs, keyGenerator: (request: FastifyRequest) => `ip:${request.ip}` }
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['config', 'auth'], fastify: '5.x' })
