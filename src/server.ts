import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  // The logger does not exist yet, and a person reads this at start-up: plain text on stderr.
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}

const app = await buildApp(config)
app.server.headersTimeout = Math.min(config.REQUEST_TIMEOUT_MS, 60_000)

// On SIGTERM or SIGINT the server stops accepting connections, lets in-flight requests finish and
// closes the stores. If that takes longer than SHUTDOWN_TIMEOUT_MS, the process exits anyway.
closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
  app.log.info('server stopped')
})

try {
  await app.listen({ host: config.HOST, port: config.PORT })
} catch (error) {
  app.log.fatal({ err: error }, 'could not start listening')
  process.exit(1)
}
