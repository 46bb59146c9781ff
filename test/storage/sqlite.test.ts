import t from 'tap'
import { openSqliteStorage } from '../../src/storage/sqlite/index.js'
import { storageContract } from './contract.js'

storageContract(t, async () => {
  const storage = openSqliteStorage(':memory:')
  return { storage, cleanup: () => storage.close() }
})
