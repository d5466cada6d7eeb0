/**
 * Erasure's part in the files: ledger.jsonl rewritten with the person's personal details set to
 * null (their records stay, as evidence, and the chain still verifies: the hashes cover only a
 * digest of those details). The rest of an erasure (the contact out of memory, the contact files
 * and journals rewritten, older backups dropped, the proof appended) is the store's.
 */
import { existsSync, readFileSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConsentRecord } from '../../domain/consent.js'
import type { CommitLog } from './commit-log.js'
import { AppendFile, FILE_MODE, parseJsonFile, syncDir, TEMP_SUFFIX, writeFileDurably, type OnSync } from './durable-file.js'
import { DatabaseFileError } from './errors.js'
import { isObject } from './json-lines.js'
import { copyRedacted, LEDGER_FILE, parseLedgerLine, readLines } from './ledger-file.js'

/**
 * Rewrites ledger.jsonl with the personal details of `addresses` (a person's number and `…@lid`)
 * set to null. Most of the file is copied while commits go on; only the lines appended meanwhile
 * are copied with them paused.
 */
export async function redactLedger(dataDir: string, commits: CommitLog, addresses: readonly string[], onSync?: OnSync): Promise<void> {
  const file = join(dataDir, LEDGER_FILE)
  const temp = file + TEMP_SUFFIX
  const out = await open(temp, 'w', FILE_MODE)
  let outOpen = true
  try {
    const copied = commits.ledger.size
    const lines = await copyRedacted(file, out, addresses, 0, copied, 1)
    await commits.io.run(async () => {
      await copyRedacted(file, out, addresses, copied, commits.ledger.size, lines + 1)
      await out.sync()
      onSync?.(temp)
      await out.close()
      outOpen = false
      await commits.ledger.close()
      await rename(temp, file)
      await syncDir(dataDir, onSync)
      commits.ledger = await AppendFile.open(file, onSync)
    })
  } catch (error) {
    if (outOpen) await out.close()
    await unlink(temp).catch(() => {})
    throw error
  }
}

/**
 * `erasures.json`: the erasures asked for and not yet done, written durably before anything of
 * the person is removed and removed once the proof is in the ledger. A start finds those a kill
 * interrupted and finishes them before any message is handled. It holds the person's addresses
 * (needed to find them) for as long as it takes; backups never copy it.
 */
export const ERASURES_FILE = 'erasures.json'

export interface PendingErasure {
  /** Every address of the person: the one they wrote from, their number, their `…@lid`. */
  addresses: string[]
  /** The `erased` record to append once everything else is done. */
  proof: ConsentRecord
}

/** The steps of an erasure, each complete on disk when named (tests crash between them). */
export type ErasureStep = 'requested' | 'folded' | 'redacted' | 'backed-up' | 'proved'

export function readPendingErasures(dataDir: string): PendingErasure[] {
  const file = join(dataDir, ERASURES_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  return parseJsonFile<PendingErasure[]>(file, text, (value) =>
    Array.isArray(value) &&
    value.every(
      (item) =>
        isObject(item) &&
        Array.isArray(item.addresses) &&
        item.addresses.every((a) => typeof a === 'string') &&
        isObject(item.proof) &&
        typeof item.proof.id === 'string',
    )
      ? undefined
      : 'is not a list of erasures (addresses and proof)',
  )
}

/** Replaces the list durably (the file goes once the list is empty). */
export async function writePendingErasures(dataDir: string, pending: PendingErasure[], onSync?: OnSync): Promise<void> {
  const file = join(dataDir, ERASURES_FILE)
  if (pending.length) return writeFileDurably(file, `${JSON.stringify(pending, null, 2)}\n`, onSync)
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
  await syncDir(dataDir, onSync)
}

/** Whether ledger.jsonl holds the record `id` (an interrupted erasure may have appended its proof). */
export async function ledgerHolds(dataDir: string, id: string): Promise<boolean> {
  const needle = `"id":${JSON.stringify(id)}`
  const file = join(dataDir, LEDGER_FILE)
  if (!existsSync(file)) return false
  for await (const { line, text, complete } of readLines(file)) {
    if (complete && text.includes(needle) && parseLedgerLine(file, line, text).record.id === id) return true
  }
  return false
}
