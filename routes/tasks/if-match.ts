import { problem } from '../../src/problems.js'

/** An If-Match header as RFC 9110 defines it: absent, "*", or a list of entity tags. */
export type IfMatch =
  | { kind: 'absent' }
  | { kind: 'any' }
  /** Only the strong tags; a weak tag never matches under the strong comparison If-Match uses. */
  | { kind: 'tags', strongTags: string[] }

// One list element: optional whitespace, an optional entity tag, optional whitespace, then a comma
// or the end. Empty elements are allowed, as the RFC's list syntax requires of recipients.
const listElement = /[\t ]*(?:(W\/)?("[\x21\x23-\x7E\x80-\xFF]*"))?[\t ]*(?:,|$)/y

function malformed (header: string) {
  return problem(400, `The If-Match header ${JSON.stringify(header)} is not "*" or a list of quoted entity tags; send the ETag of the task as received`, {
    code: 'invalid_if_match',
    errors: [{ field: '/headers/if-match', message: 'must be "*" or a comma-separated list of entity tags' }]
  })
}

/** Parses If-Match. Throws a 400 problem for a malformed header rather than ignoring the condition. */
export function parseIfMatch (header: string | undefined): IfMatch {
  if (header === undefined) return { kind: 'absent' }
  if (header.trim() === '*') return { kind: 'any' }

  const strongTags: string[] = []
  let tagCount = 0
  let offset = 0
  while (offset < header.length) {
    listElement.lastIndex = offset
    const match = listElement.exec(header)
    if (match === null || listElement.lastIndex === offset) throw malformed(header)
    offset = listElement.lastIndex

    const [, weak, tag] = match
    if (tag === undefined) continue
    tagCount += 1
    if (weak === undefined) strongTags.push(tag)
  }

  if (tagCount === 0) throw malformed(header)
  return { kind: 'tags', strongTags }
}
