/**
 * `npm run ledger:verify`: checks the consent ledger's hash chain record by record, as an
 * authority or an auditor would. Prints "N records, chain intact" and exits 0, or names the first
 * record that does not hold (its line in ledger.jsonl, its number, its record id and what is wrong)
 * and exits 1. Exits 2 on a bad option. Reads only; never writes.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { LEDGER_FILE, openConsentReader } from '../../adapters/lowdb-store.js'
import { loadDotEnv, parseConfig } from '../../app/config.js'
import { chainChecker } from '../../domain/ledger.js'
import type { ConsentReader } from '../../ports/consent-reader.js'

const USAGE = `Usage: npm run ledger:verify -- [--data-dir DIR]

Checks that no record of the consent ledger (DIR/ledger.jsonl) was changed, removed, added or
moved since it was written: each record carries the hash of the one before it.

  --data-dir DIR   the bot's data folder (default: DATA_DIR from the environment or .env, else data)
  --help           show this text

Exit status: 0 when the chain is intact, 1 when a record does not hold, 2 on a bad option.`

export type LedgerVerdict =
  | { intact: true; count: number; cutShort: boolean }
  /** `where`: the record's place as the store names it (for ledger.jsonl, `file:line`). */
  | { intact: false; where: string; seq?: number; recordId?: string; reason: string; intactBefore: number }

/** Walks the ledger record by record; names the first record that does not hold. */
export async function verifyLedger(reader: ConsentReader): Promise<LedgerVerdict> {
  // Streamed: only the entry before is kept, whatever the ledger's length.
  const chain = chainChecker()
  let unreadable: { where: string; reason: string } | undefined
  let cutShort = false
  for await (const step of reader.ledger()) {
    if (step.kind === 'record') {
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
  return { intact: true, count: check.count, cutShort }
}

/** The verdict as the owner reads it. */
export function describeVerdict(verdict: LedgerVerdict): string {
  if (verdict.intact) {
    const note = verdict.cutShort
      ? ` (the last line, cut short by a crash before it was confirmed, is not counted; the bot removes it when it starts)`
      : ''
    return `${verdict.count} records, chain intact${note}`
  }
  const record = verdict.seq === undefined ? 'this line' : `record ${verdict.seq}${verdict.recordId ? ` (${verdict.recordId})` : ''}`
  const before = `The ${verdict.intactBefore} record${verdict.intactBefore === 1 ? '' : 's'} before it are intact`
  return `${verdict.where}: ${record} ${verdict.reason}. ${before}; compare this line with the same line in a backup (backups/) to see what changed.`
}

async function main(): Promise<number> {
  const projectDir = process.cwd()
  let dataDir: string
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    })
    if (values.help) {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
    loadDotEnv(projectDir)
    // The data folder is found exactly as the bot finds it (flag, DATA_DIR in the environment or .env, default).
    const config = parseConfig(values['data-dir'] === undefined ? [] : ['--data-dir', values['data-dir']], process.env, projectDir)
    if (config === 'help') return 0
    dataDir = config.dataDir
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const file = join(dataDir, LEDGER_FILE)
  if (!existsSync(file)) {
    process.stderr.write(`${file}: there is no ledger here. Is --data-dir the folder the bot keeps its data in?\n`)
    return 1
  }
  const verdict = await verifyLedger(openConsentReader(dataDir))
  const text = describeVerdict(verdict)
  if (verdict.intact) process.stdout.write(`${text}\n`)
  else process.stderr.write(`${text}\n`)
  return verdict.intact ? 0 : 1
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
