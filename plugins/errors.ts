import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ProblemError, statusTitle } from '../src/problems.js'

interface ValidationIssue {
  instancePath: string
  message?: string
  keyword: string
  params: Record<string, unknown>
}

// Fastify's own client errors, by code, with the status they deserve. Everything with a 4xx
// statusCode is passed through; these need a clearer message than the default.
const clientErrorDetails: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The Content-Type is not supported; send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty but Content-Type is application/json; send a JSON value or drop the header',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body'
}

function fieldOf (part: string, issue: ValidationIssue): string {
  const extra = issue.params.missingProperty ?? issue.params.additionalProperty
  const suffix = typeof extra === 'string' ? `/${extra}` : ''
  return `/${part}${issue.instancePath}${suffix}`
}

function messageOf (issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not an allowed property'
  if (issue.keyword === 'required') return 'is required'
  return issue.message ?? 'is invalid'
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, status: number, detail: string, extras: Partial<{ code: string, errors: Array<{ field: string, message: string }> }> = {}) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: statusTitle(status),
      status,
      detail,
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...extras
    })
}

async function errorsPlugin (fastify: FastifyInstance) {
  fastify.setErrorHandler(function handleError (error: FastifyError | ProblemError, request, reply) {
    if (error instanceof ProblemError) {
      reply.headers(error.headers)
      return sendProblem(request, reply, error.statusCode, error.message, {
        ...(error.code === undefined ? {} : { code: error.code }),
        ...(error.errors === undefined ? {} : { errors: error.errors })
      })
    }

    if (error.validation !== undefined) {
      const part = error.validationContext ?? 'body'
      const errors = (error.validation as ValidationIssue[]).map((issue) => ({ field: fieldOf(part, issue), message: messageOf(issue) }))
      const fields = [...new Set(errors.map((entry) => entry.field))].join(', ')
      return sendProblem(request, reply, 400, `The request is invalid: ${fields}`, { code: 'validation_failed', errors })
    }

    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        return sendProblem(request, reply, 400, 'The body is not valid JSON', { code: 'invalid_json' })
      }
      return sendProblem(request, reply, status, clientErrorDetails[error.code] ?? error.message)
    }

    // Server errors keep their details in the log; the client gets only the request id to quote.
    request.log.error({ err: error }, 'request failed')
    const shownStatus = status === 503 ? 503 : 500
    return sendProblem(request, reply, shownStatus, `An unexpected error occurred; quote request id ${request.id} when reporting it`)
  })

  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    return sendProblem(request, reply, 404, `No route matches ${request.method} ${request.url.split('?')[0]}`)
  })
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' })
