/**
 * The ledger's seals in the database, as the file store keeps them in files: each number's
 * Ed25519 key (`ledger_keys`, made at its first start), its signed heads (`ledger_seals`: every
 * 1000 records, in the transaction that passes the mark, and at start and at a clean stop) and
 * its anchored head (`ledger_heads`, moved in the transaction of every write). A re-forged
 * ledger (every hash recomputed) contradicts the heads signed before it; a cut one ends before
 * its head.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { headSignatureHolds, keyFingerprint, type LedgerEntry, type SignedHead, signHead } from '../../domain/ledger.js'
import type { LedgerSeals } from '../../ports/consent-reader.js'
import type { Db } from './connection.js'
import { PostgresLedgerError } from './errors.js'
import { where } from './number.js'

/** A signed head every this many records (besides those at start and stop). */
export const CHECKPOINT_EVERY = 1000

export type Head = Pick<LedgerEntry, 'seq' | 'hash'>

/** Signs `head` now and keeps the signature. */
export async function sealHead(db: Db, number: string, key: KeyObject, head: Head, at = new Date().toISOString()): Promise<SignedHead> {
  const signed = signHead(key, { seq: head.seq, hash: head.hash, at })
  await db.query('INSERT INTO ledger_seals (number, seq, hash, at, key, signature) VALUES ($1, $2, $3, $4, $5, $6)', [
    number,
    signed.seq,
    signed.hash,
    signed.at,
    signed.key,
    signed.signature,
  ])
  return signed
}

/** Whether a write that moved the head from `before` to `after` passed a multiple of CHECKPOINT_EVERY. */
export const passesCheckpoint = (before: Head, after: Head, every = CHECKPOINT_EVERY): boolean =>
  Math.floor(after.seq / every) > Math.floor(before.seq / every)

/** The newest signed head of `number`, if any. */
export async function newestSeal(db: Db, number: string): Promise<SignedHead | undefined> {
  const { rows } = await db.query<SealRow>(`${SEAL_COLUMNS} WHERE number = $1 ORDER BY id DESC LIMIT 1`, [number])
  return rows[0] && headOf(rows[0])
}

/**
 * The number's signing key, made on its first start. A number that has signed heads and no key
 * is refused, as the file store refuses a folder whose key went: a new key would sign a ledger
 * nobody could tell from a re-forged one.
 */
export async function signingKey(db: Db, number: string): Promise<KeyObject> {
  const found = await db.query<{ private_key: string }>('SELECT private_key FROM ledger_keys WHERE number = $1', [number])
  if (found.rows[0]) return createPrivateKey(found.rows[0].private_key)
  if (await newestSeal(db, number))
    throw new PostgresLedgerError(
      number,
      'has signed heads (table ledger_seals) but its key is gone from table ledger_keys: put back the row you kept, or, if it is lost, move its ledger_seals rows to a table of their own (keep them: they are evidence) and start the bot to make a new key; then publish the new fingerprint',
    )
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  await db.query(
    `INSERT INTO ledger_keys (number, algorithm, fingerprint, public_key, private_key) VALUES ($1, 'Ed25519', $2, $3, $4)
     ON CONFLICT (number) DO NOTHING`,
    [
      number,
      keyFingerprint(publicKey),
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ],
  )
  return signingKey(db, number)
}

/**
 * What the bot refuses at start, before it writes: a ledger that does not end at its anchored
 * head, or a newest signed head the key did not sign or the ledger does not hold.
 */
export async function sealProblem(db: Db, number: string, key: KeyObject, head: Head): Promise<PostgresLedgerError | undefined> {
  const last = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM ledger WHERE number = $1 ORDER BY seq DESC LIMIT 1', [
    number,
  ])
  const lastSeq = Number(last.rows[0]?.seq ?? 0)
  if (lastSeq !== head.seq || (last.rows[0] && last.rows[0].hash !== head.hash))
    return new PostgresLedgerError(
      number,
      `ends at record ${lastSeq}, but table ledger_heads anchored record ${head.seq} (hash ${head.hash.slice(0, 12)}…): records were removed or rewritten`,
    )
  const newest = await newestSeal(db, number)
  if (!newest) return undefined
  if (!headSignatureHolds(key, newest))
    return new PostgresLedgerError(number, `holds a signed head (record ${newest.seq}) not signed by its key in table ledger_keys`)
  const signed = await db.query<{ hash: string }>('SELECT hash FROM ledger WHERE number = $1 AND seq = $2', [number, newest.seq])
  if (signed.rows[0]?.hash !== newest.hash)
    return new PostgresLedgerError(number, `does not hold record ${newest.seq} as it was signed (${newest.at}): the ledger was rewritten`)
  return undefined
}

interface SealRow {
  id: string
  seq: string
  hash: string
  at: string
  key: string
  signature: string
}

const SEAL_COLUMNS = 'SELECT id, seq, hash, at, key, signature FROM ledger_seals'

const headOf = (row: SealRow): SignedHead => ({ seq: Number(row.seq), hash: row.hash, at: row.at, key: row.key, signature: row.signature })

/** The number's seals as the owner's tools read them (LedgerSeals), judged by nobody here. */
export async function readSeals(db: Db, number: string): Promise<LedgerSeals> {
  const [head, seals, key] = [
    await db.query<{ seq: string; hash: string; at: string }>('SELECT seq, hash, at FROM ledger_heads WHERE number = $1', [number]),
    await db.query<SealRow>(`${SEAL_COLUMNS} WHERE number = $1 ORDER BY id`, [number]),
    await db.query<{ public_key: string }>('SELECT public_key FROM ledger_keys WHERE number = $1', [number]),
  ]
  const anchored = head.rows[0] && Number(head.rows[0].seq) > 0 ? head.rows[0] : undefined
  const signed = seals.rows.map((row) => ({ where: where.seal(number, Number(row.id)), head: headOf(row) }))
  const publicKey = key.rows[0]?.public_key
  return {
    ledger: where.table('ledger', number),
    notices: where.table('notices', number),
    contacts: where.table('contacts', number),
    anchors: [
      ...(anchored
        ? [{ where: where.table('ledger_heads', number), seq: Number(anchored.seq), hash: anchored.hash, at: anchored.at }]
        : []),
      ...signed.map((seal) => ({ where: seal.where, seq: seal.head.seq, hash: seal.head.hash, at: seal.head.at })),
    ],
    signed,
    ...(publicKey
      ? {
          key: {
            where: where.table('ledger_keys', number),
            publicKey: createPublicKey(publicKey).export({ type: 'spki', format: 'pem' }).toString(),
            fingerprint: keyFingerprint(publicKey),
          },
        }
      : {}),
  }
}
