import { Type } from '@sinclair/typebox'
import { DateTimeSchema, ObjectIdSchema } from './common.js'

// Emails are trimmed and lower-cased by the handler, so the pattern allows surrounding white space.
// 254 characters is the longest address SMTP can deliver to. Control and format characters
// (Unicode category C: NUL, zero-width spaces, direction overrides) are rejected, because they make
// two addresses that look the same differ.
export const EmailSchema = Type.String({
  maxLength: 254,
  pattern: '^\\s*[^\\s@\\p{C}]{1,64}@[^\\s@\\p{C}]+\\.[^\\s@\\p{C}]+\\s*$',
  description: 'An email address of at most 254 characters; surrounding white space is removed and letters are lower-cased',
  examples: ['ada@example.com']
})

// The handler applies the length and common-password rules after NFC normalisation, so it can
// report which rule failed. The schema only bounds what is hashed.
export const PasswordSchema = Type.String({ minLength: 1, maxLength: 1024, examples: ['correct horse battery staple'] })

export const CredentialsSchema = Type.Object({
  email: EmailSchema,
  password: PasswordSchema
}, { additionalProperties: false })

export const UserSchema = Type.Object({
  id: ObjectIdSchema,
  email: Type.String(),
  createdAt: DateTimeSchema
}, { $id: 'User', additionalProperties: false })

export const TokenResponseSchema = Type.Object({
  accessToken: Type.String({ description: 'ES256 JWT to send as "Authorization: Bearer <token>"' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' })
}, { $id: 'TokenResponse' })

export const SessionStartSchema = Type.Object({
  user: Type.Ref(UserSchema),
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer()
}, { $id: 'SessionStart' })
