/**
 * The ledger's tamper evidence: every entry carries the hash of the one before it, so editing,
 * removing or reordering any entry breaks the chain from there on.
 *
 * The hash covers the record and a digest of its personal details, not the details themselves:
 * an erasure can drop the details (the phone number, the words) and the chain still verifies,
 * while details that are present must still match their digest.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
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

/**
 * A signed head: the ledger's last record (its number and hash) at a moment, signed with the
 * data folder's Ed25519 key. Re-forging the ledger (every hash recomputed) without the private
 * key contradicts every head signed before; the key's fingerprint, published elsewhere by the
 * owner, tells a reader which key is theirs.
 */
export interface SignedHead {
  seq: number
  hash: string
  at: string
  /** The signing key's fingerprint (see keyFingerprint). */
  key: string
  /** Ed25519 signature of headMessage(seq, hash, at), base64. */
  signature: string
}

/** What a head's signature covers. */
export const headMessage = (seq: number, hash: string, at: string): string => `consent-ledger-head/1\n${seq}\n${hash}\n${at}`

/** A public key from either half of the pair, as a KeyObject or PEM. */
function publicKeyOf(key: KeyObject | string): KeyObject {
  if (typeof key === 'string') return key.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(key)) : createPublicKey(key)
  return key.type === 'private' ? createPublicKey(key) : key
}

/** SHA-256 of the raw 32-byte Ed25519 public key, in hex groups of four: what the owner publishes. */
export function keyFingerprint(key: KeyObject | string): string {
  const raw = Buffer.from(publicKeyOf(key).export({ format: 'jwk' }).x ?? '', 'base64url')
  return createHash('sha256').update(raw).digest('hex').match(/.{4}/g)!.join(' ')
}

export function signHead(privateKey: KeyObject | string, head: { seq: number; hash: string; at: string }): SignedHead {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey
  const signature = sign(null, Buffer.from(headMessage(head.seq, head.hash, head.at)), key).toString('base64')
  return { seq: head.seq, hash: head.hash, at: head.at, key: keyFingerprint(key), signature }
}

/** Whether `head` was signed by `key` (either half of the pair) and names it. */
export function headSignatureHolds(key: KeyObject | string, head: SignedHead): boolean {
  const publicKey = publicKeyOf(key)
  if (head.key !== keyFingerprint(publicKey)) return false
  try {
    return verify(null, Buffer.from(headMessage(head.seq, head.hash, head.at)), publicKey, Buffer.from(head.signature, 'base64'))
  } catch {
    return false
  }
}
