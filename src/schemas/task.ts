import { Type, type Static } from '@sinclair/typebox'
import { taskPriorities, taskStatuses, type TaskPriority, type TaskStatus } from '../storage/types.js'
import { DateTimeSchema, ObjectIdSchema, nullable } from './common.js'

export const DEFAULT_STATUS: TaskStatus = 'pending'
export const DEFAULT_PRIORITY: TaskPriority = 'medium'

export const taskSortParameters = ['createdAt', '-createdAt', 'dueDate', '-dueDate', 'priority', '-priority', 'updatedAt', '-updatedAt'] as const
export type TaskSortParameter = typeof taskSortParameters[number]
export const DEFAULT_SORT: TaskSortParameter = '-createdAt'
export const DEFAULT_LIMIT = 20

// A plain string enum, rather than a union of literals, gives one clear validation error and a
// plain enum in the OpenAPI document.
const TaskStatusSchema = Type.Unsafe<TaskStatus>(Type.String({ enum: [...taskStatuses] }))
const TaskPrioritySchema = Type.Unsafe<TaskPriority>(Type.String({ enum: [...taskPriorities] }))

// Titles and tags must show something: at least one character that is neither whitespace nor in
// Unicode category C (controls, format characters such as U+200B, surrogates, private-use and
// unassigned code points), and no control character (\p{Cc}) anywhere, so no tab or line break
// either. The lookahead keeps matching linear in the length of the text, where two overlapping
// starred classes would backtrack quadratically on a long invalid value. \p{...} needs the u flag,
// which Ajv 8 adds to every pattern unless unicodeRegExp is turned off.
const visibleTextPattern = String.raw`^(?=[^\p{Cc}]*$)[\s\p{C}]*[^\s\p{C}]`
const visibleTextRule = 'Needs at least one character that is neither whitespace nor in Unicode category C (such as U+200B), and no control characters, tabs or line breaks'

// Descriptions may span lines, so only the C0 controls other than tab, line feed and carriage
// return are rejected.
const descriptionPattern = String.raw`^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$`

// The handler trims the title, so the length limit here applies to the title as sent.
const TitleSchema = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: visibleTextPattern,
  description: `${visibleTextRule}. Surrounding whitespace is removed`
})
const DescriptionSchema = nullable(Type.String({
  maxLength: 10000,
  pattern: descriptionPattern,
  description: 'Tabs and line breaks are allowed; NUL and the other C0 control characters (U+0000 to U+001F) are not'
}))
const TagSchema = Type.String({ minLength: 1, maxLength: 50, pattern: visibleTextPattern, description: `${visibleTextRule}. Stored as sent, without trimming` })
const TagsSchema = Type.Array(TagSchema, { maxItems: 20, uniqueItems: true })
const DueDateSchema = nullable(Type.String({ format: 'date-time', description: 'RFC 3339 date-time with a time zone, within the years 0000 to 9999 once converted to UTC; past dates are allowed' }))

export const TaskSchema = Type.Object({
  id: ObjectIdSchema,
  title: Type.String(),
  description: nullable(Type.String()),
  status: TaskStatusSchema,
  priority: TaskPrioritySchema,
  dueDate: nullable(DateTimeSchema),
  tags: Type.Array(Type.String()),
  completedAt: nullable(Type.String({ format: 'date-time', description: 'Set when the status becomes completed; null in any other status' })),
  createdAt: DateTimeSchema,
  updatedAt: DateTimeSchema
}, { $id: 'Task', additionalProperties: false })

export type TaskResponse = Static<typeof TaskSchema>

/** A reference to the registered Task schema that keeps its static type. */
export const TaskRef = Type.Unsafe<TaskResponse>(Type.Ref('Task'))

export const CreateTaskBodySchema = Type.Object({
  title: TitleSchema,
  description: Type.Optional(DescriptionSchema),
  status: Type.Optional(Type.Unsafe<TaskStatus>(Type.String({ enum: [...taskStatuses], default: DEFAULT_STATUS }))),
  priority: Type.Optional(Type.Unsafe<TaskPriority>(Type.String({ enum: [...taskPriorities], default: DEFAULT_PRIORITY }))),
  dueDate: Type.Optional(DueDateSchema),
  tags: Type.Optional(TagsSchema)
}, { additionalProperties: false })

export const PatchTaskBodySchema = Type.Object({
  title: Type.Optional(TitleSchema),
  description: Type.Optional(DescriptionSchema),
  status: Type.Optional(TaskStatusSchema),
  priority: Type.Optional(TaskPrioritySchema),
  dueDate: Type.Optional(DueDateSchema),
  tags: Type.Optional(TagsSchema)
}, { additionalProperties: false, minProperties: 1, description: 'The fields to change; at least one' })

export const ListTasksQuerySchema = Type.Object({
  status: Type.Optional(TaskStatusSchema),
  priority: Type.Optional(TaskPrioritySchema),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Tasks carrying this tag' })),
  dueBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Tasks due strictly before this time; tasks without a due date never match. Within the years 0000 to 9999 in UTC' })),
  dueAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Tasks due strictly after this time; tasks without a due date never match. Within the years 0000 to 9999 in UTC' })),
  overdue: Type.Optional(Type.Boolean({ description: 'true: due before now and not completed; false: every other task' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the title, matched literally' })),
  sort: Type.Optional(Type.Unsafe<TaskSortParameter>(Type.String({
    enum: [...taskSortParameters],
    default: DEFAULT_SORT,
    description: 'A leading "-" sorts descending. Ties are broken by id. Tasks without a due date come first in dueDate order and last in -dueDate order'
  }))),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_LIMIT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'nextCursor of the previous page; send it with the same sort and filters' }))
}, { additionalProperties: false })

export const TaskListSchema = Type.Object({
  items: Type.Array(TaskRef),
  nextCursor: nullable(Type.String({ description: 'Pass as cursor to get the next page; null on the last page' }))
}, { additionalProperties: false })
