/**
 * The ledger's tamper evidence: every entry carries the hash of the one before it, so editing,
 * removing or reordering any entry breaks the chain from there on.
 *
 * The hash covers the record and a digest of its personal details, not the details themselves:
 * an erasure can drop the details (the phone number, the words) and the chain still verifies,
 * while details that are present must still match their digest.
 */
import { createHash } from 'node:crypto'
import type { ConsentRecord, PersonalDetails } from './consent.js'

export interface LedgerEntry {
  /** 1, 2, 3… in the order written. */
  seq: number
  /** Hash of the previous entry (GENESIS for the first). */
  prev: string
  /** sha256 of prev, seq, record and personalDigest. */
  hash: string
  record: ConsentRecord
  /** sha256 of the personal details as first written; empty for a record written without any. */
  personalDigest: string
  /** null once erased. */
  personal: PersonalDetails | null
}

export const GENESIS = '0'.repeat(64)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** JSON with object keys sorted, so a hash does not depend on the order fields were written in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  // Written as loops: every ledger entry is sealed with it, twice, on the way to the disk.
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]))
    return `${out}]`
  }
  const object = value as Record<string, unknown>
  const keys = Object.keys(object).sort()
  let out = '{'
  let first = true
  for (const key of keys) {
    const item = object[key]
    if (item === undefined) continue
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`
    first = false
  }
  return `${out}}`
}

export function digestPersonal(personal: PersonalDetails): string {
  return sha256(canonicalJson(personal))
}

function entryHash(prev: string, seq: number, record: ConsentRecord, personalDigest: string): string {
  return sha256(`${prev}\n${seq}\n${canonicalJson(record)}\n${personalDigest}`)
}

/** The entry that follows `previous` (undefined: the first entry of the ledger). */
export function sealEntry(
  previous: Pick<LedgerEntry, 'seq' | 'hash'> | undefined,
  record: ConsentRecord,
  personal: PersonalDetails | null,
): LedgerEntry {
  const seq = (previous?.seq ?? 0) + 1
  const prev = previous?.hash ?? GENESIS
  const personalDigest = personal ? digestPersonal(personal) : ''
  return { seq, prev, hash: entryHash(prev, seq, record, personalDigest), record, personalDigest, personal }
}

export type ChainCheck = { intact: true; count: number } | { intact: false; count: number; seq: number; recordId?: string; reason: string }

/** Walks the whole chain; names the first entry that does not hold. */
export function verifyChain(entries: Iterable<LedgerEntry>): ChainCheck {
  const chain = chainChecker()
  for (const entry of entries) {
    const broken = chain.next(entry)
    if (broken) return broken
  }
  return chain.result()
}

/**
 * The same check one entry at a time, for a ledger read as a stream (nothing of it kept but the
 * entry before): `next` returns the verdict at the first broken entry, `result` once all are in.
 */
export function chainChecker(): { next(entry: LedgerEntry): ChainCheck | undefined; result(): ChainCheck } {
  let previous: LedgerEntry | undefined
  let count = 0
  return {
    next(entry) {
      count++
      const broken = (reason: string): ChainCheck => ({
        intact: false,
        count,
        seq: entry?.seq ?? count,
        recordId: entry?.record?.id,
        reason,
      })
      if (!entry || typeof entry !== 'object' || !entry.record) return broken('is not a ledger entry')
      if (entry.seq !== count)
        return broken(`has number ${String(entry.seq)} where ${count} was expected (an entry is missing, repeated or moved)`)
      if (entry.prev !== (previous?.hash ?? GENESIS))
        return broken('does not follow the entry before it (that one was changed, removed or moved)')
      if (entry.hash !== entryHash(entry.prev, entry.seq, entry.record, entry.personalDigest))
        return broken('was changed after it was written')
      if (entry.personal && digestPersonal(entry.personal) !== entry.personalDigest)
        return broken('has personal details that were changed after they were written')
      previous = entry
      return undefined
    },
    result: () => ({ intact: true, count }),
  }
}
