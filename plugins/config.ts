import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

async function configPlugin (fastify: FastifyInstance, options: { config: Config }) {
  fastify.decorate('config', options.config)
}

export default fp(configPlugin, { name: 'config', fastify: '5.x' })
