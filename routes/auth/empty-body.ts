import type { FastifyRequest } from 'fastify'
import { problem } from '../../src/problems.js'

/**
 * Rejects any body but none or {} on routes that take no input. A JSON schema cannot accept "no
 * body", which browsers and most clients send, so the check is a preValidation hook. Ignoring a body
 * instead could let a client believe an option it sent was applied.
 */
export async function requireEmptyBody (request: FastifyRequest): Promise<void> {
  const { body } = request
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)
  if (!empty) throw problem(400, 'This endpoint takes no body; send none or {}', { code: 'validation_failed', errors: [{ field: '/body', message: 'must be empty' }] })
}
