import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    refreshCookie: {
      name: string
      set: (reply: FastifyReply, token: string, maxAgeSeconds: number) => void
      /** Expires the cookie with the same attributes it was set with, so the browser drops it. */
      clear: (reply: FastifyReply) => void
    }
  }
}

async function cookiesPlugin (fastify: FastifyInstance) {
  const { config } = fastify
  await fastify.register(fastifyCookie)

  // A __Host- cookie must be Secure, have Path=/ and no Domain; keeping those for every name means a
  // renamed cookie is no weaker.
  const attributes: CookieSerializeOptions = {
    httpOnly: true,
    secure: config.COOKIE_SECURE,
    sameSite: config.COOKIE_SAMESITE,
    path: '/'
  }

  fastify.decorate('refreshCookie', {
    name: config.COOKIE_NAME,
    set (reply: FastifyReply, token: string, maxAgeSeconds: number) {
      reply.setCookie(config.COOKIE_NAME, token, { ...attributes, maxAge: Math.max(0, Math.floor(maxAgeSeconds)) })
    },
    clear (reply: FastifyReply) {
      reply.clearCookie(config.COOKIE_NAME, attributes)
    }
  })
}

export default fp(cookiesPlugin, { name: 'cookies', dependencies: ['config'], fastify: '5.x' })
