/**
 * The backups' copy of the ledger, `backups/ledger.jsonl`: one file of its own (not the live
 * one's bytes on disk), which each backup extends by what the ledger gained since the last one
 * and hard-links into its folder. The ledger only ever grows by whole lines, so a backup costs
 * the records added since the previous backup, not the whole ledger (1.8 GB at a million
 * contacts). A backup's ledger may therefore hold records added after its moment, by later
 * backups: more evidence, never less, and the chain still verifies.
 *
 * When the live ledger is no longer the archive continued (an erasure redacted it, or an owner
 * restored another copy), the archive is made anew as a full copy, in a new file: the backups
 * linked to the old one keep it until they are pruned (an erasure keeps none of them).
 */
import { type FileHandle, open, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FILE_MODE, syncDir, type OnSync } from './durable-file.js'

export const LEDGER_ARCHIVE = 'ledger.jsonl'

/** How much of the archive's end is compared with the live ledger to tell that it continues it. */
const CHECKED_TAIL = 64 * 1024
const STEP = 4 * 1024 * 1024

/**
 * Brings `backups/ledger.jsonl` up to the ledger's first `bytes` bytes (read from `ledger`,
 * opened at the backup's moment); returns its path.
 */
export async function extendLedgerArchive(backupsDir: string, ledger: FileHandle, bytes: number, onSync?: OnSync): Promise<string> {
  const archive = join(backupsDir, LEDGER_ARCHIVE)
  const size = await stat(archive).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? -1 : Promise.reject(error)),
  )
  if (size >= 0 && size <= bytes && (await continues(archive, ledger, size))) {
    const output = await open(archive, 'r+')
    try {
      await copyRange(ledger, size, bytes, output, size)
    } finally {
      await output.close()
    }
    onSync?.(archive)
    return archive
  }
  const temp = `${archive}.tmp`
  const output = await open(temp, 'w', FILE_MODE)
  try {
    await output.chmod(FILE_MODE)
    await copyRange(ledger, 0, bytes, output, 0)
  } finally {
    await output.close()
  }
  onSync?.(temp)
  await rename(temp, archive)
  await syncDir(backupsDir, onSync)
  return archive
}

/** Whether the ledger holds the archive's last bytes at the same place (the archive is its beginning). */
async function continues(archive: string, ledger: FileHandle, size: number): Promise<boolean> {
  const length = Math.min(CHECKED_TAIL, size)
  if (length === 0) return true
  const ours = Buffer.alloc(length)
  const theirs = Buffer.alloc(length)
  const input = await open(archive, 'r')
  try {
    await readFully(input, ours, size - length)
  } finally {
    await input.close()
  }
  await readFully(ledger, theirs, size - length)
  return ours.equals(theirs)
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  for (let read = 0; read < buffer.length; ) {
    const { bytesRead } = await handle.read(buffer, read, buffer.length - read, position + read)
    if (bytesRead === 0) throw new Error('a file ended before the bytes a backup expected')
    read += bytesRead
  }
}

/**
 * Copies bytes [from, to) of `source` to `output` at `at`, a few megabytes at a time, each step
 * fdatasynced: the commits' own fsyncs then never wait behind a large copy's unwritten data (on
 * ext4 one fsync flushes the whole journal transaction). Ends with an fsync.
 */
export async function copyRange(source: FileHandle, from: number, to: number, output: FileHandle, at: number): Promise<void> {
  const buffer = Buffer.alloc(Math.min(STEP, Math.max(1, to - from)))
  for (let position = from; position < to; ) {
    const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, to - position), position)
    if (bytesRead === 0) break
    for (let written = 0; written < bytesRead; )
      written += (await output.write(buffer, written, bytesRead - written, at + position - from + written)).bytesWritten
    position += bytesRead
    await output.datasync()
  }
  await output.sync()
}
