import { readFileSync } from 'node:fs'
import t from 'tap'
import { ConfigSchema } from '../src/config.js'

t.test('README documents every environment variable', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

  for (const name of Object.keys(ConfigSchema.properties)) {
    t.ok(readme.includes(`\`${name}\``), `${name} is in the configuration table`)
  }
})

t.test('README test command is what CI runs', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')

  t.match(readme, 'npm ci && npm start')
  t.match(readme, 'npm ci && npm test')
  t.match(ci, /^npm ci$/m)
  t.match(ci, /^npm test$/m)
})
