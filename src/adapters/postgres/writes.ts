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
import type { ConsentRecord } from '../../domain/consent.js'
import { GENESIS, type LedgerEntry, sealEntry } from '../../domain/ledger.js'
import type { ContactChange } from '../../ports/consent-store.js'
import type { Db } from './connection.js'
import { insertEntries } from './rows.js'
import { type Head, passesCheckpoint, sealHead } from './seals.js'

/**
 * A change as it is written: the contact, its conversation and the notices already in the JSON
 * the database keeps (made once, when the change is handed over: the snapshot of it, which the
 * store's memory of recent contacts keeps too), the records as objects (they are sealed later,
 * chained after whatever the batch holds before them).
 */
export interface PreparedChange {
  id: string
  lid: string | null
  contact: string
  conversation: string
  notices: Record<string, string>
  records: ContactChange['records']
  replaces?: string
}

export function prepare(change: ContactChange): PreparedChange {
  return {
    id: change.contact.id,
    lid: change.contact.lid ?? null,
    contact: JSON.stringify(change.contact),
    conversation: JSON.stringify(change.conversation),
    notices: Object.fromEntries(Object.entries(change.notices).map(([hash, notice]) => [hash, JSON.stringify(notice)])),
    records: structuredClone(change.records),
    ...(change.replaces !== undefined && change.replaces !== change.contact.id ? { replaces: change.replaces } : {}),
  }
}

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

/**
 * The number's head, locked, and which of `ids` its ledger holds already: one round trip, as
 * lockHead and written would take two.
 */
async function lockHeadAndCheck(db: Db, number: string, ids: string[]): Promise<{ head: Head; done: Set<string> }> {
  const { rows } = await db.query<{ seq: string; hash: string; done: string[] | null }>({
    // Named: run for every batch, planned once per connection.
    name: 'lock-head-and-check',
    text: `SELECT seq, hash, (SELECT array_agg(record_id) FROM ledger WHERE number = $1 AND record_id = ANY($2::text[])) AS done
       FROM ledger_heads WHERE number = $1 FOR UPDATE`,
    values: [number, ids],
  })
  if (!rows[0]) throw new Error(`table ledger_heads has no row for number ${number}: the store makes it when it opens`)
  return { head: { seq: Number(rows[0].seq), hash: rows[0].hash }, done: new Set(rows[0].done ?? []) }
}

/**
 * A batch without merges, in one statement: contacts, conversations, notices, the ledger's new
 * entries and its head, each a data-modifying part of one WITH (PostgreSQL runs them all, and
 * checks the conversations' foreign key at the statement's end). Round trips, not rows, are what
 * a commit waits for on this machine.
 */
async function writeAtOnce(
  db: Db,
  number: string,
  rows: PreparedChange[],
  notices: Record<string, string>,
  entries: LedgerEntry[],
): Promise<void> {
  const values: unknown[] = [number]
  const $ = (value: unknown) => `$${values.push(value)}`
  const latest = new Map<string, PreparedChange>()
  for (const row of rows) latest.delete(row.id), latest.set(row.id, row)
  const parts: string[] = []
  const people = [...latest.values()]
  if (people.length) {
    const contacts = people.map((row) => `($1, ${$(row.id)}, ${$(row.lid)}, ${$(row.contact)}::json)`)
    parts.push(`c AS (INSERT INTO contacts (number, id, lid, data) VALUES ${contacts.join(', ')}
      ON CONFLICT (number, id) DO UPDATE SET lid = EXCLUDED.lid, data = EXCLUDED.data)`)
    const conversations = people.map((row) => `($1, ${$(row.id)}, ${$(row.conversation)}::json)`)
    parts.push(`v AS (INSERT INTO conversations (number, id, data) VALUES ${conversations.join(', ')}
      ON CONFLICT (number, id) DO UPDATE SET data = EXCLUDED.data)`)
  }
  const texts = Object.entries(notices)
  if (texts.length)
    parts.push(`n AS (INSERT INTO notices (number, hash, notice) VALUES ${texts.map(([hash, notice]) => `($1, ${$(hash)}, ${$(notice)})`).join(', ')}
      ON CONFLICT (number, hash) DO NOTHING)`)
  const last = entries.at(-1)
  if (last) {
    const ledger = entries.map(
      (e) =>
        `($1, ${$(e.seq)}, ${$(e.prev)}, ${$(e.hash)}, ${$(e.record.id)}, ${$(JSON.stringify(e.record))}, ${$(e.personalDigest)}, ${$(
          e.personal === null ? null : JSON.stringify(e.personal),
        )}, ${$(e.personal?.contact ?? null)})`,
    )
    parts.push(`l AS (INSERT INTO ledger (number, seq, prev, hash, record_id, record, personal_digest, personal, personal_contact)
      VALUES ${ledger.join(', ')})`)
    await db.query(
      `WITH ${parts.join(',\n')} UPDATE ledger_heads SET seq = ${$(last.seq)}, hash = ${$(last.hash)}, at = ${$(new Date().toISOString())} WHERE number = $1`,
      values,
    )
  } else if (parts.length) {
    await db.query(`WITH ${parts.join(',\n')} SELECT 1`, values)
  }
}

const noticesOf = (changes: PreparedChange[]): Record<string, string> => Object.assign({}, ...changes.map((change) => change.notices))

/** Writes `changes` in order, in the caller's transaction (group commit: one COMMIT for them all). */
export async function writeChanges(db: Db, scope: Scope, changes: PreparedChange[]): Promise<void> {
  const { number } = scope
  const { head, done } = await lockHeadAndCheck(
    db,
    number,
    changes.flatMap((change) => change.records.map(({ record }) => record.id)),
  )
  // A change whose records are in was committed whole by an earlier attempt, and so was any
  // change of the same contact before it in this batch (the same batch, tried again): skipped.
  const skip = new Set<number>()
  changes.forEach((change, i) => {
    if (!change.records.some(({ record }) => done.has(record.id))) return
    for (let j = 0; j <= i; j++) if (changes[j]!.id === change.id) skip.add(j)
  })
  const kept = changes.filter((_, i) => !skip.has(i))
  const entries = chain(
    head,
    kept.flatMap((change) => change.records),
  )
  // One statement for the batch (a batch is at most 200 commits of a few records each: well within
  // PostgreSQL's 65,535 parameters). A merge removes an entry between writes: what came before it
  // is written first, so the merge removes the entry as it stood (its conversation goes with it,
  // ON DELETE CASCADE); the ledger's entries and head come with the last part.
  let start = 0
  for (const [i, change] of kept.entries()) {
    if (change.replaces === undefined) continue
    const before = kept.slice(start, i)
    await writeAtOnce(db, number, before, noticesOf(before), [])
    await db.query('DELETE FROM contacts WHERE number = $1 AND id = $2', [number, change.replaces])
    start = i
  }
  const rest = kept.slice(start)
  await writeAtOnce(db, number, rest, noticesOf(rest), entries)
  const last = entries.at(-1)
  if (last && passesCheckpoint(head, last)) await sealHead(db, number, scope.key, last)
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
