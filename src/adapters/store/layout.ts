/**
 * The data directory's layout: the names of its files, the manifest (`store.json`) and the notices
 * (`notices.json`), each with the check of its shape, and the refusal of the previous release's
 * single-file database.
 */
import { join } from 'node:path'
import type { StoredNotice } from '../../ports/consent-store.js'
import { DatabaseFileError } from './errors.js'
import { JOURNAL_FILE, rotatedJournals } from './journal.js'
import { isObject } from './json-lines.js'
import { LEDGER_FILE } from './ledger-file.js'
import { SCHEMA_VERSION } from './shards.js'

export const MANIFEST_FILE = 'store.json'
export const NOTICES_FILE = 'notices.json'
export const CONTACTS_DIR = 'contacts'
/** Signed heads of the ledger, one a line, appended (see seals.ts). */
export const CHECKPOINTS_FILE = 'checkpoints.jsonl'
/** The Ed25519 key pair that signs them, with its fingerprint (0600; never copied into backups/). */
export const KEY_FILE = 'ledger-key.json'
/** The single-file database of the previous release (schema 1). */
export const LEGACY_FILE = 'consent-db.json'

export interface Manifest {
  schemaVersion: number
  shards: number
  layout?: string
  /**
   * The ledger's last record when the bot last anchored it (at start, at each compaction and at a
   * clean stop), written only once the ledger holds it durably: a ledger that ends before it was cut.
   */
  ledgerHead?: { seq: number; hash: string; at: string }
}

export type Notices = Record<string, StoredNotice>

/** The manifest of a new data directory. */
export const newManifest = (shards: number): Manifest => ({
  schemaVersion: SCHEMA_VERSION,
  shards,
  layout: 'contacts/NN.json holds the contacts whose id hashes (FNV-1a) to NN modulo shards',
})

export function manifestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a store manifest'
  if (value.schemaVersion !== SCHEMA_VERSION)
    return `has schema version ${String(value.schemaVersion)}, and this bot reads version ${SCHEMA_VERSION}`
  if (!Number.isSafeInteger(value.shards) || (value.shards as number) < 1 || (value.shards as number) > 100)
    return 'needs "shards", a whole number from 1 to 100'
  if (value.ledgerHead !== undefined) {
    const head = value.ledgerHead
    if (!isObject(head) || !Number.isSafeInteger(head.seq) || typeof head.hash !== 'string' || typeof head.at !== 'string')
      return 'has a "ledgerHead" without its seq, hash and at'
  }
  return undefined
}

export function noticesProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a list of notices by hash'
  for (const notice of Object.values(value))
    if (!isObject(notice) || typeof notice.text !== 'string') return 'holds a notice without its text'
  return undefined
}

/** The store's own files among a directory's names (a folder without store.json holding one is damaged). */
export const storeFilesIn = (names: string[]): string[] =>
  names.filter(
    (name) =>
      [CONTACTS_DIR, NOTICES_FILE, JOURNAL_FILE, LEDGER_FILE, CHECKPOINTS_FILE, KEY_FILE].includes(name) || rotatedJournals([name]).length,
  )

export function legacyError(dataDir: string): DatabaseFileError {
  return new DatabaseFileError(
    join(dataDir, LEGACY_FILE),
    undefined,
    `is the database of an earlier version of the bot, which this version does not convert (its records lack the fields of consent-record/2, and evidence is never rewritten). Move it out of the data directory and keep it as the evidence of the consents given so far; the bot then starts with an empty store`,
    null,
  )
}
