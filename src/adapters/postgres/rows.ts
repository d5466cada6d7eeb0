/**
 * Rows and the domain's values: ledger entries written a few hundred rows a statement and read
 * back a page at a time (keyset: `seq > last`), contacts and conversations paged by id. Pages
 * keep a long ledger or a large contact list from being held in memory, or in one reply, at once.
 */
import type { Contact } from '../../domain/consent.js'
import type { LedgerEntry } from '../../domain/ledger.js'
import type { StoredConversation, StoredNotice } from '../../ports/consent-store.js'
import type { Db } from './connection.js'

/** Rows a page of a read holds (the readers' and scan's default). */
export const PAGE_SIZE = 500

/** Rows one INSERT carries (ledger rows take 9 parameters: well under PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 500

/** `INSERT … VALUES ($1, $2…), (…)` for `rows`, a statement per ROWS_PER_INSERT rows. */
export async function insertRows(db: Db, head: string, rows: unknown[][], tail = ''): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT)
    const values: unknown[] = []
    const tuples = chunk.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(', ')})`)
    await db.query(`${head} VALUES ${tuples.join(', ')} ${tail}`, values)
  }
}

/** Appends `entries` (sealed already) to the number's ledger. */
export function insertEntries(db: Db, number: string, entries: LedgerEntry[]): Promise<void> {
  return insertRows(
    db,
    'INSERT INTO ledger (number, seq, prev, hash, record_id, record, personal_digest, personal, personal_contact)',
    entries.map((entry) => [
      number,
      entry.seq,
      entry.prev,
      entry.hash,
      entry.record.id,
      JSON.stringify(entry.record),
      entry.personalDigest,
      entry.personal === null ? null : JSON.stringify(entry.personal),
      entry.personal?.contact ?? null,
    ]),
  )
}

export function insertNotices(db: Db, number: string, notices: Record<string, StoredNotice>): Promise<void> {
  const rows = Object.entries(notices).map(([hash, notice]) => [number, hash, JSON.stringify(notice)])
  // A notice is kept once per hash: the same hash is the same text.
  return insertRows(db, 'INSERT INTO notices (number, hash, notice)', rows, 'ON CONFLICT (number, hash) DO NOTHING')
}

export interface LedgerRow {
  seq: string
  prev: string
  hash: string
  record: unknown
  personal_digest: string
  personal: unknown
}

export const LEDGER_COLUMNS = 'seq, prev, hash, record, personal_digest, personal'

/** The entry a row holds, or why it is not one (a row edited by hand into something else). */
export function entryOf(row: LedgerRow): LedgerEntry | string {
  const { record, personal } = row
  if (!record || typeof record !== 'object' || Array.isArray(record) || typeof (record as { id?: unknown }).id !== 'string')
    return 'its record is not a consent record'
  if (personal !== null && (typeof personal !== 'object' || Array.isArray(personal))) return 'its personal details are not an object'
  return {
    seq: Number(row.seq),
    prev: row.prev,
    hash: row.hash,
    record: record as LedgerEntry['record'],
    personalDigest: row.personal_digest,
    personal: personal as LedgerEntry['personal'],
  }
}

/** The number's ledger rows in order, a page at a time (within `db`'s transaction, for one snapshot). */
export async function* ledgerRows(db: Db, number: string, pageSize = PAGE_SIZE): AsyncGenerator<LedgerRow> {
  for (let after = 0; ; ) {
    const { rows } = await db.query<LedgerRow>(
      `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE number = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [number, after, pageSize],
    )
    yield* rows
    if (rows.length < pageSize) return
    after = Number(rows.at(-1)!.seq)
  }
}

export interface ContactRow {
  id: string
  contact: Contact
  conversation: StoredConversation | null
}

/** The SQL of a page of contacts with their conversations, after the id `$2`. */
export const CONTACTS_PAGE = `SELECT c.id, c.data AS contact, v.data AS conversation
  FROM contacts c LEFT JOIN conversations v ON v.number = c.number AND v.id = c.id
  WHERE c.number = $1 AND c.id > $2 ORDER BY c.id LIMIT $3`
