/**
 * The consent store on PostgreSQL, for one number of a database that may hold many. Opening it
 * takes the number's lock, migrates the schema, makes the number's head row and signing key on
 * its first start, checks that the ledger ends where its head was anchored and last signed, and
 * signs the head. Writes go through the Writer (one transaction at a time, group commit); loads
 * and scans read with the pool's other connections meanwhile.
 */
import type { KeyObject } from 'node:crypto'
import type { Contact, ConsentRecord } from '../../domain/consent.js'
import type { ConsentData, ConsentStore, ContactChange, StoredConversation } from '../../ports/consent-store.js'
import { type Logger, silentLogger } from '../../ports/logger.js'
import { createPool, inTransaction, type Pool, query } from './connection.js'
import { writeImport, importProblem, PostgresImportError } from './import.js'
import { migrate } from './migrate.js'
import { applicationName, checkNumberName } from './number.js'
import { lockNumber, type NumberLock } from './number-lock.js'
import { CONTACTS_PAGE, type ContactRow, PAGE_SIZE } from './rows.js'
import { newestSeal, sealHead, sealProblem, signingKey } from './seals.js'
import { ContactCache } from './contact-cache.js'
import { Writer } from './writer.js'
import { ensureHead, lockHead, prepare, writeErasure } from './writes.js'

export interface PostgresStoreOptions {
  /** The database's URL, e.g. `postgres://bot:secret@db.internal:5432/consent`. */
  url: string
  /** The bot's number as the database names it: 1–64 letters, digits, `-`, `_`, `.` (e.g. `tienda-centro`). */
  number: string
  logger?: Logger
  /** Connections the store keeps (default 4): one writes at a time, the others load and scan. */
  poolSize?: number
  /** Contacts a page of a scan holds (default 500). */
  pageSize?: number
}

export interface PostgresStore extends ConsentStore {
  readonly number: string
  /**
   * Writes `data` (another store's, as its reader read it) into this number verbatim, in one
   * transaction: only into a number that holds nothing yet, and only a ledger whose chain verifies.
   * Throws PostgresImportError, writing nothing, otherwise.
   */
  importData(data: ConsentData): Promise<{ contacts: number; records: number }>
}

const DEFAULT_POOL_SIZE = 4

/**
 * Opens the store of `number` in the database at `url`. Throws PostgresNumberBusyError while
 * another process runs the number, PostgresLedgerError for a ledger that does not end where it
 * was sealed, and PostgresStoreError (with a storeFaultReason code) when the database fails.
 *
 * @example
 *   const store = await openPostgresStore({ url: process.env.DATABASE_URL!, number: 'tienda-centro' })
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  checkNumberName(options.number)
  const started = performance.now()
  const { url, number } = options
  const log = options.logger ?? silentLogger
  // One bot per number, before anything is read or written.
  const lock = await lockNumber(url, number, log)
  const pool = createPool({ url, size: options.poolSize ?? DEFAULT_POOL_SIZE, applicationName: applicationName(number, 'store'), log })
  try {
    await migrate(pool, log)
    const key = await inTransaction(pool, 'opening the store', async (db) => {
      await ensureHead(db, number)
      const head = await lockHead(db, number)
      const key = await signingKey(db, number)
      const problem = await sealProblem(db, number, key, head)
      if (problem) throw problem
      // A bot that was killed did not sign its last head: signed now.
      if (head.seq > ((await newestSeal(db, number))?.seq ?? 0)) await sealHead(db, number, key, head)
      return key
    })
    const store = new PgStore(pool, number, key, lock, log, options.pageSize ?? PAGE_SIZE)
    log.info('store.opened', { number, ms: Math.round(performance.now() - started) })
    return store
  } catch (error) {
    await pool.end().catch(() => {})
    await lock.release()
    throw error
  }
}

class PgStore implements PostgresStore {
  private readonly writer: Writer
  private closing: Promise<void> | undefined
  private readonly cache = new ContactCache()

  constructor(
    private readonly pool: Pool,
    readonly number: string,
    private readonly key: KeyObject,
    private readonly lock: NumberLock,
    private readonly log: Logger,
    private readonly pageSize: number,
  ) {
    this.writer = new Writer(pool, { number, key }, log)
  }

  async load(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }> {
    const cached = this.cache.get(contactId)
    if (cached) return cached
    const found = await this.read(contactId)
    this.cache.loaded(contactId, found)
    return found
  }

  private async read(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }> {
    // The contact under that id, else the one that carries it as its `…@lid`.
    const [row] = await query<Omit<ContactRow, 'id'>>(
      this.pool,
      'loading a contact',
      `SELECT c.data AS contact, v.data AS conversation
         FROM contacts c LEFT JOIN conversations v ON v.number = c.number AND v.id = c.id
        WHERE c.number = $1 AND (c.id = $2 OR c.lid = $2)
        ORDER BY c.id = $2 DESC LIMIT 1`,
      [this.number, contactId],
      'load-contact',
    )
    if (!row) return {}
    return { contact: row.contact, ...(row.conversation ? { conversation: row.conversation } : {}) }
  }

  commit(change: ContactChange): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The consent store is closed'))
    // Taken as it is now (it is written a moment later, with the commits gathered meanwhile).
    const taken = prepare(change)
    return this.writer.commit(taken).then(
      () => this.cache.committed(taken),
      (error: unknown) => {
        // Committed or not, the database knows: read from it again.
        this.cache.clear()
        throw error
      },
    )
  }

  erase(contactId: string, proof: ConsentRecord): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The consent store is closed'))
    const copy = structuredClone(proof)
    this.cache.clear()
    return (
      this.writer
        .alone('erasing a contact', (db) => writeErasure(db, { number: this.number, key: this.key }, contactId, copy))
        // Nothing of the person may come back from here: what was loaded meanwhile goes too.
        .finally(() => this.cache.clear())
    )
  }

  async *scan(): AsyncIterable<{ contact: Contact; conversation?: StoredConversation }> {
    // A page at a time, each its own statement: a sweep over many contacts holds no transaction.
    for (let after = ''; ; ) {
      const rows = await query<ContactRow>(this.pool, 'scanning the contacts', CONTACTS_PAGE, [this.number, after, this.pageSize])
      for (const row of rows) yield { contact: row.contact, ...(row.conversation ? { conversation: row.conversation } : {}) }
      if (rows.length < this.pageSize) return
      after = rows.at(-1)!.id
    }
  }

  importData(data: ConsentData): Promise<{ contacts: number; records: number }> {
    if (this.closing) return Promise.reject(new Error('The consent store is closed'))
    const problem = importProblem(data)
    if (problem) return Promise.reject(new PostgresImportError(this.number, problem))
    this.cache.clear()
    return this.writer.alone('importing', (db) => writeImport(db, { number: this.number, key: this.key }, data))
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writer.drain()
      try {
        // A clean stop signs the head it leaves.
        await inTransaction(this.pool, 'sealing the ledger', async (db) => {
          const head = await lockHead(db, this.number)
          if (head.seq > ((await newestSeal(db, this.number))?.seq ?? 0)) await sealHead(db, this.number, this.key, head)
        })
      } catch (error) {
        // The next start signs it instead.
        this.log.warn('store.seal_failed', { code: (error as { code?: string }).code })
      }
      await this.pool.end()
      await this.lock.release()
      this.log.info('store.closed', { number: this.number })
    })()
    return this.closing
  }
}
