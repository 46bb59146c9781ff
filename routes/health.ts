import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { statusTitle } from '../src/problems.js'
import { ProblemSchema, problemResponses } from '../src/schemas/common.js'

// A readiness probe must respond before the load balancer's own timeout, so a check that hangs
// counts as failed.
const CHECK_TIMEOUT_MS = 2000
const RETRY_AFTER_SECONDS = 5

const CheckResultSchema = Type.Union([Type.Literal('ok'), Type.Literal('failed')])
type CheckResult = 'ok' | 'failed'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: '"degraded": the service works, but Redis is unreachable and rate limits are not enforced' }),
  checks: Type.Optional(Type.Record(Type.String(), CheckResultSchema))
})

const NotReadySchema = Type.Object({
  ...ProblemSchema.properties,
  checks: Type.Optional(Type.Record(Type.String(), CheckResultSchema, { description: 'Each dependency checked: "store", and "redis" when REDIS_URL is set' }))
}, { title: 'Problem details with the result of each readiness check' })

async function withTimeout (promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  try {
    await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health/live', {
    config: { rateLimitPolicy: 'none' },
    schema: {
      tags: ['operations'],
      summary: 'Liveness: the process is up and serving requests',
      response: { 200: HealthSchema, ...problemResponses(500) }
    }
  }, async function live () {
    return { status: 'ok' as const }
  })

  fastify.get('/health/ready', {
    config: { rateLimitPolicy: 'none' },
    schema: {
      tags: ['operations'],
      summary: 'Readiness: 200 while the store answers; Redis, when REDIS_URL is set, is reported but does not make the instance unready',
      response: { 200: HealthSchema, ...problemResponses(500), 503: NotReadySchema }
    }
  }, async function ready (request, reply) {
    const { storage, redis } = fastify
    const [storeResult, redisResult] = await Promise.allSettled([
      withTimeout(storage.ping(), CHECK_TIMEOUT_MS),
      redis === null ? Promise.resolve() : withTimeout(redis.ping(), CHECK_TIMEOUT_MS)
    ])

    const checks: Record<string, CheckResult> = { store: 'ok' }
    const unreachable: string[] = []
    if (storeResult.status === 'rejected') {
      request.log.warn({ err: storeResult.reason, store: storage.kind }, 'readiness check failed: the store is unreachable')
      checks.store = 'failed'
      unreachable.push(`The ${storage.kind} store`)
    }
    if (redis !== null) {
      checks.redis = 'ok'
      if (redisResult.status === 'rejected') {
        request.log.warn({ err: redisResult.reason }, 'readiness check: Redis is unreachable, so rate limits are not enforced')
        checks.redis = 'failed'
        unreachable.push('Redis')
      }
    }

    // Rate limits fail open while Redis is down, so the instance can still serve. Responding with 503
    // then would make a load balancer drop every instance at once over a counter cache.
    if (checks.store === 'ok') return { status: unreachable.length === 0 ? 'ok' as const : 'degraded' as const, checks }

    return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).type('application/problem+json').send({
      type: 'about:blank',
      title: statusTitle(503),
      status: 503,
      detail: `${unreachable.join(' and ')} ${unreachable.length === 1 ? 'is' : 'are'} unreachable`,
      instance: '/health/ready',
      requestId: request.id,
      code: 'store_unavailable',
      checks
    })
  })
}

export default healthRoutes
