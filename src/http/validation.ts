import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'

// JSON bodies are validated exactly as sent: a string "5" is not a number and no unknown key is
// dropped silently. Querystrings, params and headers arrive as text, so those parts are coerced
// to the declared types ("limit=20" becomes 20).
const baseOptions: Options = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  strict: false
}

function createAjv (coerceTypes: Options['coerceTypes'], externalSchemas: unknown[]): Ajv {
  const ajv = new Ajv({ ...baseOptions, coerceTypes })
  addFormats.default(ajv)
  for (const schema of externalSchemas) ajv.addSchema(schema as object)
  return ajv
}

/** Builds the validator compiler from the schemas registered with fastify.addSchema. */
export function buildValidatorCompiler (externalSchemas: Record<string, unknown>) {
  const schemas = Object.values(externalSchemas)
  const bodyAjv = createAjv(false, schemas)
  const textAjv = createAjv('array', schemas)

  return function compileValidator ({ schema, httpPart }: { schema: unknown, httpPart?: string }) {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv
    return ajv.compile(schema as object)
  }
}
