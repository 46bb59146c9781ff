import fastifyCors from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { listOf } from '../src/config.js'

async function securityPlugin (fastify: FastifyInstance) {
  const origins = listOf(fastify.config.CORS_ORIGINS)

  // The docs page is the only HTML; its CSP comes from the docs plugin, so helmet's default CSP
  // applies to everything else.
  // upgrade-insecure-requests would send the docs page's own scripts to https:// when it is served
  // over plain http (development, or TLS ended at a proxy), and HSTS already covers production.
  await fastify.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }
  })

  await fastify.register(fastifyCors, {
    // An empty list turns CORS off: no Access-Control-* headers, so browsers allow same-origin only.
    origin: origins.length === 0 ? false : origins,
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Requested-With', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Location', 'Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    maxAge: 600
  })

  // Responses carry account data or tokens, so no shared or browser cache may keep them unless a
  // route sets its own Cache-Control.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}

export default fp(securityPlugin, { name: 'security', dependencies: ['config'], fastify: '5.x' })
