import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { problem } from '../../src/problems.js'
import { requireEmptyBody } from './empty-body.js'
import { TokenResponseSchema } from '../../src/schemas/auth.js'
import { commonProblems, problemResponses } from '../../src/schemas/common.js'


const cookieSessionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify

  function rejectRefresh (reply: FastifyReply, detail: string, code: string) {
    fastify.refreshCookie.clear(reply)
    return problem(401, detail, { code })
  }

  fastify.post('/refresh', {
    onRequest: fastify.verifyCsrf,
    preValidation: requireEmptyBody,
    config: { rateLimitPolicy: 'refresh' },
    schema: {
      tags: ['auth'],
      summary: 'Exchange the refresh cookie for a new access token and a rotated refresh cookie',
      description: 'Requires the X-Requested-With header. Presenting the refresh token that was replaced less than ' +
        `${config.REFRESH_GRACE_SECONDS} s ago returns the current one again; any older token revokes the session.`,
      security: [{ refreshCookie: [] }],
      response: { 200: TokenResponseSchema, ...problemResponses(400, 401, 403, 415), ...commonProblems }
    }
  }, async function refresh (request, reply) {
    const presented = request.cookies[fastify.refreshCookie.name]
    if (presented === undefined || presented === '') {
      throw rejectRefresh(reply, 'The refresh token cookie is missing; sign in again', 'refresh_token_missing')
    }

    const outcome = await fastify.sessions.refresh(presented)
    if (outcome.kind === 'invalid') {
      request.log.info({ reason: outcome.reason }, 'refresh rejected')
      throw rejectRefresh(reply, 'The refresh token is invalid or expired; sign in again', 'refresh_token_invalid')
    }
    if (outcome.kind === 'reuse') {
      fastify.revocations.markRevoked(outcome.session.id)
      request.log.warn({ userId: outcome.session.userId, sessionId: outcome.session.id }, 'refresh token reuse detected; session revoked')
      throw rejectRefresh(reply, 'The refresh token was already used; the session has been revoked, sign in again', 'refresh_token_reused')
    }

    const { session, refreshToken } = outcome
    // A session can outlive its account when a login races the account's deletion.
    if (await fastify.storage.users.findById(session.userId) === null) {
      await fastify.storage.sessions.revoke(session.id, new Date())
      fastify.revocations.markRevoked(session.id)
      request.log.warn({ userId: session.userId, sessionId: session.id }, 'refresh rejected: the account no longer exists; session revoked')
      throw rejectRefresh(reply, 'The account of this session no longer exists', 'refresh_token_invalid')
    }

    request.log.info({ userId: session.userId, sessionId: session.id, grace: outcome.kind === 'grace' }, 'session refreshed')
    fastify.refreshCookie.set(reply, refreshToken, fastify.sessions.cookieMaxAgeSeconds(session))
    return {
      accessToken: fastify.signAccessToken(session.userId, session.id),
      tokenType: 'Bearer' as const,
      expiresIn: config.ACCESS_TOKEN_TTL_SECONDS
    }
  })

  fastify.post('/logout', {
    onRequest: fastify.verifyCsrf,
    preValidation: requireEmptyBody,
    schema: {
      tags: ['auth'],
      summary: 'Revoke the session of the refresh cookie and clear the cookie',
      description: 'Idempotent: without a cookie, or with one that is no longer valid, it still responds with 204.',
      security: [{ refreshCookie: [] }],
      response: { 204: { type: 'null', description: 'Signed out' }, ...problemResponses(400, 403, 415), ...commonProblems }
    }
  }, async function logout (request, reply) {
    const presented = request.cookies[fastify.refreshCookie.name]
    const session = presented === undefined ? null : await fastify.sessions.findSessionByToken(presented)
    if (session !== null && await fastify.storage.sessions.revoke(session.id, new Date())) {
      fastify.revocations.markRevoked(session.id)
      request.log.info({ userId: session.userId, sessionId: session.id }, 'logged out')
    }

    fastify.refreshCookie.clear(reply)
    return reply.code(204).send()
  })
}

export default cookieSessionRoutes
