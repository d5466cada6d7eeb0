/**
 * Moving a store's data in (`npm run store:copy` builds on it): contacts, conversations, notices
 * and ledger entries written verbatim (the same seq, prev, hash and personal parts) into a number
 * that holds nothing yet, in one transaction. The chain is checked before anything is written,
 * and again as the database holds it before COMMIT; then the imported head is signed with the
 * number's key. Nothing is half-imported: a refusal or a failure leaves the number empty.
 */
import { chainChecker, type LedgerEntry, verifyChain } from '../../domain/ledger.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { Db } from './connection.js'
import { entryOf, insertEntries, insertNotices, insertRows, ledgerRows } from './rows.js'
import { sealHead } from './seals.js'
import { lockHead, type Scope } from './writes.js'

/** Data that cannot be imported as it is; nothing was written. */
export class PostgresImportError extends Error {
  constructor(
    readonly number: string,
    readonly reason: string,
  ) {
    super(`Cannot import into number ${number} in PostgreSQL: ${reason}. Nothing was written`)
    this.name = 'PostgresImportError'
  }
}

/** What `data` lacks to be imported as it is, checked before the transaction begins. */
export function importProblem(data: ConsentData): string | undefined {
  const check = verifyChain(data.ledger)
  if (!check.intact)
    return `the ledger to import does not verify: record ${check.seq}${check.recordId ? ` (${check.recordId})` : ''} ${check.reason}`
  const contacts = Object.entries(data.contacts)
  const misnamed = contacts.filter(([id, contact]) => contact.id !== id).length
  if (misnamed) return `${misnamed} contact(s) are filed under an id that is not their own`
  const orphans = Object.keys(data.conversations).filter((id) => !data.contacts[id]).length
  if (orphans) return `${orphans} conversation(s) have no contact`
  return undefined
}

/** Imports `data` into the scope's number (in the caller's transaction). */
export async function writeImport(db: Db, scope: Scope, data: ConsentData): Promise<{ contacts: number; records: number }> {
  const { number } = scope
  const head = await lockHead(db, number)
  const held = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM contacts WHERE number = $1) OR EXISTS (SELECT 1 FROM notices WHERE number = $1)
       OR EXISTS (SELECT 1 FROM ledger WHERE number = $1) AS held`,
    [number],
  )
  if (head.seq > 0 || held.rows[0]?.held)
    throw new PostgresImportError(number, 'it already holds data (import only into a number that holds nothing)')

  await insertNotices(db, number, data.notices)
  const contacts = Object.values(data.contacts)
  await insertRows(
    db,
    'INSERT INTO contacts (number, id, lid, data)',
    contacts.map((contact) => [number, contact.id, contact.lid ?? null, JSON.stringify(contact)]),
  )
  await insertRows(
    db,
    'INSERT INTO conversations (number, id, data)',
    Object.entries(data.conversations).map(([id, conversation]) => [number, id, JSON.stringify(conversation)]),
  )
  await insertEntries(db, number, data.ledger)

  // The chain as the database holds it now: what COMMIT would keep.
  const chain = chainChecker()
  let last: LedgerEntry | undefined
  for await (const row of ledgerRows(db, number)) {
    const entry = entryOf(row)
    const verdict = typeof entry === 'string' ? undefined : chain.next(entry)
    const reason = typeof entry === 'string' ? entry : verdict && !verdict.intact ? verdict.reason : undefined
    if (reason) throw new PostgresImportError(number, `record ${row.seq} reads back differently from what was written (${reason})`)
    last = entry as LedgerEntry
  }
  if ((last?.seq ?? 0) !== data.ledger.length)
    throw new PostgresImportError(number, `${data.ledger.length} records were written but ${last?.seq ?? 0} read back`)
  if (last) {
    const at = new Date().toISOString()
    await db.query('UPDATE ledger_heads SET seq = $2, hash = $3, at = $4 WHERE number = $1', [number, last.seq, last.hash, at])
    await sealHead(db, number, scope.key, last, at)
  }
  return { contacts: contacts.length, records: data.ledger.length }
}
