/**
 * The journal (write-ahead log): one line per commit, holding the contact's full new state, their
 * conversation and the ledger entries the commit appended. A commit is confirmed once its line is
 * fsynced; the shard files catch up at compaction. Replaying the journals in order over the
 * shards gives the newest state, because each line holds a contact's whole state, a journal only
 * holds lines written after the shards it was rotated out from were last folded, and later lines
 * win. The ledger entries let a start-up restore ledger lines a kill cut short (see
 * `LedgerFile.restore`).
 */
import type { LedgerEntry } from '../../domain/ledger.js'
import { DatabaseFileError } from './errors.js'
import { isObject, parseLine } from './json-lines.js'
import { ledgerEntryProblem } from './ledger-file.js'
import { contactProblem, conversationProblem } from './shards.js'

export const JOURNAL_FILE = 'journal.jsonl'

/** `journal.<n>.jsonl`: a journal rotated out, to be folded into the shards and then deleted. */
export const rotatedJournalName = (n: number): string => `journal.${n}.jsonl`
const ROTATED = /^journal\.(\d+)\.jsonl$/

/** The rotated journals among a directory's file names, oldest first. */
export function rotatedJournals(names: string[]): { name: string; n: number }[] {
  return names
    .map((name) => ({ name, n: Number(ROTATED.exec(name)?.[1] ?? NaN) }))
    .filter(({ n }) => Number.isSafeInteger(n))
    .sort((a, b) => a.n - b.n)
}

/** One commit as a journal line, built from JSON already stringified once. */
export function journalLine(contact: string | undefined, conversation: string | undefined, ledger: string[], removed?: string): string {
  const state = contact === undefined ? '' : `"contact":${contact},${conversation === undefined ? '' : `"conversation":${conversation},`}`
  // An address merged into this contact: its own entry goes in the same line, so a replay never
  // brings back the person as two contacts.
  const gone = removed === undefined ? '' : `"removed":${JSON.stringify(removed)},`
  return `{${state}${gone}"ledger":[${ledger.join(',')}]}\n`
}

export interface JournalRecord {
  line: number
  contact?: { id: string; json: string; conversation?: string }
  /** The entry of an address merged into `contact`, removed by this line. */
  removed?: string
  ledger: LedgerEntry[]
}

export function parseJournalLine(file: string, line: number, text: string): JournalRecord {
  const value = parseLine(file, line, text)
  const fail = (problem: string): never => {
    throw new DatabaseFileError(file, line, problem)
  }
  if (!isObject(value) || !Array.isArray(value.ledger)) return fail('is not a journal line (it needs a ledger list)')
  for (const entry of value.ledger) {
    const problem = ledgerEntryProblem(entry)
    if (problem) fail(problem)
  }
  const record: JournalRecord = { line, ledger: value.ledger as LedgerEntry[] }
  if (value.removed !== undefined) {
    if (typeof value.removed !== 'string' || value.removed === '') fail('holds a removed address that is not a string')
    record.removed = value.removed as string
  }
  if (value.contact !== undefined) {
    const problem =
      contactProblem(value.contact) ?? (value.conversation === undefined ? undefined : conversationProblem(value.conversation))
    if (problem) fail(problem)
    const contact = value.contact as { id: string }
    record.contact = { id: contact.id, json: JSON.stringify(contact) }
    if (value.conversation !== undefined) record.contact.conversation = JSON.stringify(value.conversation)
  }
  return record
}
