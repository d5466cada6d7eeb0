/**
 * The consent store on lowdb: one JSON file an owner can open (`<data dir>/consent-db.json`).
 * A file that does not parse, or is not a consent database, is never overwritten: the bot
 * refuses to start and says which file and why.
 */
import { readFileSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import type { Contact } from '../domain/consent.js'
import { sealEntry, type LedgerEntry } from '../domain/ledger.js'
import type { ConsentData, ConsentStore, ContactChange, StoredConversation, StoredNotice } from '../ports/consent-store.js'

export const SCHEMA_VERSION = 2

/** The file's shape, documented for owners in the README. */
export interface ConsentDatabase {
  schemaVersion: number
  contacts: Record<string, Contact>
  conversations: Record<string, StoredConversation>
  /** Append-only. */
  ledger: LedgerEntry[]
  notices: Record<string, StoredNotice>
}

export class DatabaseFileError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}. The bot did not start and left the file untouched; restore it from a backup or move it away to start with an empty database.`)
    this.name = 'DatabaseFileError'
  }
}

export const DATABASE_FILE = 'consent-db.json'

export async function openLowdbStore(dataDir: string): Promise<ConsentStore & { readonly data: ConsentDatabase }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const file = join(dataDir, DATABASE_FILE)
  const { data, existed } = await readDatabase(file)
  const db = new Low<ConsentDatabase>(new JSONFile(file), data)
  db.data = data
  if (!existed) await db.write()

  return {
    get data() {
      return db.data
    },
    async load(contactId) {
      return { contact: db.data.contacts[contactId], conversation: db.data.conversations[contactId] }
    },
    async commit(change: ContactChange) {
      db.data.contacts[change.contact.id] = change.contact
      db.data.conversations[change.contact.id] = change.conversation
      for (const { record, personal } of change.records) db.data.ledger.push(sealEntry(db.data.ledger.at(-1), record, personal))
      Object.assign(db.data.notices, change.notices)
      await db.write()
    },
    async erase(contactId, proof) {
      delete db.data.contacts[contactId]
      delete db.data.conversations[contactId]
      for (const entry of db.data.ledger) if (entry.personal?.contact === contactId) entry.personal = null
      db.data.ledger.push(sealEntry(db.data.ledger.at(-1), proof, null))
      await db.write()
    },
    async *scan() {
      for (const contact of Object.values(db.data.contacts)) yield { contact, conversation: db.data.conversations[contact.id] }
    },
    async close() {
      await db.write()
    },
  }
}

async function readDatabase(file: string): Promise<{ data: ConsentDatabase; existed: boolean }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { data: { schemaVersion: SCHEMA_VERSION, contacts: {}, conversations: {}, ledger: [], notices: {} }, existed: false }
    }
    throw new DatabaseFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new DatabaseFileError(file, `is not valid JSON (${(error as Error).message})`)
  }
  const db = parsed as Partial<ConsentDatabase> | null
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObject(db) || !isObject(db!.contacts) || !isObject(db!.conversations) || !Array.isArray(db!.ledger) || !isObject(db!.notices)) {
    throw new DatabaseFileError(file, 'does not look like a consent database (it needs contacts, conversations, ledger and notices)')
  }
  if (db!.schemaVersion !== SCHEMA_VERSION) {
    throw new DatabaseFileError(file, `has schema version ${String(db!.schemaVersion)}, and this bot reads version ${SCHEMA_VERSION}`)
  }
  return { data: db as ConsentDatabase, existed: true }
}

/** Everything stored in a data directory, read without writing anything (for the owner's tools). */
export function readConsentData(dataDir: string): ConsentData {
  const file = join(dataDir, DATABASE_FILE)
  const db = JSON.parse(readFileSync(file, 'utf8')) as ConsentDatabase
  return { contacts: db.contacts, conversations: db.conversations, ledger: db.ledger, notices: db.notices }
}
