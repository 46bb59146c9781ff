// Measures what the access-token revocation check costs on GET /v1/tasks: the same app and data,
// alternating rounds with the real check and with the check replaced by a no-op.
//   npm run bench                      (SQLite file in a temporary folder)
//   MONGODB_URL=... npm run bench      (MongoDB or FerretDB)
// Options: BENCH_SECONDS (default 10 per round), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)

const dataDir = mkdtempSync(join(tmpdir(), 'task-service-bench-'))
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  MONGODB_DATABASE: process.env.MONGODB_URL === undefined ? undefined : `bench_${randomBytes(4).toString('hex')}`,
  // The benchmark measures the handler path, not the limiter, so limits are out of reach.
  RATE_LIMIT_PER_MINUTE: '100000000',
  RATE_LIMIT_REGISTER_PER_HOUR: '1000',
  MAX_EVENT_LOOP_DELAY_MS: '0'
})
const app = await buildApp(config)
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

const register = await fetch(`${base}/v1/auth/register`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@example.com', password: 'a passphrase for the benchmark' })
})
const { accessToken } = await register.json() as { accessToken: string }
const authorization = `Bearer ${accessToken}`
for (let index = 0; index < 50; index++) {
  await fetch(`${base}/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ title: `Task ${index}`, priority: ['low', 'medium', 'high'][index % 3], tags: ['bench'] })
  })
}

const realCheck = app.revocations.isRevoked.bind(app.revocations)
async function measure (withCheck: boolean): Promise<{ requests: number, p99: number }> {
  app.revocations.isRevoked = withCheck ? realCheck : async () => false
  // autocannon runs in its own process, so the load generator does not share the server's event loop.
  const { stdout } = await promisify(execFile)('node_modules/.bin/autocannon', [
    '--json', '--connections', String(connections), '--duration', String(seconds),
    '--headers', `authorization=${authorization}`, `${base}/v1/tasks?limit=20`
  ], { maxBuffer: 64 * 1024 * 1024 })
  const result = JSON.parse(stdout) as { non2xx: number, errors: number, requests: { average: number }, latency: { p99: number } }
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors; the benchmark is invalid`)
  return { requests: result.requests.average, p99: result.latency.p99 }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const results = { with: [] as Array<{ requests: number, p99: number }>, without: [] as Array<{ requests: number, p99: number }> }
await measure(true) // warm-up, discarded
for (let round = 0; round < rounds; round++) {
  results.without.push(await measure(false))
  results.with.push(await measure(true))
}

const withRps = median(results.with.map((entry) => entry.requests))
const withoutRps = median(results.without.map((entry) => entry.requests))
console.log(`store: ${app.storage.kind}, ${rounds} rounds of ${seconds} s, ${connections} connections, GET /v1/tasks?limit=20 over 50 tasks`)
console.log('| variant | req/s per round | median req/s | p99 latency (ms) per round |')
console.log('|---|---|---|---|')
console.log(`| revocation check off | ${results.without.map((entry) => entry.requests.toFixed(0)).join(', ')} | ${withoutRps.toFixed(0)} | ${results.without.map((entry) => entry.p99).join(', ')} |`)
console.log(`| revocation check on | ${results.with.map((entry) => entry.requests.toFixed(0)).join(', ')} | ${withRps.toFixed(0)} | ${results.with.map((entry) => entry.p99).join(', ')} |`)
console.log(`cost of the check: ${((1 - withRps / withoutRps) * 100).toFixed(1)} % of throughput`)

if (config.MONGODB_URL !== undefined) await (app as unknown as { mongo: { db: { dropDatabase: () => Promise<unknown> } } }).mongo.db.dropDatabase()
await app.close()
rmSync(dataDir, { recursive: true, force: true })
