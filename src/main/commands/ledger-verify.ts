/**
 * `npm run ledger:verify`: checks the consent ledger's hash chain record by record, as an
 * authority or an auditor would, then its seals: every head anchored outside it (store.json,
 * checkpoints.jsonl) is in it with the same hash, every signed head's signature holds with the
 * data folder's key, every notice text still has its hash, and every receipt id a contact file
 * names is in it. Prints "N records, chain intact" (and what is signed, by which key) and exits 0,
 * or names the first thing that does not hold (file, line, record, what is wrong) and exits 1.
 * Exits 2 on a bad option. Reads only; never writes.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { LEDGER_FILE } from '../../adapters/lowdb-store.js'
import { loadDotEnv, parseConfig, type Config, type StoreConfig } from '../../app/config.js'
import { chainChecker, headSignatureHolds } from '../../domain/ledger.js'
import type { ConsentReader, LedgerSeals } from '../../ports/consent-reader.js'
import type { ConsentData } from '../../ports/consent-store.js'
import { openReader, storeProblem, storesToRead } from '../store.js'
import { ALL_NUMBERS_FLAG, STORE_FLAGS, storeArgs } from './owner-options.js'

const USAGE = `Usage: npm run ledger:verify -- [--data-dir DIR | --number NAME | --all-numbers]

Checks that no record of the consent ledger (DIR/ledger.jsonl) was changed, removed, added or
moved since it was written: each record carries the hash of the one before it. Then checks the
ledger against what anchors it from outside: the head in store.json and the signed heads in
checkpoints.jsonl (their Ed25519 signatures with the key in ledger-key.json, whose fingerprint is
printed: compare it with the one the business published); that each notice text in notices.json
still has its hash; and that every receipt id the contact files name is in the ledger.

  --data-dir DIR   the bot's data folder (default: DATA_DIR from the environment or .env, else data)
  --number NAME    with DATABASE_URL (.env), the ledger is a table: checks that number's chain
                   (default: BOT_NUMBER, else main)
  --all-numbers    with DATABASE_URL: every number's chain, one line each
  --help           show this text

Exit status: 0 when the chain is intact (every number's, with --all-numbers), 1 when a record
does not hold, 2 on a bad option.`

export type LedgerVerdict =
  | {
      intact: true
      count: number
      cutShort: boolean
      /** The newest signed head and the key's fingerprint (absent: nothing signed yet). */
      signed?: { seq: number; at: string; fingerprint: string }
      /** How many notice texts and contacts' receipt ids were checked. */
      notices?: number
      receipts?: number
    }
  /** `where`: the record's place as the store names it (for ledger.jsonl, `file:line`). */
  | { intact: false; where: string; seq?: number; recordId?: string; reason: string; intactBefore: number }
  /** The chain holds, but what seals it from outside says it was cut, replaced or re-forged. */
  | { intact: false; sealBroken: true; where: string; reason: string; count: number }

export interface VerifyOptions {
  /**
   * The store's head anchor moves with every write and is signed only now and then (PostgreSQL's
   * ledger_heads row: signed every 1,000 records, at start and at a clean stop), so an unsigned
   * head is no sign of signed heads removed. The file store signs each head it writes into
   * store.json, so there an unsigned one is (the default).
   */
  liveHead?: boolean
}

