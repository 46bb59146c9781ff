import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { problem } from '../src/problems.js'
import { UserSchema } from '../src/schemas/auth.js'
import { commonProblems, problemResponses } from '../src/schemas/common.js'
import { presentUser } from './auth/credentials.js'

const userRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/me', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['users'],
      summary: 'The signed-in user',
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Ref(UserSchema), ...problemResponses(401), ...commonProblems }
    }
  }, async function getMe (request) {
    const user = await fastify.storage.users.findById(request.user.sub)
    if (user === null) throw problem(401, 'The account of this access token no longer exists', { code: 'invalid_access_token' })
    return presentUser(user)
  })
}

export default userRoutes
