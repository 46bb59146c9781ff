import { randomBytes } from 'node:crypto'

// Ids follow the MongoDB ObjectId layout (4-byte seconds timestamp, then 8 random bytes) so both
// stores hand out the same format: 24 lowercase hex characters that sort roughly by creation time.
const idPattern = /^[0-9a-f]{24}$/

export function newId (now: Date = new Date()): string {
  const bytes = randomBytes(12)
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000), 0)
  return bytes.toString('hex')
}

export function isId (value: string): boolean {
  return idPattern.test(value)
}
