import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { UserSchema } from '../src/schemas/auth.js'
import { commonProblems, problemResponses } from '../src/schemas/common.js'
import { DeleteAccountBodySchema } from '../src/schemas/sessions.js'
import { presentUser } from './auth/credentials.js'
import { currentUser, requirePassword } from './auth/password-check.js'

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
    return presentUser(await currentUser(fastify, request))
  })

  fastify.delete('/me', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['users'],
      summary: 'Delete the account with its sessions and tasks',
      description: 'Requires the password. Afterwards the email can register again.',
      security: [{ bearerAuth: [] }],
      body: DeleteAccountBodySchema,
      response: { 204: Type.Null({ description: 'Account deleted' }), ...problemResponses(400, 401, 413, 415), ...commonProblems }
    }
  }, async function deleteMe (request, reply) {
    const user = await currentUser(fastify, request)
    await requirePassword(fastify, request, user, request.body.password, '/body/password')

    for (const session of await fastify.storage.sessions.listActiveForUser(user.id, new Date())) {
      fastify.revocations.markRevoked(session.id)
    }
    // The user goes first: a login racing this deletion then finds no account when it reads the
    // account again after creating its session, and undoes that session. Sessions and tasks follow.
    // NOTE: a failure after the user is deleted leaves sessions and tasks without an owner. The
    // sessions cannot refresh, because refresh checks the user, and their access tokens expire
    // within the access-token lifetime. The tasks stay until removed by hand.
    await fastify.storage.users.delete(user.id)
    const sessions = await fastify.storage.sessions.deleteAllForUser(user.id)
    const tasks = await fastify.storage.tasks.deleteAllForOwner(user.id)
    request.log.info({ userId: user.id, sessionId: request.user.sid, tasks, sessions }, 'account deleted')

    fastify.refreshCookie.clear(reply)
    return reply.code(204).send(null)
  })
}

export default userRoutes
