import fastifyUnderPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendProblem } from './errors.js'

// Load shedding: while the event loop lags by more than MAX_EVENT_LOOP_DELAY_MS, new requests get a
// quick 503 with Retry-After instead of queueing behind the backlog. Health routes are exempt so an
// orchestrator still finds the process alive.
const RETRY_AFTER_SECONDS = 5

async function healthPlugin (fastify: FastifyInstance) {
  await fastify.register(fastifyUnderPressure, {
    maxEventLoopDelay: fastify.config.MAX_EVENT_LOOP_DELAY_MS,
    pressureHandler: (request, reply, type, value) => {
      if (request.url.startsWith('/health/')) return
      request.log.warn({ type, value }, 'shedding load: the server is under pressure')
      reply.header('retry-after', String(RETRY_AFTER_SECONDS))
      sendProblem(request, reply, 503, 'The server is overloaded; retry later')
    }
  })
}

export default fp(healthPlugin, { name: 'health', dependencies: ['config', 'errors'], fastify: '5.x' })
