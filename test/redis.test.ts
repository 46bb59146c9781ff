import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { buildTestApp, freePort, strongPassword, testEnv, uniqueEmail } from './helpers.js'

const skipMessage = 'Redis tests skipped: redis-server is not installed (apt-get install redis-server)'
const redisInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined

// Generous bounds for a loaded two-core machine. A request normally takes milliseconds, and the
// client retries the connection at least every 2 s while Redis is down.
const REQUEST_BOUND_MS = 10_000
const WAIT_BOUND_MS = 30_000


/** A throwaway redis-server on a loopback port, without persistence, that a test can kill and restart. */
class RedisServer {
  #child: ChildProcess | undefined

  constructor (readonly port: number) {}

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts the server and resolves once it accepts connections. */
  async start (): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    this.#child = child
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`redis-server did not accept connections on port ${this.port} within ${WAIT_BOUND_MS} ms:\n${output}`))
      }, WAIT_BOUND_MS)
      const onOutput = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout?.on('data', onOutput)
      child.stderr?.on('data', onOutput)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with code ${code} before accepting connections:\n${output}`))
      })
    })
  }

  /** Stops the process without closing its connections, like a server that hangs. */
  pause (): void {
    this.#child?.kill('SIGSTOP')
  }

  resume (): void {
    this.#child?.kill('SIGCONT')
  }

  /** Kills the server as a crash would, without a clean shutdown, and waits for it to exit. */
  async kill (): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
}

async function startRedis (t: { teardown: (fn: () => unknown) => void }): Promise<RedisServer> {
  const server = new RedisServer(await freePort())
  await server.start()
  t.teardown(() => server.kill())
  return server
}

/** Polls until `check` returns true, failing after WAIT_BOUND_MS. */
async function waitUntil (description: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_BOUND_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_BOUND_MS} ms waiting until ${description}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function readinessState (app: FastifyInstance): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/health/ready' })).json<{ status: string }>().status
}

// Each attempt names a new unknown email, so the per-account login backoff (which also responds
// with 429) never applies and every 429 comes from the per-IP limit.
function loginFrom (remoteAddress: string) {
  return { method: 'POST' as const, url: '/v1/auth/login', remoteAddress, payload: { email: uniqueEmail(), password: strongPassword } }
}

t.test('instances without Redis keep separate budgets', async (t) => {
  const a = await buildTestApp(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '3' })
  const b = await buildTestApp(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '3' })
  const address = '192.0.2.10'

  const statuses = []
  for (let attempt = 0; attempt < 4; attempt++) statuses.push((await a.app.inject(loginFrom(address))).statusCode)
  t.same(statuses, [401, 401, 401, 429], 'instance A enforces its own budget')

  const onB = await b.app.inject(loginFrom(address))
  t.equal(onB.statusCode, 401, 'instance B has not counted the requests to A')
  t.equal(onB.headers['x-ratelimit-remaining'], '2')
})

t.test('start-up fails when Redis is unreachable', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-test-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const config = loadConfig(testEnv(dataDir, { REDIS_URL: `redis://:secret-password@127.0.0.1:${port}`, LOG_LEVEL: 'silent' }))

  const error = await buildApp(config).then(() => null, (caught: unknown) => caught)

  t.ok(error instanceof Error, 'buildApp rejects')
  const message = error instanceof Error ? error.message : ''
  t.match(message, `connecting to Redis at redis://***@127.0.0.1:${port} failed`)
  t.match(message, 'ECONNREFUSED')
  t.notMatch(message, 'secret-password', 'the password is not in the message')
})

