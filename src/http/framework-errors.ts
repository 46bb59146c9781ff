import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { sendProblem } from '../../plugins/errors.js'

const frameworkDetails: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than any valid id'
}

/**
 * Renders errors Fastify raises before routing (a malformed URL, an over-long path parameter) as
 * problem details, like every other error. The URL is not echoed: it is what was malformed.
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400
  void sendProblem(request, reply, status, frameworkDetails[error.code] ?? 'The request could not be routed')
}

/**
 * Responds to requests that Node's HTTP parser rejects (malformed framing, headers too large, a
 * request that took too long) with problem details, then closes the connection. There is no
 * request object yet, so no request id.
 */
export function clientErrorHandler (error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no client left to respond to.
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return

  let status = 400
  let detail = 'The request is not valid HTTP'
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431
    detail = 'The request headers are larger than the server accepts'
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408
    detail = 'The request was not received in time'
  }
  const title = STATUS_CODES[status] as string
  const body = JSON.stringify({ type: 'about:blank', title, status, detail })
  socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}
