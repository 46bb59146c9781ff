import { Type, type TSchema } from '@sinclair/typebox'

// Schemas shared by several routes. The ones with an $id are registered once with addSchema, so the
// OpenAPI document shows them as named components and routes refer to them with Type.Ref.

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'A URI reference naming the problem type; "about:blank" for plain HTTP errors' }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String({ description: 'The request path' })),
  code: Type.Optional(Type.String({ description: 'A stable machine-readable code' })),
  requestId: Type.Optional(Type.String({ description: 'The X-Request-Id of the failed request' })),
  errors: Type.Optional(Type.Array(Type.Object({
    field: Type.String({ description: 'JSON pointer to the invalid value, such as /body/title' }),
    message: Type.String()
  })))
}, { $id: 'Problem', title: 'Problem details (RFC 9457)' })

export const ObjectIdSchema = Type.String({ pattern: '^[0-9a-f]{24}$', description: '24 lowercase hex characters', examples: ['65f1c2a4e13b9a0012345678'] })

export const DateTimeSchema = Type.String({ format: 'date-time' })

export const IdParamsSchema = Type.Object({ id: ObjectIdSchema }, { additionalProperties: false })

const problemRef = Type.Ref(ProblemSchema)

/** Response schemas for the given error statuses, all of them problem details. */
export function problemResponses<S extends number> (...statuses: S[]): Record<S, typeof problemRef> {
  const responses = {} as Record<S, typeof problemRef>
  for (const status of statuses) responses[status] = problemRef
  return responses
}

/** Every route may respond with these: rate limited, and server errors masked to the request id. */
export const commonProblems = problemResponses(429, 500, 503)

export function nullable<T extends TSchema> (schema: T) {
  return Type.Union([schema, Type.Null()])
}
