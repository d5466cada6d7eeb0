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
import { DatabaseFileError } from '../../adapters/lowdb-store.js'
import { LEDGER_FILE, parseLedgerLine, readLinesSync } from '../../adapters/store/ledger-file.js'
import { loadDotEnv, parseConfig } from '../../app/config.js'
import { verifyChain, type LedgerEntry } from '../../domain/ledger.js'

const USAGE = `Usage: npm run ledger:verify -- [--data-dir DIR]

Checks that no record of the consent ledger (DIR/ledger.jsonl) was changed, removed, added or
moved since it was written: each record carries the hash of the one before it.

  --data-dir DIR   the bot's data folder (default: DATA_DIR from the environment or .env, else data)
  --help           show this text

Exit status: 0 when the chain is intact, 1 when a record does not hold, 2 on a bad option.`

export type LedgerVerdict =
  | { intact: true; count: number; cutShort: boolean }
  | { intact: false; line: number; seq?: number; recordId?: string; reason: string; intactBefore: number }

/** Walks `file` line by line; stops at the first record that does not hold. */
export function verifyLedgerFile(file: string): LedgerVerdict {
  const lineOf: number[] = []
  let unreadable: { line: number; reason: string } | undefined
  let cutShort = false
  function* entries(): Generator<LedgerEntry> {
    for (const { line, text, complete } of readLinesSync(file)) {
      if (!complete) {
        // A write a kill cut short: never confirmed, and the bot removes it when it starts.
        cutShort = true
        return
      }
      try {
        const entry = parseLedgerLine(file, line, text)
        lineOf.push(line)
        yield entry
      } catch (error) {
        if (!(error instanceof DatabaseFileError)) throw error
        unreadable = { line, reason: error.reason }
        return
      }
    }
  }
  const check = verifyChain(entries())
  if (!check.intact) {
    return {
      intact: false,
      line: lineOf[check.count - 1] ?? check.count,
      seq: check.seq,
      ...(check.recordId ? { recordId: check.recordId } : {}),
      reason: check.reason,
      intactBefore: check.count - 1,
    }
  }
  if (unreadable) return { intact: false, ...unreadable, intactBefore: check.count }
  return { intact: true, count: check.count, cutShort }
}

/** The verdict as the owner reads it. */
export function describeVerdict(file: string, verdict: LedgerVerdict): string {
  if (verdict.intact) {
    const note = verdict.cutShort
      ? ` (the last line, cut short by a crash before it was confirmed, is not counted; the bot removes it when it starts)`
      : ''
    return `${verdict.count} records, chain intact${note}`
  }
  const record = verdict.seq === undefined ? 'this line' : `record ${verdict.seq}${verdict.recordId ? ` (${verdict.recordId})` : ''}`
  const before = `The ${verdict.intactBefore} record${verdict.intactBefore === 1 ? '' : 's'} before it are intact`
  return `${file}:${verdict.line}: ${record} ${verdict.reason}. ${before}; compare this line with the same line in a backup (backups/) to see what changed.`
}

function main(): number {
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
  const verdict = verifyLedgerFile(file)
  const text = describeVerdict(file, verdict)
  if (verdict.intact) process.stdout.write(`${text}\n`)
  else process.stderr.write(`${text}\n`)
  return verdict.intact ? 0 : 1
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main()
  } catch (error) {
    process.stderr.write(`ledger:verify stopped: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
