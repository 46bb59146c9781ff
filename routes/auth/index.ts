import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import cookieSessionRoutes from './cookie-session.js'
import credentialsRoutes from './credentials.js'
import passwordRoutes from './password.js'
import sessionRoutes from './sessions.js'

const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  await fastify.register(credentialsRoutes)
  await fastify.register(cookieSessionRoutes)
  await fastify.register(sessionRoutes)
  await fastify.register(passwordRoutes)
}

export default authRoutes
