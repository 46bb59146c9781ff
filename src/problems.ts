// Problem details (RFC 9457). Route code throws a ProblemError; the error handler in plugins/errors.ts
// renders it, and renders every other error the same way.

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

export function statusTitle (status: number): string {
  return titles[status] ?? (status >= 500 ? 'Server Error' : 'Client Error')
}

export interface ProblemExtras {
  /** A short machine-readable code, stable across releases, for clients to branch on. */
  code?: string
  errors?: Array<{ field: string, message: string }>
  headers?: Record<string, string>
}

export class ProblemError extends Error {
  readonly statusCode: number
  readonly code: string | undefined
  readonly errors: ProblemExtras['errors']
  readonly headers: Record<string, string>

  constructor (statusCode: number, detail: string, extras: ProblemExtras = {}) {
    super(detail)
    this.name = 'ProblemError'
    this.statusCode = statusCode
    this.code = extras.code
    this.errors = extras.errors
    this.headers = extras.headers ?? {}
  }
}

export function problem (statusCode: number, detail: string, extras?: ProblemExtras): ProblemError {
  return new ProblemError(statusCode, detail, extras)
}
