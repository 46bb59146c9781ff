import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { problem } from '../src/problems.js'
import { problemResponses } from '../src/schemas/common.js'

// A readiness probe must answer before the load balancer's own timeout, so a hung store counts as down.
const STORE_PING_TIMEOUT_MS = 2000

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Optional(Type.Record(Type.String(), Type.Literal('ok')))
})

async function withTimeout (promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
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
      summary: 'Readiness: the store answers',
      response: { 200: HealthSchema, ...problemResponses(500, 503) }
    }
  }, async function ready (request) {
    try {
      await withTimeout(fastify.storage.ping(), STORE_PING_TIMEOUT_MS)
    } catch (error) {
      request.log.warn({ err: error, store: fastify.storage.kind }, 'readiness check failed: the store is unreachable')
      throw problem(503, `The ${fastify.storage.kind} store is unreachable`, { code: 'store_unavailable', headers: { 'retry-after': '5' } })
    }
    return { status: 'ok' as const, checks: { store: 'ok' as const } }
  })
}

export default healthRoutes
