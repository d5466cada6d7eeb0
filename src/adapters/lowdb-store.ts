/**
 * The consent store on lowdb: one JSON file an owner can open (`<data dir>/consent-db.json`).
 * A file that does not parse, or is not a consent database, is never overwritten: the bot
 * refuses to start and says which file and why.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import type { Contact, ConsentRecord } from '../domain/consent.js'
import type { ConsentStore, ContactChange, StoredConversation, StoredNotice } from '../ports/consent-store.js'

export const SCHEMA_VERSION = 1

/** The file's shape, documented for owners in the README. */
export interface ConsentDatabase {
  schemaVersion: number
  contacts: Record<string, Contact>
  conversations: Record<string, StoredConversation>
  /** Append-only. */
  ledger: ConsentRecord[]
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
      db.data.ledger.push(...change.records)
      Object.assign(db.data.notices, change.notices)
      await db.write()
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
