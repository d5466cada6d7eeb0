// Every test file of the postgres project (vitest.config.ts), after test/setup/cwd.ts.
import { afterAll, beforeEach } from 'vitest'
import { dropTestDatabases } from '../support/chat.js'

declare module 'vitest' {
  interface TaskMeta {
    /** The store the test's bots were on, in the JSON report beside its name (which the files project's run has too). */
    store?: 'postgres'
  }
}

// The JSON report names a test without its project: its meta tells the postgres run's apart.
beforeEach(({ task }) => {
  task.meta.store = 'postgres'
})

// The databases a test file's bots were given are dropped after the file, so the project's one
// server never holds more than a file's worth.
afterAll(() => dropTestDatabases(), 60_000)
