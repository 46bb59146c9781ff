import fastifyJwt, { type TokenOrHeader } from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { randomUUID } from 'node:crypto'
import { loadSigningKeys, type SigningKeys } from '../src/auth/keys.js'
import { PasswordHasher } from '../src/auth/passwords.js'
import { LoginThrottle } from '../src/auth/login-throttle.js'
import { RevocationCheck } from '../src/auth/revocation.js'
import { SessionService } from '../src/auth/sessions.js'
import { isId } from '../src/ids.js'
import { problem } from '../src/problems.js'

export interface AccessTokenClaims {
  sub: string
  sid: string
  jti: string
  iss: string
  aud: string
  iat: number
  exp: number
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string, sid: string, jti: string }
    user: AccessTokenClaims
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    signingKeys: SigningKeys
    /** onRequest hook: rejects the request with 401 unless it carries a valid, unrevoked access token. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    signAccessToken: (userId: string, sessionId: string) => string
    /**
     * Verifies the request's bearer token once per request and returns its claims; rejects with
     * a 401 problem. The rate limiter and authenticate share the result.
     */
    verifyAccessToken: (request: FastifyRequest) => Promise<AccessTokenClaims>
    passwords: PasswordHasher
    sessions: SessionService
    revocations: RevocationCheck
    loginThrottle: LoginThrottle
  }
}

export const ACCESS_TOKEN_TYPE = 'at+jwt'

function unauthorized (detail: string) {
  return problem(401, detail, { code: 'invalid_access_token', headers: { 'www-authenticate': 'Bearer' } })
}

async function authPlugin (fastify: FastifyInstance) {
  const { config } = fastify
  const keys = loadSigningKeys(config, fastify.log)

  await fastify.register(fastifyJwt, {
    secret: {
      private: keys.privateKeyPem,
      // The key is chosen by the token's kid among the configured verification keys only.
      public: async (_request: FastifyRequest, token: TokenOrHeader) => {
        const header = 'header' in token ? token.header : token
        const key = typeof header.kid === 'string' ? keys.publicKeyPemByKid.get(header.kid) : undefined
        if (key === undefined) throw unauthorized('The access token was signed with an unknown key')
        return key
      }
    },
    // The key callback needs the header to pick the key by kid.
    decode: { complete: true },
    sign: {
      algorithm: 'ES256',
      kid: keys.kid,
      iss: config.JWT_ISSUER,
      aud: config.JWT_AUDIENCE,
      expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
      header: { alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: keys.kid }
    },
    verify: {
      // Pinning the algorithm keeps "alg: none" and HS256-with-the-public-key forgeries out.
      algorithms: ['ES256'],
      allowedIss: config.JWT_ISSUER,
      allowedAud: config.JWT_AUDIENCE,
      checkTyp: ACCESS_TOKEN_TYPE,
      // fast-jwt reads the tolerance in milliseconds: 30 s of clock skew between instances.
      clockTolerance: 30_000,
      requiredClaims: ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'],
      // Verified tokens are cached (bounded LRU, never past their exp), so a client that sends
      // the same token many times pays for the ES256 check once.
      cache: 10_000
    }
  })

  fastify.decorate('signingKeys', keys)
  fastify.decorate('passwords', new PasswordHasher({
    memoryCost: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM
  }))
  fastify.decorate('sessions', new SessionService(fastify.storage.sessions, {
    idleTtlMs: config.REFRESH_IDLE_TTL_SECONDS * 1000,
    absoluteTtlMs: config.REFRESH_ABSOLUTE_TTL_SECONDS * 1000,
    graceMs: config.REFRESH_GRACE_SECONDS * 1000
  }))

  fastify.decorate('signAccessToken', function signAccessToken (userId: string, sessionId: string) {
    return fastify.jwt.sign({ sub: userId, sid: sessionId, jti: randomUUID() })
  })

  fastify.decorate('revocations', new RevocationCheck(fastify.storage.sessions))
  fastify.decorate('loginThrottle', new LoginThrottle(fastify.storage.loginThrottle))

  const verified = new WeakMap<FastifyRequest, Promise<AccessTokenClaims>>()

  async function verifyOnce (request: FastifyRequest): Promise<AccessTokenClaims> {
    const header = request.headers.authorization
    if (header === undefined) throw unauthorized('The Authorization header is missing; send "Authorization: Bearer <access token>"')
    // The scheme name is case-insensitive (RFC 9110); the token itself is base64url segments.
    if (!/^Bearer [A-Za-z0-9._~+/-]+=*$/i.test(header)) throw unauthorized('The Authorization header must be "Bearer <access token>"')

    let claims: AccessTokenClaims
    try {
      claims = await request.jwtVerify<AccessTokenClaims>()
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') throw unauthorized('The access token has expired; refresh it')
      throw unauthorized('The access token is invalid')
    }
    // The signature proves who issued the claims, not that their types are right. Ids reach store
    // queries, so anything but an id string is rejected, even in a correctly signed token.
    if (typeof claims.sub !== 'string' || !isId(claims.sub) || typeof claims.sid !== 'string' || !isId(claims.sid)) {
      throw unauthorized('The access token is invalid')
    }
    return claims
  }

  fastify.decorate('verifyAccessToken', function verifyAccessToken (request: FastifyRequest) {
    let result = verified.get(request)
    if (result === undefined) {
      result = verifyOnce(request)
      verified.set(request, result)
    }
    return result
  })

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    const claims = await fastify.verifyAccessToken(request)
    // A valid signature is not enough: logout, password change and reuse detection revoke the
    // session, and its access tokens must stop working before they expire.
    if (await fastify.revocations.isRevoked(claims.sid)) throw unauthorized('The session of this access token has been revoked or has expired; sign in again')
  })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['config', 'storage'], fastify: '5.x' })
