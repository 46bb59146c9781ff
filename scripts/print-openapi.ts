// Prints the OpenAPI document without starting a server, for client generators:
//   npm run openapi > openapi.json
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

// A throwaway data folder and in-memory store, so printing the document touches nothing of yours.
const dataDir = mkdtempSync(join(tmpdir(), 'task-service-openapi-'))
try {
  const app = await buildApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir, SQLITE_PATH: ':memory:', MONGODB_URL: '' }))
  await app.ready()
  process.stdout.write(`${JSON.stringify(app.swagger(), null, 2)}\n`)
  await app.close()
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
