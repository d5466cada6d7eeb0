/**
 * What one transaction writes: a batch of commits, an erasure, an import. Each first locks the
 * number's head row (`SELECT … FOR UPDATE`): the entries it appends are chained from the head it
 * read, and no other transaction can chain from the same head, so no chain ever forks.
 *
 * A transaction may run twice: once more after a conflict, or after a lost session whose COMMIT
 * may have gone through. So each checks first which of its records the ledger already holds (by
 * record id) and skips what was written, instead of appending a record twice.
 */
import type { KeyObject } from 'node:crypto'
import type { Contact, ConsentRecord } from '../../domain/consent.js'
import { GENESIS, type LedgerEntry, sealEntry } from '../../domain/ledger.js'
import type { ContactChange } from '../../ports/consent-store.js'
import type { Db } from './connection.js'
import { insertEntries, insertNotices } from './rows.js'
import { type Head, passesCheckpoint, sealHead } from './seals.js'

export interface Scope {
  number: string
  key: KeyObject
}

/** The number's head, locked until the transaction ends. */
export async function lockHead(db: Db, number: string): Promise<Head> {
  const { rows } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM ledger_heads WHERE number = $1 FOR UPDATE', [
    number,
  ])
  if (!rows[0]) throw new Error(`table ledger_heads has no row for number ${number}: the store makes it when it opens`)
  return { seq: Number(rows[0].seq), hash: rows[0].hash }
}

/** Makes the number's head row (an empty ledger) if it has none. */
export async function ensureHead(db: Db, number: string): Promise<void> {
  await db.query('INSERT INTO ledger_heads (number, seq, hash, at) VALUES ($1, 0, $2, $3) ON CONFLICT (number) DO NOTHING', [
    number,
    GENESIS,
    new Date().toISOString(),
  ])
}

/** The ids among `ids` that the number's ledger holds. */
async function written(db: Db, number: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const { rows } = await db.query<{ record_id: string }>('SELECT record_id FROM ledger WHERE number = $1 AND record_id = ANY($2::text[])', [
    number,
    ids,
  ])
  return new Set(rows.map((row) => row.record_id))
}

/** Chains `records` after `head`. */
function chain(head: Head, records: { record: ConsentRecord; personal: LedgerEntry['personal'] }[]): LedgerEntry[] {
  const entries: LedgerEntry[] = []
  let previous: Head | undefined = head.seq ? head : undefined
  for (const { record, personal } of records) entries.push((previous = sealEntry(previous, record, personal)))
  return entries
}

/** Appends `entries`, moves the head to the last, and signs it if it passed a checkpoint. */
async function append(db: Db, { number, key }: Scope, head: Head, entries: LedgerEntry[]): Promise<void> {
  const last = entries.at(-1)
  if (!last) return
  await insertEntries(db, number, entries)
  const at = new Date().toISOString()
  await db.query('UPDATE ledger_heads SET seq = $2, hash = $3, at = $4 WHERE number = $1', [number, last.seq, last.hash, at])
  if (passesCheckpoint(head, last)) await sealHead(db, number, key, last, at)
}

async function putContact(db: Db, number: string, contact: Contact, conversation: unknown): Promise<void> {
  // One statement for both rows: the conversation's foreign key is checked at its end.
  await db.query(
    `WITH contact AS (
       INSERT INTO contacts (number, id, lid, data) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT (number, id) DO UPDATE SET lid = EXCLUDED.lid, data = EXCLUDED.data
     )
     INSERT INTO conversations (number, id, data) VALUES ($1, $2, $5::json)
     ON CONFLICT (number, id) DO UPDATE SET data = EXCLUDED.data`,
    [number, contact.id, contact.lid ?? null, JSON.stringify(contact), JSON.stringify(conversation)],
  )
}

/** Writes `changes` in order, in the caller's transaction (group commit: one COMMIT for them all). */
export async function writeChanges(db: Db, scope: Scope, changes: ContactChange[]): Promise<void> {
  const { number } = scope
  const head = await lockHead(db, number)
  const done = await written(
    db,
    number,
    changes.flatMap((change) => change.records.map(({ record }) => record.id)),
  )
  // A change whose records are in was committed whole by an earlier attempt, and so was any
  // change of the same contact before it in this batch (the same batch, tried again): skipped.
  const skip = new Set<number>()
  changes.forEach((change, i) => {
    if (!change.records.some(({ record }) => done.has(record.id))) return
    for (let j = 0; j <= i; j++) if (changes[j]!.contact.id === change.contact.id) skip.add(j)
  })
  const records: ContactChange['records'] = []
  for (const [i, change] of changes.entries()) {
    if (skip.has(i)) continue
    const replaces = change.replaces !== undefined && change.replaces !== change.contact.id ? change.replaces : undefined
    // Its conversation goes with it (ON DELETE CASCADE).
    if (replaces !== undefined) await db.query('DELETE FROM contacts WHERE number = $1 AND id = $2', [number, replaces])
    await putContact(db, number, change.contact, change.conversation)
    if (Object.keys(change.notices).length) await insertNotices(db, number, change.notices)
    records.push(...change.records)
  }
  await append(db, scope, head, chain(head, records))
}

/**
 * The right to erasure, in one transaction: the person's contact and conversation go (under each
 * of their addresses: the one asked, their number, their `…@lid`), the personal part of their
 * ledger entries is nulled, and `proof` is appended.
 */
export async function writeErasure(db: Db, scope: Scope, address: string, proof: ConsentRecord): Promise<void> {
  const { number } = scope
  const head = await lockHead(db, number)
  const found = await db.query<{ id: string; lid: string | null }>(
    'SELECT id, lid FROM contacts WHERE number = $1 AND (id = $2 OR lid = $2)',
    [number, address],
  )
  const addresses = [...new Set([address, ...found.rows.flatMap((row) => [row.id, ...(row.lid ? [row.lid] : [])])])]
  await db.query('DELETE FROM contacts WHERE number = $1 AND (id = ANY($2::text[]) OR lid = ANY($2::text[]))', [number, addresses])
  await db.query('UPDATE ledger SET personal = NULL, personal_contact = NULL WHERE number = $1 AND personal_contact = ANY($2::text[])', [
    number,
    addresses,
  ])
  // A retry whose first attempt committed: the proof is in once.
  if ((await written(db, number, [proof.id])).size) return
  await append(db, scope, head, chain(head, [{ record: proof, personal: null }]))
}
