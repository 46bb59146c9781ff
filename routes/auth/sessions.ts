import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { problem } from '../../src/problems.js'
import { requireEmptyBody } from './empty-body.js'
import { commonProblems, IdParamsSchema, problemResponses } from '../../src/schemas/common.js'
import { SessionListSchema } from '../../src/schemas/sessions.js'

const NoContent = Type.Null({ description: 'Done' })

const sessionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/sessions', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['auth'],
      summary: 'The signed-in user\'s active sessions, newest first',
      security: [{ bearerAuth: [] }],
      response: { 200: SessionListSchema, ...problemResponses(401), ...commonProblems }
    }
  }, async function listSessions (request) {
    const sessions = await fastify.storage.sessions.listActiveForUser(request.user.sub, new Date())
    return {
      items: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        userAgent: session.userAgent,
        ip: session.ip,
        current: session.id === request.user.sid
      }))
    }
  })

  fastify.delete('/sessions/:id', {
    onRequest: fastify.authenticate,
    preValidation: requireEmptyBody,
    schema: {
      tags: ['auth'],
      summary: 'Revoke one of the signed-in user\'s sessions',
      description: 'Another user\'s session is 404, exactly like a missing one. Revoking the current session also clears the refresh cookie.',
      security: [{ bearerAuth: [] }],
      params: IdParamsSchema,
      response: { 204: NoContent, ...problemResponses(400, 401, 404, 415), ...commonProblems }
    }
  }, async function deleteSession (request, reply) {
    const session = await fastify.storage.sessions.findById(request.params.id)
    const live = session !== null && session.userId === request.user.sub && session.revokedAt === null && session.expiresAt > new Date()
    if (!live) throw problem(404, `No active session ${request.params.id}`, { code: 'session_not_found' })

    await fastify.storage.sessions.revoke(session.id, new Date())
    fastify.revocations.markRevoked(session.id)
    request.log.info({ userId: session.userId, sessionId: session.id, bySessionId: request.user.sid }, 'session revoked')

    if (session.id === request.user.sid) fastify.refreshCookie.clear(reply)
    return reply.code(204).send(null)
  })

  fastify.post('/logout-all', {
    onRequest: fastify.authenticate,
    preValidation: requireEmptyBody,
    schema: {
      tags: ['auth'],
      summary: 'Revoke every session of the signed-in user, this one included',
      description: 'Takes no body, or {}.',
      security: [{ bearerAuth: [] }],
      response: { 204: NoContent, ...problemResponses(400, 401, 415), ...commonProblems }
    }
  }, async function logoutAll (request, reply) {
    const now = new Date()
    for (const session of await fastify.storage.sessions.listActiveForUser(request.user.sub, now)) {
      fastify.revocations.markRevoked(session.id)
    }
    const revoked = await fastify.storage.sessions.revokeAllForUser(request.user.sub, now)
    fastify.revocations.markRevoked(request.user.sid)
    request.log.info({ userId: request.user.sub, sessionId: request.user.sid, revoked }, 'logged out of every session')

    fastify.refreshCookie.clear(reply)
    return reply.code(204).send(null)
  })
}

export default sessionRoutes
