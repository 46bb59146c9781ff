import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { passwordProblem } from '../../src/auth/passwords.js'
import { problem } from '../../src/problems.js'
import { CredentialsSchema, SessionStartSchema } from '../../src/schemas/auth.js'
import { commonProblems, problemResponses } from '../../src/schemas/common.js'
import { DuplicateEmailError, type User } from '../../src/storage/types.js'

export function normalizeEmail (email: string): string {
  return email.trim().toLowerCase()
}

function invalidCredentials () {
  return problem(401, 'The email or password is incorrect', { code: 'invalid_credentials' })
}

export function presentUser (user: User) {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() }
}

const credentialsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify

  /** Starts a session for the user, sets the refresh cookie and returns the session-start body. */
  async function startSession (request: FastifyRequest, reply: FastifyReply, user: User, event: string) {
    const { session, refreshToken } = await fastify.sessions.start(user.id, {
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
      ip: request.ip
    })
    request.log.info({ userId: user.id, sessionId: session.id }, event)
    fastify.refreshCookie.set(reply, refreshToken, fastify.sessions.cookieMaxAgeSeconds(session))
    const body = {
      user: presentUser(user),
      accessToken: fastify.signAccessToken(user.id, session.id),
      tokenType: 'Bearer' as const,
      expiresIn: config.ACCESS_TOKEN_TTL_SECONDS
    }
    return { body, sessionId: session.id }
  }

  fastify.post('/register', {
    config: { rateLimitPolicy: 'register' },
    schema: {
      tags: ['auth'],
      summary: 'Create an account and sign in',
      description: `Passwords are ${config.PASSWORD_MIN_LENGTH} to 128 characters, with no composition rules; common passwords are rejected.`,
      body: CredentialsSchema,
      response: { 201: SessionStartSchema, ...problemResponses(400, 409, 413, 415), ...commonProblems }
    }
  }, async function register (request, reply) {
    const email = normalizeEmail(request.body.email)
    const weakness = passwordProblem(request.body.password, config.PASSWORD_MIN_LENGTH)
    if (weakness !== null) {
      throw problem(400, `The password ${weakness}`, { code: 'weak_password', errors: [{ field: '/body/password', message: weakness }] })
    }

    let user: User
    try {
      user = await fastify.storage.users.create({ email, passwordHash: await fastify.passwords.hash(request.body.password) })
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw problem(409, 'An account with this email already exists; sign in instead', { code: 'email_taken' })
      throw error
    }

    const { body } = await startSession(request, reply, user, 'account registered')
    return reply.code(201).send(body)
  })

  fastify.post('/login', {
    config: { rateLimitPolicy: 'login' },
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password',
      body: CredentialsSchema,
      response: { 200: SessionStartSchema, ...problemResponses(400, 401, 413, 415), ...commonProblems }
    }
  }, async function login (request, reply) {
    const email = normalizeEmail(request.body.email)

    // The backoff is claimed before the account is looked up, so a throttled response reveals nothing
    // about whether the email has an account, and a correct password does not skip the wait.
    const retryAfter = await fastify.loginThrottle.claimAttempt(email)
    if (retryAfter > 0) {
      request.log.warn({ retryAfter }, 'login throttled after repeated failures')
      throw problem(429, `Too many failed sign-ins for this account; retry in ${retryAfter} s`, { code: 'login_throttled', headers: { 'retry-after': String(retryAfter) } })
    }

    const user = await fastify.storage.users.findByEmail(email)

    // Unknown email and wrong password cost one argon2 verification each and get the same response.
    const valid = user === null
      ? await fastify.passwords.verifyDummy(request.body.password)
      : await fastify.passwords.verify(user.passwordHash, request.body.password)
    if (user === null || !valid) {
      request.log.info({ userId: user?.id ?? null }, 'login failed')
      throw invalidCredentials()
    }

    await fastify.loginThrottle.reset(email)

    let signedInUser = user
    if (fastify.passwords.needsRehash(user.passwordHash)) {
      const upgraded = await fastify.passwords.hash(request.body.password)
      if (await fastify.storage.users.updatePasswordHash(user.id, upgraded, user.passwordHash)) {
        signedInUser = { ...user, passwordHash: upgraded }
        request.log.info({ userId: user.id }, 'password hash upgraded to the current argon2 parameters')
      }
    }

    const { body, sessionId } = await startSession(request, reply, signedInUser, 'login succeeded')

    // A password change or account deletion that ran while this login checked the old password has
    // already revoked the sessions it could see, but not this one, created after it. The account is
    // read again, so either that revocation or this check catches the new session.
    const current = await fastify.storage.users.findById(user.id)
    if (current === null || current.passwordHash !== signedInUser.passwordHash) {
      await fastify.storage.sessions.revoke(sessionId, new Date())
      fastify.revocations.markRevoked(sessionId)
      fastify.refreshCookie.clear(reply)
      request.log.info({ userId: user.id, sessionId }, 'login undone: the password changed or the account was deleted meanwhile')
      throw invalidCredentials()
    }

    return reply.code(200).send(body)
  })
}

export default credentialsRoutes
