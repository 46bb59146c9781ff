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

export function loggerOptions (config: Config, stream?: DestinationStream): FastifyServerOptions['logger'] {
  const base = {
    level: config.LOG_LEVEL,
    redact: { paths: redactPaths, censor: '[redacted]' }
  }
  if (stream !== undefined) return { ...base, stream }

  // Pretty output only for a person at a terminal in development; everything else gets JSON lines.
  if (process.stdout.isTTY && config.NODE_ENV === 'development') {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
  }
  return base
}
