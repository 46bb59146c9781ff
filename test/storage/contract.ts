import type { Test } from 'tap'
import { loginThrottleContract } from './contract-login-throttle.js'
import { sessionContract } from './contract-sessions.js'
import type { ContractOptions, StorageFactory } from './contract-support.js'
import { taskListContract } from './contract-task-list.js'
import { taskContract } from './contract-tasks.js'
import { userContract } from './contract-users.js'

export type { ContractOptions, StorageFactory, StorageFixture } from './contract-support.js'

/**
 * Runs the behavioural contract that every storage adapter must meet. Each subtest gets a fresh,
 * empty storage from `factory` and cleans it up in its teardown.
 */
export function storageContract (t: Test, factory: StorageFactory, options: ContractOptions = {}): void {
  t.test('users', async (t) => { userContract(t, factory) })
  t.test('sessions', async (t) => { sessionContract(t, factory) })
  t.test('tasks', async (t) => { taskContract(t, factory, options) })
  t.test('task list', async (t) => { taskListContract(t, factory) })
  t.test('login throttle', async (t) => { loginThrottleContract(t, factory, options) })
}
