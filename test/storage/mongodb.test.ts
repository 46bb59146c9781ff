import t from 'tap'
import { openMongoStorage } from '../../src/storage/mongo/index.js'
import { storageContract } from './contract.js'
import { connectTestServer, ferretDbDeleteReason, ferretDbUpdateReason, recordingLog, skipMessage } from './mongodb-support.js'

const server = await connectTestServer(t)

if (server === null) {
  t.comment(skipMessage)
  t.plan(0, skipMessage)
} else {
  t.comment(`MongoDB contract tests on ${server.isFerretDb ? 'FerretDB' : 'MongoDB'}`)
  const options = server.isFerretDb ? { nonAtomicUpdates: ferretDbUpdateReason, nonAtomicDeletes: ferretDbDeleteReason } : {}

  // Every subtest gets a database of its own, dropped in its cleanup.
  storageContract(t, async () => {
    const db = server.newDatabase()
    const storage = await openMongoStorage(db, recordingLog())
    return {
      storage,
      async cleanup () {
        await storage.close()
        await db.dropDatabase()
      }
    }
  }, options)
}
