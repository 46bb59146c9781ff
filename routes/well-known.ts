import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { commonProblems } from '../src/schemas/common.js'

const JwkSchema = Type.Object({
  kty: Type.Literal('EC'),
  crv: Type.Literal('P-256'),
  x: Type.String(),
  y: Type.String(),
  kid: Type.String(),
  alg: Type.Literal('ES256'),
  use: Type.Literal('sig')
})

const wellKnownRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/.well-known/jwks.json', {
    schema: {
      tags: ['operations'],
      summary: 'Public keys that verify access tokens (JSON Web Key Set)',
      response: { 200: Type.Object({ keys: Type.Array(JwkSchema) }), ...commonProblems }
    }
  }, async function getJwks (_request, reply) {
    // Verifiers may cache the set briefly; a rotation publishes the new key before it signs.
    reply.header('cache-control', 'public, max-age=300')
    return fastify.signingKeys.jwks
  })
}

export default wellKnownRoutes