/** Walks the ledger record by record; names the first record that does not hold; then checks its seals. */
export async function verifyLedger(reader: ConsentReader, options: VerifyOptions = {}): Promise<LedgerVerdict> {
  const seals = await reader.seals?.()
  // The hashes of the records an anchor names, noted on the way.
  const wanted = new Set(seals?.anchors.map((a) => a.seq))
  const hashes = new Map<number, string>()
  // Streamed: only the entry before is kept, whatever the ledger's length.
  const chain = chainChecker()
  let unreadable: { where: string; reason: string } | undefined
  let cutShort = false
  for await (const step of reader.ledger()) {
    if (step.kind === 'record') {
      if (wanted.has(step.entry.seq)) hashes.set(step.entry.seq, step.entry.hash)
      const broken = chain.next(step.entry)
      if (!broken || broken.intact) continue
      return {
        intact: false,
        where: step.where,
        seq: broken.seq,
        ...(broken.recordId ? { recordId: broken.recordId } : {}),
        reason: broken.reason,
        intactBefore: broken.count - 1,
      }
    }
    if (step.kind === 'unreadable') unreadable = { where: step.where, reason: step.reason }
    // A write a kill cut short: never confirmed, and the bot removes it when it starts.
    else cutShort = true
    break
  }
  const check = chain.result()
  if (unreadable) return { intact: false, ...unreadable, intactBefore: check.count }
  if (!seals) return { intact: true, count: check.count, cutShort }
  const sealBroken = (where: string, reason: string): LedgerVerdict => ({
    intact: false,
    sealBroken: true,
    where,
    reason,
    count: check.count,
  })
  const anchored = anchorProblem(seals, check.count, hashes, options.liveHead === true) ?? signatureProblem(seals)
  if (anchored) return sealBroken(anchored.where, anchored.reason)
  let data: ConsentData
  try {
    data = await reader.read()
  } catch (error) {
    return sealBroken(seals.ledger, `cannot be read with the rest of the data: ${(error as Error).message}`)
  }
  const content = noticeProblem(seals, data) ?? receiptProblem(seals, data)
  if (content) return sealBroken(content.where, content.reason)
  const newest = seals.signed.at(-1)
  return {
    intact: true,
    count: check.count,
    cutShort,
    ...(newest && seals.key ? { signed: { seq: newest.head.seq, at: newest.head.at, fingerprint: seals.key.fingerprint } } : {}),
    notices: Object.keys(data.notices).length,
    receipts: Object.values(data.contacts).reduce((sum, contact) => sum + Object.keys(contact.consents).length, 0),
  }
}

type Problem = { where: string; reason: string } | undefined

/** A head anchored outside the ledger that it does not reach, or reaches with another record. */
function anchorProblem(seals: LedgerSeals, count: number, hashes: Map<number, string>, liveHead: boolean): Problem {
  for (const anchor of seals.anchors) {
    const named = `record ${anchor.seq} (hash ${anchor.hash.slice(0, 12)}…, anchored ${anchor.at} in ${anchor.where})`
    if (anchor.seq > count) {
      const missing = anchor.seq - count
      return {
        where: seals.ledger,
        reason: `${count ? `ends at record ${count}` : 'holds no record'}, but the ledger reached ${named}: ${missing === 1 ? 'the last record is' : `the last ${missing} records are`} missing (removed from its end, or the file was emptied or replaced). Put back the ledger.jsonl of a backup that holds record ${anchor.seq}`,
      }
    }
    if (hashes.get(anchor.seq) !== anchor.hash)
      return {
        where: seals.ledger,
        reason: `holds a record ${anchor.seq} that is not ${named}: the ledger was rewritten from there on and its hashes recomputed. Compare it with a backup (backups/)`,
      }
  }
  // store.json's head is signed when it is written: without it, signed heads were removed.
  const head = liveHead ? undefined : seals.anchors.find((a) => !seals.signed.some((s) => s.where === a.where))
  if (head && !seals.signed.some((s) => s.head.seq === head.seq && s.head.hash === head.hash))
    return {
      where: head.where,
      reason: `anchors record ${head.seq}, but no signed head in checkpoints.jsonl names it: signed heads were removed`,
    }
  return undefined
}

/** A signed head whose signature does not hold with the data folder's key. */
function signatureProblem(seals: LedgerSeals): Problem {
  if (!seals.signed.length) return undefined
  if (!seals.key)
    return {
      where: seals.signed[0]!.where,
      reason: `is a signed head, and the key that checks it (ledger-key.json, beside ledger.jsonl) is missing: put it back`,
    }
  for (const { where, head } of seals.signed)
    if (!headSignatureHolds(seals.key.publicKey, head))
      return {
        where,
        reason: `is a head of record ${head.seq} whose signature does not hold with the key in ${seals.key.where} (fingerprint ${seals.key.fingerprint}): it was changed, or signed with another key`,
      }
  return undefined
}

/** A notice text that no longer has its hash, or a record whose notice text is gone. */
function noticeProblem(seals: LedgerSeals, data: ConsentData): Problem {
  for (const [hash, notice] of Object.entries(data.notices))
    if (createHash('sha256').update(notice.text).digest('hex') !== hash)
      return {
        where: seals.notices,
        reason: `holds a text under hash ${hash.slice(0, 12)}… (policy ${notice.policyVersion}, ${notice.language}) that no longer has that hash: it was changed after contacts were shown it. Put back notices.json from a backup`,
      }
  for (const entry of data.ledger)
    if (!data.notices[entry.record.notice.hash])
      return {
        where: seals.notices,
        reason: `lacks the notice text of record ${entry.seq} (${entry.record.id}, hash ${entry.record.notice.hash.slice(0, 12)}…): put back notices.json from a backup`,
      }
  return undefined
}

