import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { MongoClient } from 'mongodb'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** Which store the HTTP tests run on: TEST_STORE=mongodb uses MONGODB_URL, anything else SQLite. */
export const testStore = process.env.TEST_STORE === 'mongodb' ? 'mongodb' : 'sqlite'

/**
 * Environment for a test app: the documented defaults, with generous rate limits so tests that
 * register many users from one address are not throttled (the rate-limit tests lower them again),
 * and no load shedding.
 */
export function testEnv (dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    SQLITE_PATH: ':memory:',
    RATE_LIMIT_LOGIN_PER_MINUTE: '10000',
    RATE_LIMIT_REGISTER_PER_HOUR: '10000',
    RATE_LIMIT_REFRESH_PER_5_MINUTES: '10000',
    RATE_LIMIT_PER_MINUTE: '100000',
    // Test processes share two cores, so event-loop lag reflects the machine, not the service.
    MAX_EVENT_LOOP_DELAY_MS: '0'
  }
  if (testStore === 'mongodb') {
    const url = process.env.MONGODB_URL
    if (url === undefined) throw new Error('TEST_STORE=mongodb needs MONGODB_URL; start one with: bash scripts/ferretdb.sh start')
    env.MONGODB_URL = url
    env.MONGODB_DATABASE = `test_${randomBytes(6).toString('hex')}`
  }
  return { ...env, ...overrides }
}

/** Drops a test database with a client of its own, since a test may have closed the app already. */
async function dropDatabase (url: string, name: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 })
  try {
    await client.db(name).dropDatabase()
  } finally {
    await client.close()
  }
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  /** Every JSON log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>
  rawLogs: string[]
}

/** Builds the real app on a fresh store and closes it (and drops the store) in teardown. */
export async function buildTestApp (t: Teardown, overrides: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-test-'))
  const config = loadConfig(testEnv(dataDir, overrides))
  const rawLogs: string[] = []
  const logs: Array<Record<string, unknown>> = []
  const logStream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue
        rawLogs.push(line)
        logs.push(JSON.parse(line) as Record<string, unknown>)
      }
      callback()
    }
  })

  const app = await buildApp(config, { logStream })
  t.teardown(async () => {
    await app.close()
    if (config.MONGODB_URL !== undefined) await dropDatabase(config.MONGODB_URL, config.MONGODB_DATABASE as string)
    rmSync(dataDir, { recursive: true, force: true })
  })
  await app.ready()
  return { app, config, logs, rawLogs }
}

export const strongPassword = 'correct horse battery staple'

let emailCounter = 0
export function uniqueEmail (): string {
  emailCounter += 1
  return `user${emailCounter}-${randomBytes(4).toString('hex')}@example.com`
}

/** Returns the "name=value" pair of the refresh cookie in a response, ready for a Cookie header. */
export function refreshCookieOf (response: LightMyRequestResponse, name = '__Host-refresh_token'): string | undefined {
  const cookie = response.cookies.find((entry) => entry.name === name)
  return cookie === undefined ? undefined : `${cookie.name}=${cookie.value}`
}

export interface RegisteredUser {
  email: string
  password: string
  userId: string
  accessToken: string
  /** "name=value" of the refresh cookie. */
  cookie: string
  authorization: { authorization: string }
}

export async function registerUser (app: FastifyInstance, email = uniqueEmail(), password = strongPassword): Promise<RegisteredUser> {
  const response = await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } })
  if (response.statusCode !== 201) throw new Error(`register failed with ${response.statusCode}: ${response.body}`)
  const body = response.json<{ user: { id: string }, accessToken: string }>()
  const cookie = refreshCookieOf(response)
  if (cookie === undefined) throw new Error('register set no refresh cookie')
  return { email, password, userId: body.user.id, accessToken: body.accessToken, cookie, authorization: { authorization: `Bearer ${body.accessToken}` } }
}

/** Headers a browser single-page app sends on a refresh or logout. */
export function refreshHeaders (cookie: string): Record<string, string> {
  return { cookie, 'x-requested-with': 'fetch' }
}

/** Finds a TCP port on 127.0.0.1 that was free a moment ago, for servers a test starts itself. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/**
 * Returns the reason to skip a check that needs atomic single-document updates when the app runs on
 * FerretDB 1.24, because FerretDB runs an update as a read and a separate write. Returns null on
 * SQLite and MongoDB.
 */
export async function ferretDbRaceSkip (app: FastifyInstance): Promise<string | null> {
  if (app.storage.kind !== 'mongodb') return null
  const mongo = (app as unknown as { mongo: { db: { admin: () => { command: (command: object) => Promise<Record<string, unknown>> } } } }).mongo
  const buildInfo = await mongo.db.admin().command({ buildInfo: 1 })
  return 'ferretdbVersion' in buildInfo
    ? 'FerretDB 1.24 runs an update as a read followed by a write, so concurrent updates of one document can all succeed; run against MongoDB to check this'
    : null
}
