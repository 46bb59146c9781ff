import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { passwordProblem } from '../../src/auth/passwords.js'
import { problem } from '../../src/problems.js'
import { commonProblems, problemResponses } from '../../src/schemas/common.js'
import { ChangePasswordBodySchema } from '../../src/schemas/sessions.js'
import { currentUser, requirePassword } from './password-check.js'

const passwordRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify

  fastify.post('/password', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['auth'],
      summary: 'Change the password; every other session is revoked',
      description: 'The session making the request stays signed in. A wrong current password is 401 with code invalid_credentials.',
      security: [{ bearerAuth: [] }],
      body: ChangePasswordBodySchema,
      response: { 204: Type.Null({ description: 'Password changed' }), ...problemResponses(400, 401, 409, 413, 415), ...commonProblems }
    }
  }, async function changePassword (request, reply) {
    const user = await currentUser(fastify, request)
    const weakness = passwordProblem(request.body.newPassword, config.PASSWORD_MIN_LENGTH)
    if (weakness !== null) {
      throw problem(400, `The new password ${weakness}`, { code: 'weak_password', errors: [{ field: '/body/newPassword', message: weakness }] })
    }
    await requirePassword(fastify, request, user, request.body.currentPassword, '/body/currentPassword')

    // Conditional on the hash that was verified: of two concurrent changes only one applies, and the
    // other caller learns that its new password was not saved.
    const changed = await fastify.storage.users.updatePasswordHash(user.id, await fastify.passwords.hash(request.body.newPassword), user.passwordHash)
    if (!changed) {
      throw problem(409, 'The password was changed by another request meanwhile; sign in with the current password and try again', { code: 'password_changed_concurrently' })
    }

    const now = new Date()
    for (const session of await fastify.storage.sessions.listActiveForUser(user.id, now)) {
      if (session.id !== request.user.sid) fastify.revocations.markRevoked(session.id)
    }
    const revoked = await fastify.storage.sessions.revokeAllForUser(user.id, now, request.user.sid)
    request.log.info({ userId: user.id, sessionId: request.user.sid, revokedSessions: revoked }, 'password changed')

    return reply.code(204).send(null)
  })
}

export default passwordRoutes
