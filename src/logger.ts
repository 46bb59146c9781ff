import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import type { Config } from './config.js'

// Secrets never reach the log: credentials travel in these headers and body fields, and tokens in
// the response. Request bodies are not logged at all; the body paths guard custom log calls.
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  'body.password',
  'body.currentPassword',
  'body.newPassword'
]

// Tokens do not belong in URLs, but a client may put one there; the logged URL never shows it.
const sensitiveParameter = /token|password|secret|code|key/i

export function redactUrl (url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1) return url
  const parameters = new URLSearchParams(url.slice(queryStart + 1))
  for (const name of new Set(parameters.keys())) {
    if (sensitiveParameter.test(name)) parameters.set(name, '[redacted]')
  }
  return `${url.slice(0, queryStart)}?${parameters.toString()}`
}

interface LoggedRequest {
  method: string
  url: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

const serializers = {
  req (request: LoggedRequest) {
    return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort }
  }
}

export function loggerOptions (config: Config, stream?: DestinationStream): FastifyServerOptions['logger'] {
  const base = {
    level: config.LOG_LEVEL,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers
  }
  if (stream !== undefined) return { ...base, stream }

  // Pretty output only for a person at a terminal in development; everything else gets JSON lines.
  if (process.stdout.isTTY && config.NODE_ENV === 'development') {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
  }
  return base
}
