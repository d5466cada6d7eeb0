/** For the PostgreSQL store's tests: stores and readers closed after each test, a database seen whole, its sessions. */
import pg from 'pg'
import { afterEach, vi } from 'vitest'
import {
  openPostgresReader,
  openPostgresStore,
  type PostgresReader,
  type PostgresReaderOptions,
  type PostgresStore,
  type PostgresStoreOptions,
} from '../../../src/adapters/postgres/index.js'
import type { ConsentReader, LedgerStep } from '../../../src/ports/consent-reader.js'
import type { TestPostgres } from '../../support/postgres.js'

/** Opens stores and readers, and closes those still open after each test. */
export function closedAfterEach(): {
  store(options: PostgresStoreOptions): Promise<PostgresStore>
  reader(options: PostgresReaderOptions): PostgresReader
  client(url: string): Promise<pg.Client>
} {
  const open: { close?(): Promise<void>; end?(): Promise<void> }[] = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await (item.close ?? item.end)!.call(item).catch(() => {})
  })
  return {
    async store(options) {
      const store = await openPostgresStore(options)
      open.push(store)
      return store
    },
    reader(options) {
      const reader = openPostgresReader(options)
      open.push(reader)
      return reader
    },
    async client(url) {
      const client = new pg.Client({ connectionString: url, application_name: 'test admin' })
      client.on('error', () => {})
      await client.connect()
      open.push(client)
      return client
    },
  }
}

/** Every row of every table of the database's public schema, as JSON text: to find what a row still holds. */
export async function everyRow(postgres: TestPostgres, url: string): Promise<string> {
  const tables = await postgres.sql<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
  const rows: string[] = []
  for (const { name } of tables)
    for (const row of await postgres.sql<{ text: string }>(url, `SELECT row_to_json(t)::text AS text FROM ${name} t`))
      rows.push(`${name}: ${row.text}`)
  return rows.join('\n')
}

/** The sessions of a store (`role` store, lock or reader) of this process, by pid. */
export async function sessions(postgres: TestPostgres, role: 'store' | 'lock' | 'reader', waiting = false): Promise<number[]> {
  const rows = await postgres.sql<{ pid: number }>(
    postgres.adminUrl,
    `SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1 ${waiting ? "AND wait_event_type = 'Lock'" : ''}`,
    [`consent-bot ${role} pid ${process.pid} %`],
  )
  return rows.map((row) => row.pid)
}

/** Ends sessions as a server restart or a network cut would, and waits until they are gone. */
export async function terminate(postgres: TestPostgres, pids: number[]): Promise<void> {
  for (const pid of pids) await postgres.sql(postgres.adminUrl, 'SELECT pg_terminate_backend($1, 10000)', [pid])
}

/** Waits (polling, no fixed sleep) until a store session is blocked on a lock; its pid. */
export async function blockedSession(postgres: TestPostgres): Promise<number> {
  return vi.waitFor(
    async () => {
      const [pid] = await sessions(postgres, 'store', true)
      if (pid === undefined) throw new Error('no store session waits on a lock yet')
      return pid
    },
    { timeout: 10_000, interval: 20 },
  )
}

export async function walk(reader: ConsentReader): Promise<LedgerStep[]> {
  const steps: LedgerStep[] = []
  for await (const step of reader.ledger()) steps.push(step)
  return steps
}
