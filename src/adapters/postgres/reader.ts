/**
 * One number's data as the owner's tools read it (export, receipts, the dashboard,
 * ledger:verify), also while its bot runs: never writing, taking no lock. A read is one
 * REPEATABLE READ transaction (one snapshot, as a restart would find the data; PostgreSQL's
 * snapshots block no writer) read a page at a time, so a bot serving its dashboard goes on
 * answering between pages. A database the store never opened reads as empty.
 */
import pg from 'pg'
import type { ConsentReader, LedgerSeals, LedgerStep } from '../../ports/consent-reader.js'
import type { ConsentData, StoredNotice } from '../../ports/consent-store.js'
import { type Logger, silentLogger } from '../../ports/logger.js'
import type { Db } from './connection.js'
import { storeError } from './errors.js'
import { applicationName, checkNumberName, where } from './number.js'
import { CONTACTS_PAGE, type ContactRow, entryOf, ledgerRows, PAGE_SIZE } from './rows.js'
import { readSeals } from './seals.js'

export interface PostgresReaderOptions {
  url: string
  number: string
  logger?: Logger
  /** Rows a page holds (default 500). */
  pageSize?: number
}

export type PostgresReader = ConsentReader & { seals(): Promise<LedgerSeals>; close(): Promise<void> }

export function openPostgresReader(options: PostgresReaderOptions): PostgresReader {
  checkNumberName(options.number)
  const { url, number } = options
  const log = options.logger ?? silentLogger
  const pageSize = options.pageSize ?? PAGE_SIZE
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    application_name: applicationName(number, 'reader'),
    connectionTimeoutMillis: 10_000,
  })
  pool.on('connect', (client) => client.on('error', () => {}))
  pool.on('error', (error) => log.warn('store.connection_lost', { code: (error as { code?: string }).code }))
  const empty = (): ConsentData => ({ contacts: {}, conversations: {}, ledger: [], notices: {} })

  return {
    read: () => inSnapshot(pool, 'reading the store', async (db) => ((await hasSchema(db)) ? readAll(db, number, pageSize) : empty())),
    ledger: () => walkLedger(pool, number, pageSize),
    seals: () =>
      inSnapshot(pool, 'reading the seals', async (db) =>
        (await hasSchema(db))
          ? readSeals(db, number)
          : {
              ledger: where.table('ledger', number),
              notices: where.table('notices', number),
              contacts: where.table('contacts', number),
              anchors: [],
              signed: [],
            },
      ),
    close: () => pool.end(),
  }
}

/** The numbers a database holds (those a store has opened), sorted. */
export async function listNumbers(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'consent-bot list numbers', connectionTimeoutMillis: 10_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    const { rows } = await client.query<{ present: boolean }>("SELECT to_regclass('ledger_heads') IS NOT NULL AS present")
    if (!rows[0]?.present) return []
    const numbers = await client.query<{ number: string }>('SELECT number FROM ledger_heads ORDER BY number COLLATE "C"')
    return numbers.rows.map((row) => row.number)
  } catch (error) {
    throw storeError(error, 'listing the numbers')
  } finally {
    await client.end().catch(() => {})
  }
}

async function hasSchema(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>("SELECT to_regclass('ledger_heads') IS NOT NULL AS present")
  return rows[0]?.present === true
}

/** `work` in a read-only REPEATABLE READ transaction: every page of it reads the same snapshot. */
async function inSnapshot<T>(pool: pg.Pool, doing: string, work: (db: Db) => Promise<T>): Promise<T> {
  let db: Db | undefined
  try {
    db = await pool.connect()
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const result = await work(db)
    await db.query('COMMIT')
    db.release()
    return result
  } catch (error) {
    // Ended, not reused: whatever state the session was left in.
    db?.release(true)
    throw storeError(error, doing)
  }
}

async function readAll(db: Db, number: string, pageSize: number): Promise<ConsentData> {
  const data: ConsentData = { contacts: {}, conversations: {}, ledger: [], notices: {} }
  const notices = await db.query<{ hash: string; notice: StoredNotice }>(
    'SELECT hash, notice FROM notices WHERE number = $1 ORDER BY hash',
    [number],
  )
  for (const row of notices.rows) data.notices[row.hash] = row.notice
  for (let after = ''; ; ) {
    const { rows } = await db.query<ContactRow>(CONTACTS_PAGE, [number, after, pageSize])
    for (const row of rows) {
      data.contacts[row.id] = row.contact
      if (row.conversation) data.conversations[row.id] = row.conversation
    }
    if (rows.length < pageSize) break
    after = rows.at(-1)!.id
  }
  for await (const row of ledgerRows(db, number, pageSize)) {
    const entry = entryOf(row)
    if (typeof entry === 'string') throw new Error(`${where.ledgerRow(number, Number(row.seq))}: ${entry}. Run npm run ledger:verify`)
    data.ledger.push(entry)
  }
  return data
}

/** The ledger in order, each entry with its row; the walk ends at a row that is not an entry. */
async function* walkLedger(pool: pg.Pool, number: string, pageSize: number): AsyncGenerator<LedgerStep> {
  let db: Db | undefined
  let clean = false
  try {
    db = await pool.connect()
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    if (await hasSchema(db))
      for await (const row of ledgerRows(db, number, pageSize)) {
        const at = where.ledgerRow(number, Number(row.seq))
        const entry = entryOf(row)
        if (typeof entry === 'string') {
          yield { kind: 'unreadable', where: at, reason: entry }
          break
        }
        yield { kind: 'record', where: at, entry }
      }
    await db.query('COMMIT')
    clean = true
  } catch (error) {
    throw storeError(error, 'reading the ledger')
  } finally {
    // A walk its reader left early (the first broken record) ends its transaction with its session.
    db?.release(clean ? undefined : true)
  }
}
