import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { DestinationStream } from 'pino'
import authPlugin from '../plugins/auth.js'
import configPlugin from '../plugins/config.js'
import cookiesPlugin from '../plugins/cookies.js'
import csrfPlugin from '../plugins/csrf.js'
import errorsPlugin from '../plugins/errors.js'
import healthPlugin from '../plugins/health.js'
import openapiPlugin from '../plugins/openapi.js'
import rateLimitPlugin from '../plugins/rate-limit.js'
import redisPlugin from '../plugins/redis.js'
import securityPlugin from '../plugins/security.js'
import storagePlugin from '../plugins/storage.js'
import authRoutes from '../routes/auth/index.js'
import healthRoutes from '../routes/health.js'
import taskRoutes from '../routes/tasks.js'
import userRoutes from '../routes/users.js'
import wellKnownRoutes from '../routes/well-known.js'
import { listOf, type Config } from './config.js'
import { clientErrorHandler, frameworkErrors } from './http/framework-errors.js'
import { registerJsonBodyParser } from './http/json-body.js'
import { buildValidatorCompiler } from './http/validation.js'
import { problem } from './problems.js'
import { loggerOptions } from './logger.js'
import { ProblemSchema } from './schemas/common.js'
import { SessionStartSchema, TokenResponseSchema, UserSchema } from './schemas/auth.js'
import { SessionSchema } from './schemas/sessions.js'

export interface BuildOptions {
  /** Destination of the JSON log lines instead of stdout; tests read them from here. */
  logStream?: DestinationStream
}

// A client-supplied request id is echoed only when it cannot break a log line or a header.
const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/

/** Builds the whole service from a config object. The server entry point and the tests both use it. */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const trustedProxies = listOf(config.TRUST_PROXY)
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    trustProxy: trustedProxies.length === 0 ? false : trustedProxies,
    // "/v1/tasks" and "/v1/tasks/" reach the same route; the OpenAPI document lists the first.
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId (request) {
      const header = request.headers['x-request-id']
      return typeof header === 'string' && saneRequestId.test(header) ? header : randomUUID()
    },
    frameworkErrors,
    clientErrorHandler,
    schemaController: {
      compilersFactory: { buildValidator: buildValidatorCompiler }
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Only JSON is accepted anywhere; dropping the text/plain parser means a cross-site HTML form
  // cannot reach a route at all (it gets 415).
  app.removeContentTypeParser('text/plain')
  registerJsonBodyParser(app)

  // Bodies are read as sent; a compressed body would reach the JSON parser as bytes it cannot read.
  app.addHook('onRequest', async (request) => {
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      throw problem(415, `Content-Encoding ${encoding} is not supported; send the body uncompressed`, { code: 'unsupported_content_encoding' })
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  // During shutdown, responses to requests already in flight close their connection. Otherwise a
  // keep-alive client keeps the server open until the keep-alive timeout, past SHUTDOWN_TIMEOUT_MS.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })

  for (const schema of [ProblemSchema, UserSchema, TokenResponseSchema, SessionStartSchema, SessionSchema]) app.addSchema(schema)

  try {
    await app.register(configPlugin, { config })
    await app.register(errorsPlugin)
    await app.register(storagePlugin)
    await app.register(authPlugin)
    await app.register(cookiesPlugin)
    await app.register(csrfPlugin)
    await app.register(securityPlugin)
    await app.register(redisPlugin)
    await app.register(rateLimitPlugin)
    await app.register(healthPlugin)
    await app.register(openapiPlugin)

    await app.register(healthRoutes)
    await app.register(wellKnownRoutes)
    await app.register(authRoutes, { prefix: '/v1/auth' })
    await app.register(userRoutes, { prefix: '/v1/users' })
    await app.register(taskRoutes, { prefix: '/v1/tasks' })
  } catch (error) {
    // A plugin that failed (Redis unreachable, say) leaves the ones before it open: the MongoDB
    // client's sockets would keep the process alive after the error.
    await app.close().catch(() => undefined)
    throw error
  }

  return app
}
