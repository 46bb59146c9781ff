import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TaskSchema } from '../src/schemas/task.js'
import taskItemRoutes from './tasks/items.js'
import taskListRoutes from './tasks/list.js'

/**
 * Registers the routes of the signed-in user's tasks. The plugin is encapsulated and mounted under
 * /v1/tasks, and it registers the Task schema that its routes refer to.
 */
const taskRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.addSchema(TaskSchema)
  await fastify.register(taskListRoutes)
  await fastify.register(taskItemRoutes)
}

export default taskRoutes
