import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { packageVersion } from '../src/package-info.js'

async function openapiPlugin (fastify: FastifyInstance) {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Task service',
        version: packageVersion,
        description: 'Email/password accounts with short-lived access tokens, a rotating refresh-token cookie, and per-user tasks. Errors are application/problem+json (RFC 9457).'
      },
      tags: [
        { name: 'auth', description: 'Accounts, sign-in and refresh-token sessions' },
        { name: 'users', description: 'The signed-in user' },
        { name: 'tasks', description: 'The signed-in user\'s tasks' },
        { name: 'operations', description: 'Health and key discovery' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          refreshCookie: { type: 'apiKey', in: 'cookie', name: fastify.config.COOKIE_NAME }
        }
      }
    },
    // Shared schemas keep their $id as the component name, so generated clients get named types.
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, index) {
        return typeof json.$id === 'string' ? json.$id : `def-${index}`
      }
    }
  })

  await fastify.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // The same reason as in the security plugin: the page must load its scripts over plain http too.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, '')
  })

  fastify.get('/openapi.json', {
    schema: { hide: true }
  }, async function getOpenapiDocument () {
    return fastify.swagger()
  })
}

export default fp(openapiPlugin, { name: 'openapi', dependencies: ['config'], fastify: '5.x' })
