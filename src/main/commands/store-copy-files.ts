/**
 * The way back from PostgreSQL (`npm run store:copy -- --from database --to DIR`): a new data
 * folder holding another store's data verbatim, written with the file store's own serializers
 * (the contact files' layout and checksum, a ledger line per entry as the commit log writes it,
 * the notices and the manifest with their shape checks), then opened once by the file store
 * itself: recovery checks every file as at any start, and the opening makes the folder's signing
 * key, signs and anchors the ledger's head, and takes the first backup.
 *
 * The file store has no import of its own: these are its file formats, written from outside it.
 */
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CONTACTS_DIR, LEDGER_FILE, MANIFEST_FILE, NOTICES_FILE, openLowdbStore } from '../../adapters/lowdb-store.js'
import { DIR_MODE, DurableJsonFile, syncDir, writeFileDurably } from '../../adapters/store/durable-file.js'
import { manifestProblem, newManifest, noticesProblem } from '../../adapters/store/layout.js'
import { CONTACT_FILE_MODE } from '../../adapters/store/contact-files.js'
import { serializeShard, shardFileName, shardOf, type ShardEntries } from '../../adapters/store/shards.js'
import type { ConsentData } from '../../ports/consent-store.js'

/** As many contact files as the bot gives a new data folder. */
const SHARDS = 64

/** Whether `dir` is missing or empty: the only folders the copy writes into. */
export async function isEmptyFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
}

/** Writes `data` into the new data folder `dir` (missing or empty), then has the file store open and close it. */
export async function writeDataFolder(dir: string, data: ConsentData): Promise<void> {
  await mkdir(join(dir, CONTACTS_DIR), { recursive: true, mode: DIR_MODE })
  const shards: ShardEntries[] = Array.from({ length: SHARDS }, () => new Map())
  for (const [id, contact] of Object.entries(data.contacts)) {
    const conversation = data.conversations[id]
    shards[shardOf(id, SHARDS)]!.set(id, {
      contact: JSON.stringify(contact),
      ...(conversation === undefined ? {} : { conversation: JSON.stringify(conversation) }),
    })
  }
  for (const [index, entries] of shards.entries())
    if (entries.size)
      await writeFileDurably(join(dir, CONTACTS_DIR, shardFileName(index)), serializeShard(entries), undefined, false, CONTACT_FILE_MODE)
  await syncDir(join(dir, CONTACTS_DIR))
  await new DurableJsonFile(join(dir, NOTICES_FILE), noticesProblem).write(data.notices)
  const lines = data.ledger.map((entry) => `${JSON.stringify(entry)}\n`).join('')
  await writeFileDurably(join(dir, LEDGER_FILE), lines)
  // Last: a folder a failure left half-written has no manifest, and the bot refuses it rather
  // than take it for a store.
  await new DurableJsonFile(join(dir, MANIFEST_FILE), manifestProblem).write(newManifest(SHARDS))
  const store = await openLowdbStore(dir, { keepBackups: 1 })
  await store.close()
}
