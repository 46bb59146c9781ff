import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ProblemError, statusTitle } from '../src/problems.js'
import { isStoreUnavailableError } from '../src/storage/unavailable.js'

const MAX_LISTED_ERRORS = 20

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
  // The pattern itself would mean little to the client; the OpenAPI document describes the rule.
  if (issue.keyword === 'pattern') return 'has an invalid format'
  if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) return `must be one of: ${issue.params.allowedValues.join(', ')}`
  return issue.message ?? 'is invalid'
}

// A nullable field that fails reports three issues: its own, "must be null" and "must match a
// schema in anyOf". Only the first names the problem.
function isNullableNoise (issue: ValidationIssue): boolean {
  return issue.keyword === 'anyOf' || (issue.keyword === 'type' && issue.params.type === 'null')
}

// A path longer than this is not echoed: it is usually the malformed part of the request.
const MAX_ECHOED_PATH_LENGTH = 512

function instanceOf (request: FastifyRequest): { instance?: string } {
  const path = request.url.split('?')[0] ?? ''
  return path.length > MAX_ECHOED_PATH_LENGTH ? {} : { instance: path }
}

/** Converts a route path (":id" parameters, a trailing "*" wildcard) into a regular expression. */
function routePattern (url: string): RegExp {
  const source = url
    .replace(/\/$/, '')
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+'
      if (segment === '*') return '.*'
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${source}/?$`)
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
      ...instanceOf(request),
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
      const reported = error.validation as ValidationIssue[]
      const meaningful = reported.filter((issue) => !isNullableNoise(issue))
      const issues = meaningful.length > 0 ? meaningful : reported
      // An array of thousands of bad items yields an issue each. The response stays small because
      // it lists the first MAX_LISTED_ERRORS, which is enough to fix the request.
      const errors = issues.slice(0, MAX_LISTED_ERRORS).map((issue) => ({ field: fieldOf(part, issue), message: messageOf(issue) }))
      const fields = [...new Set(errors.map((entry) => entry.field))].join(', ')
      const more = issues.length > MAX_LISTED_ERRORS ? ` and ${issues.length - MAX_LISTED_ERRORS} more` : ''
      return sendProblem(request, reply, 400, `The request is invalid: ${fields}${more}`, { code: 'validation_failed', errors })
    }

    if (isStoreUnavailableError(error)) {
      request.log.warn({ err: error }, 'request failed: the store is unreachable')
      reply.header('retry-after', '5')
      return sendProblem(request, reply, 503, 'The data store is unreachable; retry shortly', { code: 'store_unavailable' })
    }

    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return sendProblem(request, reply, status, clientErrorDetails[error.code] ?? error.message)
    }

    // Server errors keep their details in the log; the client gets only the request id to quote.
    request.log.error({ err: error }, 'request failed')
    const shownStatus = status === 503 ? 503 : 500
    return sendProblem(request, reply, shownStatus, `An unexpected error occurred; quote request id ${request.id} when reporting it`)
  })

  // Route paths with their methods, so a known path with another method gets 405 and an Allow
  // header (RFC 9110) instead of 404.
  const routes: Array<{ pattern: RegExp, method: string }> = []
  fastify.addHook('onRoute', (route) => {
    const pattern = routePattern(route.url)
    // The CORS preflight route handles OPTIONS on every path, so an OPTIONS route says nothing about a path.
    for (const method of [route.method].flat()) {
      if (method !== 'OPTIONS') routes.push({ pattern, method })
    }
  })

  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    const { instance } = instanceOf(request)
    const path = request.url.split('?')[0] ?? ''
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))]
    if (instance !== undefined && allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(request, reply, 405, `${request.method} is not allowed on ${instance}; use ${allowed.join(' or ')}`)
    }
    return sendProblem(request, reply, 404, instance === undefined ? `No route matches this ${request.method} request` : `No route matches ${request.method} ${instance}`)
  })
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' })
