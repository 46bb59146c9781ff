import t from 'tap'
import { backoffDelayMs, LoginThrottle } from '../../src/auth/login-throttle.js'
import { openSqliteStorage } from '../../src/storage/sqlite/index.js'
import { buildTestApp, ferretDbRaceSkip, registerUser, uniqueEmail } from '../helpers.js'

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('backoff doubles after five failures up to 15 minutes', async (t) => {
  t.same([0, 1, 4, 5, 6, 7, 8, 14, 15, 40].map(backoffDelayMs), [0, 0, 0, 1000, 2000, 4000, 8000, 512_000, 900_000, 900_000])
})

t.test('throttle sequence is the same for any email and resets', async (t) => {
  const storage = openSqliteStorage(':memory:')
  t.teardown(() => storage.close())
  const throttle = new LoginThrottle(storage.loginThrottle)
  const start = new Date('2030-01-01T00:00:00Z')
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000)

  for (const email of ['exists@example.com', 'nobody@example.com']) {
    for (let attempt = 1; attempt <= 5; attempt++) {
      t.equal(await throttle.claimAttempt(email, start), 0, `${email}: attempt ${attempt} is free`)
    }
    t.equal(await throttle.claimAttempt(email, start), 1, `${email}: the sixth attempt waits 1 s`)
    t.equal(await throttle.claimAttempt(email, at(1)), 0, `${email}: after 1 s it goes ahead`)
    t.equal(await throttle.claimAttempt(email, at(1)), 2, `${email}: then the wait is 2 s`)
    t.equal(await throttle.claimAttempt(email, at(3)), 0)
    t.equal(await throttle.claimAttempt(email, at(3)), 4, `${email}: then 4 s`)
    t.equal(await throttle.claimAttempt(email, at(3 + 12 * 3600)), 0, `${email}: 12 h after the last failure the count is gone`)
    for (let attempt = 2; attempt <= 5; attempt++) await throttle.claimAttempt(email, at(3 + 12 * 3600))
    t.equal(await throttle.claimAttempt(email, at(3 + 12 * 3600)), 1, `${email}: and counting started again from one`)
    await throttle.reset(email)
    t.equal(await throttle.claimAttempt(email, at(3 + 12 * 3600)), 0, `${email}: a success resets it`)
  }
})

t.test('parallel attempts cannot skip the backoff', async (t) => {
  const storage = openSqliteStorage(':memory:')
  t.teardown(() => storage.close())
  const throttle = new LoginThrottle(storage.loginThrottle)
  const now = new Date('2030-01-01T00:00:00Z')

  const waits = await Promise.all(Array.from({ length: 20 }, async () => await throttle.claimAttempt('target@example.com', now)))

  t.equal(waits.filter((wait) => wait === 0).length, 5, 'only the five free attempts go ahead')
  t.ok(waits.filter((wait) => wait > 0).every((wait) => wait >= 1), 'the others are told to wait')
})

t.test('login backoff answers existing and unknown emails identically', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const unknown = uniqueEmail()
  const attempt = async (email: string, password = 'wrong password, wrong' as string) =>
    await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })
  const shape = (response: Awaited<ReturnType<typeof attempt>>) => {
    const { requestId: _id, ...body } = response.json<Record<string, unknown>>()
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], body }
  }

  for (let failure = 1; failure <= 5; failure++) {
    t.same(shape(await attempt(user.email)), shape(await attempt(unknown)), `failure ${failure} looks the same`)
  }
  const existingThrottled = await attempt(user.email, user.password)
  const unknownThrottled = await attempt(unknown)
  t.equal(existingThrottled.statusCode, 429, 'even the right password waits')
  t.equal(existingThrottled.headers['retry-after'], '1')
  t.equal(existingThrottled.json().code, 'login_throttled')
  t.same(shape(existingThrottled), shape(unknownThrottled), 'throttled answers look the same')

  await sleep(1100)
  t.same(shape(await attempt(user.email)), shape(await attempt(unknown)), 'after the wait, a wrong password is a plain 401 again')
  const nextExisting = await attempt(user.email)
  t.equal(nextExisting.statusCode, 429)
  t.equal(nextExisting.headers['retry-after'], '2', 'and the next wait is twice as long')
  t.same(shape(nextExisting), shape(await attempt(unknown)))

  await sleep(2100)
  const success = await attempt(user.email, user.password)
  t.equal(success.statusCode, 200, 'the right password after the wait signs in')
  t.equal((await attempt(user.email)).statusCode, 401, 'and the success reset the count')
})

/** Nineteen wrong guesses, then the right password, to send all at once. */
function guessesEndingWith (password: string): string[] {
  return [...Array.from({ length: 19 }, (_, index) => `wrong guess number ${index}`), password]
}

function skipWhen (reason: string | null): { skip?: string } {
  return reason === null ? {} : { skip: reason }
}

t.test('parallel login guesses cannot skip the backoff', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const raceSkip = await ferretDbRaceSkip(app)
  const passwords = guessesEndingWith(user.password)

  const responses = await Promise.all(passwords.map(async (password) =>
    await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password } })))

  const statuses = responses.map((response) => response.statusCode)
  t.ok(statuses.every((status) => [200, 401, 429].includes(status)), 'no other status')
  t.ok(statuses.filter((status) => status !== 429).length <= 5, `at most five attempts reached the password check: ${statuses.join(' ')}`, skipWhen(raceSkip))
  t.equal(responses.at(-1)?.statusCode, 429, 'the right password sent last waits like the others', skipWhen(raceSkip))
})

t.test('parallel password checks cannot skip the backoff', async (t) => {
  const { app } = await buildTestApp(t)
  const user = await registerUser(app)
  const raceSkip = await ferretDbRaceSkip(app)
  const passwords = guessesEndingWith(user.password)

  const responses = await Promise.all(passwords.map(async (password) =>
    await app.inject({ method: 'DELETE', url: '/v1/users/me', headers: user.authorization, payload: { password } })))

  t.ok(responses.filter((response) => response.statusCode !== 429).length <= 5, 'at most five attempts reached the password check', skipWhen(raceSkip))
  t.equal(responses.at(-1)?.statusCode, 429, 'the right password sent last waits too', skipWhen(raceSkip))
  if (raceSkip === null) t.ok(await app.storage.users.findById(user.userId), 'the account still exists')
})
