import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import cookieSessionRoutes from './cookie-session.js'
import credentialsRoutes from './credentials.js'

const authRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  await fastify.register(credentialsRoutes)
  await fastify.register(cookieSessionRoutes)
}

export default authRoutes