t.test('Redis', { skip: redisInstalled ? false : skipMessage }, async (t) => {
  t.test('two instances share one login budget', async (t) => {
    const redis = await startRedis(t)
    const overrides = { REDIS_URL: redis.url, RATE_LIMIT_LOGIN_PER_MINUTE: '3' }
    const a = await buildTestApp(t, overrides)
    const b = await buildTestApp(t, overrides)
    const address = '192.0.2.20'

    t.equal((await a.app.inject(loginFrom(address))).statusCode, 401)
    t.equal((await a.app.inject(loginFrom(address))).statusCode, 401)
    const thirdOnB = await b.app.inject(loginFrom(address))
    t.equal(thirdOnB.statusCode, 401)
    t.equal(thirdOnB.headers['x-ratelimit-remaining'], '0', 'B sees the two requests counted by A')

    for (const [name, app] of [['A', a.app], ['B', b.app]] as const) {
      const limited = await app.inject(loginFrom(address))
      t.equal(limited.statusCode, 429, `the next login on ${name} is limited`)
      t.equal(limited.json().code, 'rate_limited')
      t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After is a positive number of seconds')
      t.equal(limited.headers['x-ratelimit-limit'], '3')
    }

    t.equal((await b.app.inject(loginFrom('192.0.2.21'))).statusCode, 401, 'another address has its own budget')
  })

  t.test('readiness and limits across a Redis restart', async (t) => {
    const redis = await startRedis(t)
    const { app, logs } = await buildTestApp(t, { REDIS_URL: redis.url, RATE_LIMIT_LOGIN_PER_MINUTE: '2' })
    const address = '192.0.2.30'

    const ready = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(ready.statusCode, 200)
    t.same(ready.json(), { status: 'ok', checks: { store: 'ok', redis: 'ok' } })

    await redis.kill()
    await waitUntil('readiness reports Redis down', async () => await readinessState(app) === 'degraded')

    const degraded = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(degraded.statusCode, 200, 'the instance stays ready: it still serves, without rate limits')
    t.same(degraded.json(), { status: 'degraded', checks: { store: 'ok', redis: 'failed' } })

    // Fail open: twice the budget gets through, each request answered promptly and unlimited.
    for (let attempt = 0; attempt < 4; attempt++) {
      const started = Date.now()
      const response = await app.inject(loginFrom(address))
      const elapsedMs = Date.now() - started
      t.equal(response.statusCode, 401, `login ${attempt + 1} while Redis is down is not limited`)
      t.ok(elapsedMs < REQUEST_BOUND_MS, `login ${attempt + 1} completed in ${elapsedMs} ms`)
      t.equal(response.headers['x-ratelimit-limit'], undefined, 'no limit headers are sent while nothing is counted')
    }
    const warnings = logs.filter((line) => line.level === 40)
    t.ok(warnings.some((line) => line.msg === 'Redis connection lost; reconnecting, and rate limits are not enforced until it is back'), 'the lost connection is logged')
    const unchecked = warnings.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('rate limit not enforced'))
    t.ok(unchecked.length >= 1, 'requests let through unchecked are logged')
    t.ok(unchecked.length < 4, 'unchecked requests are logged once per interval, not once each')
    t.equal(unchecked[0]?.policy, 'login')
    t.equal(unchecked[0]?.uncheckedRequests, 1)

    await redis.start()
    await waitUntil('readiness reports Redis up again', async () => await readinessState(app) === 'ok')

    const readyAgain = await app.inject({ method: 'GET', url: '/health/ready' })
    t.same(readyAgain.json(), { status: 'ok', checks: { store: 'ok', redis: 'ok' } })
    t.ok(logs.some((line) => line.msg === 'Redis connection restored; rate limits are enforced again'), 'the reconnect is logged')

    // The restarted server kept no counters and no scripts, so this also covers reloading the script.
    const statuses = []
    for (let attempt = 0; attempt < 2; attempt++) statuses.push((await app.inject(loginFrom(address))).statusCode)
    t.same(statuses, [401, 401])
    const limited = await app.inject(loginFrom(address))
    t.equal(limited.statusCode, 429, 'the budget is enforced again')
    t.equal(limited.json().code, 'rate_limited')
  })

  t.test('stalled Redis fails checks promptly', async (t) => {
    const redis = await startRedis(t)
    const { app } = await buildTestApp(t, { REDIS_URL: redis.url, RATE_LIMIT_LOGIN_PER_MINUTE: '1' })
    const address = '192.0.2.40'

    redis.pause()
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = Date.now()
      const response = await app.inject(loginFrom(address))
      const elapsedMs = Date.now() - started
      t.equal(response.statusCode, 401, `login ${attempt + 1} while Redis hangs is not limited`)
      t.ok(elapsedMs < REQUEST_BOUND_MS, `login ${attempt + 1} completed in ${elapsedMs} ms`)
    }
    const degraded = await app.inject({ method: 'GET', url: '/health/ready' })
    t.equal(degraded.statusCode, 200)
    t.same(degraded.json().checks, { store: 'ok', redis: 'failed' })

    redis.resume()
    await waitUntil('readiness reports Redis up again', async () => await readinessState(app) === 'ok')
  })

  t.test('readiness names every failed check', async (t) => {
    const redis = await startRedis(t)
    const { app } = await buildTestApp(t, { REDIS_URL: redis.url })
    const ping = app.storage.ping
    app.storage.ping = async () => { throw new Error('connection refused') }
    t.teardown(() => { app.storage.ping = ping })
    await redis.kill()

    await waitUntil('readiness reports Redis down', async () => {
      const response = await app.inject({ method: 'GET', url: '/health/ready' })
      return response.json().checks?.redis === 'failed'
    })
    const response = await app.inject({ method: 'GET', url: '/health/ready' })

    t.equal(response.statusCode, 503, 'the store being down makes the instance unready')
    t.equal(response.json().code, 'store_unavailable')
    t.equal(response.json().detail, `The ${app.storage.kind} store and Redis are unreachable`)
    t.same(response.json().checks, { store: 'failed', redis: 'failed' })
  })
})

if (!redisInstalled) t.comment(skipMessage)
