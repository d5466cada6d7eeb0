/**
 * `backups/<time>/`: a copy of the data directory taken after each successful start-up (and after
 * an erasure), the newest few kept. Files are copied byte for byte (contact files hard-linked),
 * never re-written from memory.
 * They are all opened at one moment, so the copy is of that moment even while the bot goes on
 * (a compaction renaming files meanwhile does not change what the open files hold). A copy is
 * made in `<time>.partial/` and renamed when complete: a folder without `.partial` is whole.
 * The ledger's signing key (ledger-key.pem) is left out: a backup copied elsewhere must not let
 * whoever holds it sign a forged ledger.
 */
import { readdirSync } from 'node:fs'
import { link, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { CommitLog } from './commit-log.js'
import { DIR_MODE, FILE_MODE, syncDir, type OnSync } from './durable-file.js'
import { JOURNAL_FILE } from './journal.js'
import { CHECKPOINTS_FILE, CONTACTS_DIR, MANIFEST_FILE, NOTICES_FILE } from './layout.js'
import { copyRange, extendLedgerArchive, LEDGER_ARCHIVE } from './ledger-archive.js'
import { LEDGER_FILE } from './ledger-file.js'

export const BACKUPS_DIR = 'backups'
const PARTIAL = '.partial'

/** A complete backup's folder name: its time, sortable as text (e.g. 2026-11-25T10-00-00.000Z). */
const isComplete = (name: string) => /^\d{4}-\d\d-\d\dT[\d-]+\.\d{3}Z(-\d+)?$/.test(name)

/** The newest complete backup's folder, or null when there is none. */
export function newestBackup(dataDir: string): string | null {
  let names: string[]
  try {
    names = readdirSync(join(dataDir, BACKUPS_DIR))
  } catch {
    return null
  }
  const newest = names.filter(isComplete).sort().at(-1)
  return newest ? join(dataDir, BACKUPS_DIR, newest) : null
}

/** A file to back up, opened when the backup began (later renames and deletions do not touch it). */
export interface BackupSource {
  /** Relative to the data directory. */
  path: string
  handle: FileHandle
  /** Bytes to copy: for a file that grows, the whole lines it had when the backup began. */
  bytes: number
}

/**
 * Opens the files of a backup, all at one moment (the caller holds off writers meanwhile).
 * `bytes` limits a growing file to what was written; files that do not exist are left out.
 */
export async function openBackupSources(dataDir: string, files: { path: string; bytes?: number }[]): Promise<BackupSource[]> {
  const sources: BackupSource[] = []
  try {
    for (const { path, bytes } of files) {
      let handle: FileHandle
      try {
        handle = await open(join(dataDir, path), 'r')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
      sources.push({ path, handle, bytes: bytes ?? (await handle.stat()).size })
    }
  } catch (error) {
    await Promise.all(sources.map((source) => source.handle.close()))
    throw error
  }
  return sources
}

/**
 * Copies the store's files into a new backup. Contact files are hard-linked rather than copied:
 * the bot never writes one in place (a new file is renamed over the old), so a link holds that
 * moment's file for free. The ledger is the backups' own copy, extended by what it gained since
 * the last backup and linked in (ledger-archive.ts). So a backup costs what changed: the journal,
 * the ledger's new records, the notices. The files are opened together between two batches, then
 * copied while commits and compactions go on. notices.json is opened last: every line up to the
 * sizes noted refers only to notices already in it. `freshLedger`: the ledger's copy is made anew
 * (after an erasure redacted the ledger, none of the old copy may stay).
 */
export async function backupStore(
  dataDir: string,
  commits: CommitLog,
  keep: number,
  clock: () => Date,
  onSync?: OnSync,
  freshLedger = false,
): Promise<string> {
  const { partial, sources } = await commits.io.run(async () => {
    const partial = await newPartial(join(dataDir, BACKUPS_DIR), clock())
    await mkdir(join(partial, CONTACTS_DIR), { mode: DIR_MODE })
    const shardFiles = (await readdir(join(dataDir, CONTACTS_DIR)))
      .filter((name) => name.endsWith('.json'))
      .map((name) => join(CONTACTS_DIR, name))
    const copied = await linkInto(dataDir, partial, shardFiles)
    const sources = await openBackupSources(dataDir, [
      ...[MANIFEST_FILE, ...copied, ...commits.rotated].map((path) => ({ path })),
      { path: JOURNAL_FILE, bytes: commits.journal.size },
      { path: LEDGER_FILE, bytes: commits.ledger.size },
      // Signed heads are appended only under the lock held here; the signing key is never copied.
      { path: CHECKPOINTS_FILE },
      { path: NOTICES_FILE },
    ])
    return { partial, sources }
  })
  return takeBackup(dataDir, partial, sources, keep, onSync, freshLedger)
}

/** `backups/<time>.partial/`, a new folder (a second backup in the same millisecond gets `-2`). */
async function newPartial(root: string, now: Date): Promise<string> {
  await mkdir(root, { recursive: true, mode: DIR_MODE })
  const existing = await readdir(root)
  const stamp = now.toISOString().replace(/:/g, '-')
  let name = stamp
  for (let n = 2; existing.includes(name) || existing.includes(name + PARTIAL); n++) name = `${stamp}-${n}`
  const partial = join(root, name + PARTIAL)
  await mkdir(partial, { mode: DIR_MODE })
  return partial
}

/**
 * Hard-links `paths` into the backup; returns those to copy instead (a filesystem without hard
 * links). A file gone meanwhile is left out, as openBackupSources leaves it.
 */
async function linkInto(dataDir: string, partial: string, paths: string[]): Promise<string[]> {
  const copy: string[] = []
  for (const path of paths) {
    try {
      await link(join(dataDir, path), join(partial, path))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') continue
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK' || code === 'EOPNOTSUPP') copy.push(path)
      else throw error
    }
  }
  return copy
}

/**
 * Copies `sources` (in this order) into the backup being made in `partial`, closes them, renames
 * it complete, and keeps only the newest `keep` backups. Returns the new backup's folder.
 */
export async function takeBackup(
  dataDir: string,
  partial: string,
  sources: BackupSource[],
  keep: number,
  onSync?: OnSync,
  freshLedger = false,
): Promise<string> {
  try {
    const dirs = new Set<string>([partial, join(partial, CONTACTS_DIR)])
    for (const source of sources) {
      const target = join(partial, source.path)
      if (!dirs.has(dirname(target))) {
        await mkdir(dirname(target), { recursive: true, mode: DIR_MODE })
        dirs.add(dirname(target))
      }
      if (source.path === LEDGER_FILE) {
        // After an erasure, none of the old copy may stay: a new one is made (its backups are pruned).
        if (freshLedger) await rm(join(dirname(partial), LEDGER_ARCHIVE), { force: true })
        const archive = await extendLedgerArchive(dirname(partial), source.handle, source.bytes, onSync)
        const linked = await link(archive, target).then(
          () => true,
          () => false,
        )
        if (linked) continue
      }
      await copyInSteps(source, target)
      onSync?.(target)
    }
    for (const dir of dirs) await syncDir(dir, onSync)
    const complete = partial.slice(0, -PARTIAL.length)
    await rename(partial, complete)
    await syncDir(dirname(partial), onSync)
    await pruneBackups(dataDir, keep, complete)
    return complete
  } finally {
    await Promise.all(sources.map((source) => source.handle.close()))
  }
}

/** Copies a source's bytes into a new file of the backup (see copyRange: fdatasynced in steps). */
async function copyInSteps(source: BackupSource, target: string): Promise<void> {
  const output = await open(target, 'w', FILE_MODE)
  try {
    await output.chmod(FILE_MODE)
    await copyRange(source.handle, 0, source.bytes, output, 0)
  } finally {
    await output.close()
  }
}

/** Removes all but the newest `keep` backups (and copies a crash left half-made), never `spare`. */
export async function pruneBackups(dataDir: string, keep: number, spare: string): Promise<void> {
  const root = join(dataDir, BACKUPS_DIR)
  const names = await readdir(root)
  const complete = names.filter(isComplete).sort()
  // A half-made copy of the ledger a kill left is stale too (never the copy itself: backups link it).
  const stale = [
    ...complete.slice(0, Math.max(0, complete.length - keep)),
    ...names.filter((n) => n.endsWith(PARTIAL) || n === `${LEDGER_ARCHIVE}.tmp`),
  ]
  for (const name of stale) if (join(root, name) !== spare) await rm(join(root, name), { recursive: true, force: true })
  if (stale.length) await syncDir(root)
}
