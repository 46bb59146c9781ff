import type { FastifyInstance } from 'fastify'
import { isUtf8 } from 'node:buffer'
import secureJson from 'secure-json-parse'
import { problem } from '../problems.js'

// Fastify's JSON parser decodes the body as UTF-8 and replaces invalid bytes with U+FFFD, and
// JSON's \ud800-style escapes can produce unpaired surrogates, which SQLite and MongoDB then store
// as U+FFFD too. Either way the stored text would differ from what the client sent and from the
// response it got, so such bodies are rejected instead.

function findMalformedString (value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : path
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findMalformedString(item, `${path}/${index}`)
      if (found !== null) return found
    }
    return null
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = key.isWellFormed() ? findMalformedString(item, `${path}/${key}`) : `${path}/${key}`
      if (found !== null) return found
    }
  }
  return null
}

function parseBody (buffer: Buffer): unknown {
  if (buffer.length === 0) {
    throw problem(400, 'The body is empty but Content-Type is application/json; send a JSON value or drop the header', { code: 'invalid_json' })
  }
  if (!isUtf8(buffer)) throw problem(400, 'The body is not valid UTF-8', { code: 'invalid_json' })

  let value: unknown
  try {
    // secure-json-parse is the parser Fastify itself uses; 'error' rejects __proto__ and
    // constructor.prototype keys, which could pollute prototypes further down.
    value = secureJson.parse(buffer.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (error) {
    if (error instanceof SyntaxError && /prototype/i.test(error.message)) {
      throw problem(400, 'The body contains a __proto__ or constructor.prototype key, which is not allowed', { code: 'invalid_json' })
    }
    throw problem(400, 'The body is not valid JSON', { code: 'invalid_json' })
  }

  const malformed = findMalformedString(value, '/body')
  if (malformed !== null) {
    throw problem(400, `The body contains an unpaired UTF-16 surrogate at ${malformed}`, { code: 'invalid_json', errors: [{ field: malformed, message: 'contains an unpaired surrogate' }] })
  }
  return value
}

/** Replaces the JSON body parser with one that also rejects invalid UTF-8 and unpaired surrogates. */
export function registerJsonBodyParser (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, function parseJsonBody (_request, body, done) {
    try {
      done(null, parseBody(body as Buffer))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
}
