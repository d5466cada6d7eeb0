/**
 * `backups/<time>/`: a copy of the data directory taken after each successful start-up (and after
 * an erasure), the newest few kept. Files are copied byte for byte, never re-written from memory,
 * so a backup is exactly what the bot started from. A copy is made in `<time>.partial/` and
 * renamed when complete: a folder without `.partial` is a whole backup.
 */
import { readdirSync } from 'node:fs'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DIR_MODE, FILE_MODE, syncDir, type OnSync } from './durable-file.js'

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

/** A file to back up, relative to the data directory; `bytes`: copy only that many (whole lines of a growing file). */
export interface BackupFile {
  path: string
  bytes?: number
}

/**
 * Copies `files` (in this order) into a new backup and keeps only the newest `keep` backups.
 * Returns the new backup's folder.
 */
export async function takeBackup(dataDir: string, files: BackupFile[], keep: number, now: Date, onSync?: OnSync): Promise<string> {
  const root = join(dataDir, BACKUPS_DIR)
  await mkdir(root, { recursive: true, mode: DIR_MODE })
  const existing = await readdir(root)
  const stamp = now.toISOString().replace(/:/g, '-')
  let name = stamp
  for (let n = 2; existing.includes(name) || existing.includes(name + PARTIAL); n++) name = `${stamp}-${n}`
  const partial = join(root, name + PARTIAL)
  await mkdir(partial, { mode: DIR_MODE })
  const dirs = new Set<string>([partial])
  for (const file of files) {
    const target = join(partial, file.path)
    if (!dirs.has(dirname(target))) {
      await mkdir(dirname(target), { recursive: true, mode: DIR_MODE })
      dirs.add(dirname(target))
    }
    if (await copyInSteps(join(dataDir, file.path), target, file.bytes)) onSync?.(target)
  }
  for (const dir of dirs) await syncDir(dir, onSync)
  const complete = join(root, name)
  await rename(partial, complete)
  await syncDir(root, onSync)
  await pruneBackups(dataDir, keep, complete)
  return complete
}

const STEP = 4 * 1024 * 1024

/**
 * Copies a file a few megabytes at a time, each step fdatasynced: the commits' own fsyncs then
 * never wait behind a large copy's unwritten data (on ext4 one fsync flushes the whole journal
 * transaction). False when the file does not exist.
 */
async function copyInSteps(source: string, target: string, limit = Infinity): Promise<boolean> {
  let input
  try {
    input = await open(source, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
  try {
    const output = await open(target, 'w', FILE_MODE)
    try {
      await output.chmod(FILE_MODE)
      const buffer = Buffer.alloc(STEP)
      for (let position = 0; position < limit; ) {
        const { bytesRead } = await input.read(buffer, 0, Math.min(STEP, limit - position), position)
        if (bytesRead === 0) break
        for (let written = 0; written < bytesRead; ) written += (await output.write(buffer, written, bytesRead - written)).bytesWritten
        position += bytesRead
        await output.datasync()
      }
      await output.sync()
    } finally {
      await output.close()
    }
  } finally {
    await input.close()
  }
  return true
}

/** Removes all but the newest `keep` backups (and copies a crash left half-made), never `spare`. */
export async function pruneBackups(dataDir: string, keep: number, spare: string): Promise<void> {
  const root = join(dataDir, BACKUPS_DIR)
  const names = await readdir(root)
  const complete = names.filter(isComplete).sort()
  const stale = [...complete.slice(0, Math.max(0, complete.length - keep)), ...names.filter((n) => n.endsWith(PARTIAL))]
  for (const name of stale) if (join(root, name) !== spare) await rm(join(root, name), { recursive: true, force: true })
  if (stale.length) await syncDir(root)
}
