import { Type } from '@sinclair/typebox'
import { PasswordSchema } from './auth.js'
import { DateTimeSchema, ObjectIdSchema, nullable } from './common.js'

export const SessionSchema = Type.Object({
  id: ObjectIdSchema,
  createdAt: DateTimeSchema,
  lastUsedAt: DateTimeSchema,
  expiresAt: Type.String({ format: 'date-time', description: 'The earlier of the idle and the absolute expiry' }),
  userAgent: nullable(Type.String()),
  ip: nullable(Type.String()),
  current: Type.Boolean({ description: 'True for the session of the access token making this request' })
}, { $id: 'Session', additionalProperties: false })

export const SessionListSchema = Type.Object({
  items: Type.Array(Type.Ref(SessionSchema))
})

export const ChangePasswordBodySchema = Type.Object({
  currentPassword: PasswordSchema,
  newPassword: PasswordSchema
}, { additionalProperties: false })

export const DeleteAccountBodySchema = Type.Object({
  password: PasswordSchema
}, { additionalProperties: false })
