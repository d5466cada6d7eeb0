/**
 * The postgres project's one PostgreSQL server (vitest.config.ts): started once before its test
 * files, its administrator's URL given to them (`inject('postgresAdminUrl')`, read by
 * test/support/chat.ts, which makes each bot a database of its own), stopped and its folder
 * removed after them. Not started when the run has no test of the project.
 */
import type { TestProject } from 'vitest/node'
import { startPostgres } from '../support/postgres.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server's own database (`postgres`), where the bots' databases are made. */
    postgresAdminUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres()
  project.provide('postgresAdminUrl', server.url('postgres'))
  return () => server.stop()
}
