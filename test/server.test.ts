import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp, freePort, strongPassword, uniqueEmail } from './helpers.js'


interface Started {
  exit: Promise<{ code: number | null, stderr: string, stdout: string }>
  kill: (signal: NodeJS.Signals) => void
}

// The child compiles the sources with tsx, not with the test loader. Node passes NODE_V8_COVERAGE on
// to children, and merging coverage of two different compilations of one file garbles the report,
// so the child writes its coverage to a folder that is thrown away.
const childCoverageDir = mkdtempSync(join(tmpdir(), 'task-service-child-coverage-'))
t.teardown(() => rmSync(childCoverageDir, { recursive: true, force: true }))

function startServer (env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', NODE_V8_COVERAGE: childCoverageDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exit = new Promise<{ code: number | null, stderr: string, stdout: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, stderr, stdout }))
  })
  return { exit, kill: (signal) => child.kill(signal) }
}

async function waitUntilLive (port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/live`)
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer on port ${port} within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('server entry point lists every invalid variable and exits 1', async (t) => {
  const { exit } = startServer({ PORT: 'eighty', COOKIE_SAMESITE: 'sometimes', NODE_ENV: 'production' })

  const { code, stderr } = await exit

  t.equal(code, 1)
  t.match(stderr, 'Invalid configuration')
  t.match(stderr, 'PORT')
  t.match(stderr, 'COOKIE_SAMESITE')
})

t.test('server serves over HTTP and stops cleanly on SIGTERM', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'task-service-server-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const server = startServer({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' })
  t.teardown(() => server.kill('SIGKILL'))

  await waitUntilLive(port, 60_000)
  const register = await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail(), password: strongPassword })
  })
  t.equal(register.status, 201)
  t.match(register.headers.get('set-cookie'), /^__Host-refresh_token=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Strict$/)

  server.kill('SIGTERM')
  const { code, stdout } = await server.exit
  t.equal(code, 0)
  t.match(stdout, '"msg":"shutting down"')
  t.match(stdout, 'jwt-signing-key.dev.json', 'the development key warning is logged')
})

t.test('closing the app lets an in-flight request finish', async (t) => {
  const { app, logs } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  const pending = fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail(), password: strongPassword })
  })
  while (!logs.some((line) => line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === '/v1/auth/register')) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const closing = app.close()

  const response = await pending
  t.equal(response.status, 201, 'the request that was being served completes')
  t.equal(response.headers.get('connection'), 'close', 'and its connection closes, so keep-alive cannot delay shutdown')
  await closing
})
