import type { FastifyInstance, FastifyRequest } from 'fastify'
import { problem } from '../../src/problems.js'
import type { User } from '../../src/storage/types.js'

/**
 * Checks the password of a signed-in user before a sensitive change. It shares the login backoff
 * for the account, so a stolen access token cannot be used to guess the password faster than a
 * sign-in could.
 */
export async function requirePassword (fastify: FastifyInstance, request: FastifyRequest, user: User, password: string, field: string): Promise<void> {
  const retryAfter = await fastify.loginThrottle.claimAttempt(user.email)
  if (retryAfter > 0) {
    request.log.warn({ userId: user.id, retryAfter }, 'password check throttled after repeated failures')
    throw problem(429, `Too many failed password checks for this account; retry in ${retryAfter} s`, { code: 'login_throttled', headers: { 'retry-after': String(retryAfter) } })
  }

  if (!await fastify.passwords.verify(user.passwordHash, password)) {
    request.log.info({ userId: user.id, sessionId: request.user.sid }, 'password check failed')
    throw problem(401, 'The password is incorrect', { code: 'invalid_credentials', errors: [{ field, message: 'is incorrect' }] })
  }
  await fastify.loginThrottle.reset(user.email)
}

/** Loads the user of the request's access token, and rejects with 401 when the account is gone. */
export async function currentUser (fastify: FastifyInstance, request: FastifyRequest): Promise<User> {
  const user = await fastify.storage.users.findById(request.user.sub)
  if (user === null) throw problem(401, 'The account of this access token no longer exists', { code: 'invalid_access_token', headers: { 'www-authenticate': 'Bearer' } })
  return user
}
