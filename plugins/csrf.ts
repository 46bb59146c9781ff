import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { listOf } from '../src/config.js'
import { problem } from '../src/problems.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook for cookie-authenticated routes. A cross-site form or fetch cannot set
     * X-Requested-With without a CORS preflight, which only the configured origins pass, and the
     * Origin and Sec-Fetch-Site checks reject what a browser marks as coming from another site.
     */
    verifyCsrf: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

const sameSiteValues = new Set(['same-origin', 'same-site', 'none'])

async function csrfPlugin (fastify: FastifyInstance) {
  const allowedOrigins = new Set(listOf(fastify.config.CORS_ORIGINS))

  fastify.decorate('verifyCsrf', async function verifyCsrf (request: FastifyRequest) {
    if (request.headers['x-requested-with'] === undefined) {
      throw problem(403, 'The X-Requested-With header is required on this cookie-authenticated request', { code: 'csrf_header_missing' })
    }
    // Browsers send exactly one of these values. Anything else, including two headers that Node
    // joined into one, is treated as cross-site.
    const fetchSite = request.headers['sec-fetch-site']
    if (fetchSite !== undefined && !sameSiteValues.has(fetchSite)) {
      throw problem(403, 'Cross-site requests may not use the refresh cookie', { code: 'csrf_cross_site' })
    }
    const origin = request.headers.origin
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      throw problem(403, `The origin ${origin} is not allowed; add it to CORS_ORIGINS`, { code: 'csrf_origin_rejected' })
    }
  })
}

export default fp(csrfPlugin, { name: 'csrf', dependencies: ['config'], fastify: '5.x' })
