/**
 * Opening the file store: recovery reads and checks every file before anything is written (a
 * refused start changes no file); then what a kill left is mended (a temp file of an interrupted
 * replacement removed, a last line cut short cut off, ledger lines only in the journal restored),
 * a new data directory gets its manifest, and a backup is taken in the background.
 */
import { chmod, mkdir, readdir, truncate, unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Low } from 'lowdb'
import { silentLogger } from '../../ports/logger.js'
import { BACKUPS_DIR } from './backups.js'
import { ContactFiles } from './contact-files.js'
import { AppendFile, DIR_MODE, DurableJsonFile, syncDir, TEMP_SUFFIX } from './durable-file.js'
import { readPendingErasures } from './erasure.js'
import { JOURNAL_FILE } from './journal.js'
import { CONTACTS_DIR, MANIFEST_FILE, manifestProblem, NOTICES_FILE, type Notices, noticesProblem } from './layout.js'
import { LEDGER_FILE } from './ledger-file.js'
import { lockDataDir, type StoreLock } from './lock.js'
import { recoverAtOnce, withNewestBackup } from './recover.js'
import { LedgerSeals } from './seals.js'
import { type LowdbStore, type LowdbStoreOptions, ShardedStore } from './sharded-store.js'

const DEFAULT_SHARDS = 64
const DEFAULT_KEEP_BACKUPS = 3

/** Opens (or creates) the store in `dataDir`. Throws DatabaseFileError for a file it cannot trust. */
export async function openLowdbStore(dataDir: string, options: LowdbStoreOptions = {}): Promise<LowdbStore> {
  try {
    return await open(dataDir, options)
  } catch (error) {
    throw withNewestBackup(error, dataDir)
  }
}

async function open(dataDir: string, options: LowdbStoreOptions): Promise<ShardedStore> {
  const log = options.logger ?? silentLogger
  await mkdir(dataDir, { recursive: true, mode: DIR_MODE })
  await chmod(dataDir, DIR_MODE)
  // One bot per data folder, before anything is read: a second one would fork the ledger.
  const lock = await lockDataDir(dataDir, (error) => log.error('store.lock_lost', { error: error.message }))
  try {
    return await openLocked(dataDir, options, lock)
  } catch (error) {
    await lock.release()
    throw error
  }
}

async function openLocked(dataDir: string, options: LowdbStoreOptions, lock: StoreLock): Promise<ShardedStore> {
  const started = performance.now()
  const log = options.logger ?? silentLogger
  const onSync = options.onSync

  // Everything is read and checked before anything is written: a refused start changes no file.
  const found = recoverAtOnce(dataDir, { ledger: 'tail', shards: options.shards ?? DEFAULT_SHARDS, contacts: 'index' })
  const erasures = readPendingErasures(dataDir)

  if (!found.exists) await new DurableJsonFile(join(dataDir, MANIFEST_FILE), manifestProblem, onSync).write(found.manifest)
  for (const dir of [CONTACTS_DIR, BACKUPS_DIR]) {
    await mkdir(join(dataDir, dir), { recursive: true, mode: DIR_MODE })
    await chmod(join(dataDir, dir), DIR_MODE)
  }
  // A temp file is a replacement a kill interrupted; the file it was to replace is intact.
  for (const [dir, entries] of [
    [dataDir, found.names],
    [join(dataDir, CONTACTS_DIR), await readdir(join(dataDir, CONTACTS_DIR))],
  ] as const) {
    for (const name of entries) if (name.endsWith(TEMP_SUFFIX)) await unlink(join(dir, name))
  }
  // A last line without its newline is a write a kill cut short: it was never confirmed.
  for (const { file, completeBytes, bytes } of found.torn) {
    await truncate(file, completeBytes)
    log.warn('store.torn_line_cut', { file: basename(file), bytes })
  }
  const ledger = await AppendFile.open(join(dataDir, LEDGER_FILE), onSync)
  if (found.restored.length) {
    await ledger.append(`${found.restored.map((entry) => JSON.stringify(entry)).join('\n')}\n`)
    log.warn('store.ledger_restored', { records: found.restored.length })
  }
  // The head, now durable (restored records included), is signed and anchored in store.json.
  const seals = await LedgerSeals.open(dataDir, found, onSync)
  await seals.anchor(found.last)
  const journal = await AppendFile.open(join(dataDir, JOURNAL_FILE), onSync)
  await syncDir(dataDir, onSync)

  const contacts = ContactFiles.open(dataDir, found.indexed, found.replayed, { onSync, cached: options.cachedContacts })
  const notices = new Low<Notices>(new DurableJsonFile(join(dataDir, NOTICES_FILE), noticesProblem, onSync), found.notices)
  // `seals` goes on to the commit log (CommitLogFiles.seals).
  const opened = { journal, ledger, ledgerTail: found.last, rotated: found.rotated, seals }
  const store = new ShardedStore(dataDir, options, contacts, notices, opened, lock)
  log.info('store.opened', { contacts: contacts.size, journalLines: found.journalLines, ms: Math.round(performance.now() - started) })
  // An erasure a kill interrupted is finished before any message is handled.
  if (erasures.length) await store.resumeErasures(erasures)
  if (found.rotated.length) store.compactInBackground()
  store
    .backup(options.keepBackups ?? DEFAULT_KEEP_BACKUPS)
    .catch((error: Error) => log.warn('store.backup_failed', { error: error.message }))
  return store
}