/** A receipt id a contact file names (the record that set an answer) that the ledger lacks. */
function receiptProblem(seals: LedgerSeals, data: ConsentData): Problem {
  const ids = new Set(data.ledger.map((entry) => entry.record.id))
  for (const contact of Object.values(data.contacts))
    for (const [purpose, consent] of Object.entries(contact.consents))
      if (!ids.has(consent.record))
        return {
          where: seals.contacts,
          reason: `name record ${consent.record} as the one that set a contact's answer on ${purpose} (contact ${contact.principal}), and the ledger does not hold it: it was removed`,
        }
  return undefined
}

/** The verdict as the owner reads it. */
export function describeVerdict(verdict: LedgerVerdict): string {
  if (verdict.intact) {
    const note = verdict.cutShort
      ? ` (the last line, cut short by a crash before it was confirmed, is not counted; the bot removes it when it starts)`
      : ''
    const lines = [`${verdict.count} records, chain intact${note}`]
    const { signed } = verdict
    if (signed) {
      const after = verdict.count - signed.seq
      lines.push(
        `signed up to record ${signed.seq} (${signed.at})${after > 0 ? `; the ${after} after it are signed at the next checkpoint or stop` : ''}`,
        `signing key fingerprint: ${signed.fingerprint} (compare it with the one the business published)`,
      )
    } else if (verdict.notices !== undefined) lines.push('no signed head yet (the bot signs one when it starts)')
    if (verdict.notices !== undefined)
      lines.push(
        `notice texts matching their hash: ${verdict.notices}; receipt ids named by contacts, all in the ledger: ${verdict.receipts}`,
      )
    return lines.join('\n')
  }
  if ('sealBroken' in verdict) return `${verdict.where}: ${verdict.reason}.`
  const record = verdict.seq === undefined ? 'this line' : `record ${verdict.seq}${verdict.recordId ? ` (${verdict.recordId})` : ''}`
  const before = `The ${verdict.intactBefore} record${verdict.intactBefore === 1 ? '' : 's'} before it are intact`
  return `${verdict.where}: ${record} ${verdict.reason}. ${before}; compare this line with the same line in a backup (backups/) to see what changed.`
}

async function main(): Promise<number> {
  const projectDir = process.cwd()
  let config: Config
  let all: boolean
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { ...STORE_FLAGS, ...ALL_NUMBERS_FLAG, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    })
    if (values.help) {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
    loadDotEnv(projectDir)
    // The store is found exactly as the bot finds it (flag, DATA_DIR and DATABASE_URL in the environment or .env, default).
    const parsed = parseConfig(storeArgs(values), process.env, projectDir)
    if (parsed === 'help') return 0
    config = parsed
    all = values['all-numbers'] === true
    if (all && config.store.kind === 'files')
      throw new Error('--all-numbers checks every number of a PostgreSQL database: set DATABASE_URL (.env)')
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const file = join(config.dataDir, LEDGER_FILE)
  // A missing ledger in a folder that anchored one is a finding, not a wrong folder.
  if (config.store.kind === 'files' && !existsSync(file) && !existsSync(join(config.dataDir, 'store.json'))) {
    process.stderr.write(`${file}: there is no ledger here. Is --data-dir the folder the bot keeps its data in?\n`)
    return 1
  }
  let stores: StoreConfig[]
  try {
    stores = await storesToRead(config, all)
  } catch (error) {
    process.stderr.write(`${storeProblem(error, config.store) ?? (error as Error).message}\n`)
    return 1
  }
  let broken = 0
  for (const store of stores) {
    const reader = await openReader(store, { dataDir: config.dataDir })
    try {
      const verdict = await verifyLedger(reader, { liveHead: store.kind === 'postgres' })
      // Each number's chain is its own: the lines say whose.
      const text = `${store.kind === 'postgres' ? `${store.number}: ` : ''}${describeVerdict(verdict)}`
      if (verdict.intact) process.stdout.write(`${text}\n`)
      else process.stderr.write(`${text}\n`)
      if (!verdict.intact) broken++
    } finally {
      await reader.close()
    }
  }
  return broken ? 1 : 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`ledger:verify stopped: ${(error as Error).message}\n`)
      process.exitCode = 1
    },
  )
}
