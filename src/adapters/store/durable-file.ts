/**
 * Files that survive a killed process and a power cut. lowdb's own writer (steno) writes a temp
 * file and renames it, which is safe against a kill but not against power loss: the rename can
 * reach the disk before the data. Here every replacement is temp file → fsync → rename → fsync of
 * the directory, and appends are fsynced before the caller is told they are done.
 */
import type { FileHandle } from 'node:fs/promises'
import { open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Adapter } from 'lowdb'
import { DatabaseFileError, describeJsonError } from './errors.js'

/** Only the bot's own user may read the data: it holds phone numbers and consent evidence. */
export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

/** Told of every fsync, with the file or directory synced (tests count them). */
export type OnSync = (path: string) => void

export const TEMP_SUFFIX = '.tmp'

export async function syncDir(dir: string, onSync?: OnSync): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
  onSync?.(dir)
}

/**
 * Replaces `file` with `data`, so that after a crash it holds either the old or the new content.
 * `syncDirectory: false` leaves the directory's fsync to the caller, who replaces several files
 * and syncs their directory once before relying on any of them.
 */
export async function writeFileDurably(
  file: string,
  data: string | Uint8Array,
  onSync?: OnSync,
  syncDirectory = true,
  mode = FILE_MODE,
): Promise<void> {
  const temp = file + TEMP_SUFFIX
  const handle = await open(temp, 'w', FILE_MODE)
  try {
    await handle.chmod(mode)
    await handle.writeFile(data)
    await handle.sync()
    onSync?.(temp)
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  if (syncDirectory) await syncDir(dirname(file), onSync)
}

/** lowdb adapter for a text file written durably; null when the file does not exist yet. */
export class DurableTextFile implements Adapter<string> {
  constructor(
    readonly file: string,
    private readonly onSync?: OnSync,
  ) {}

  async read(): Promise<string | null> {
    try {
      return await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new DatabaseFileError(this.file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
    }
  }

  write(text: string): Promise<void> {
    return writeFileDurably(this.file, text, this.onSync)
  }
}

/**
 * lowdb adapter for a small JSON file an owner may open (pretty-printed), written durably.
 * `check` returns what is wrong with the parsed value's shape, if anything.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  private readonly text: DurableTextFile

  constructor(
    readonly file: string,
    private readonly check: (value: unknown) => string | undefined,
    onSync?: OnSync,
  ) {
    this.text = new DurableTextFile(file, onSync)
  }

  async read(): Promise<T | null> {
    const text = await this.text.read()
    return text === null ? null : parseJsonFile<T>(this.file, text, this.check)
  }

  write(data: T): Promise<void> {
    return this.text.write(`${JSON.stringify(data, null, 2)}\n`)
  }
}

export function parseJsonFile<T>(file: string, text: string, check: (value: unknown) => string | undefined): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    const { line, reason } = describeJsonError(text)
    throw new DatabaseFileError(file, line, reason)
  }
  const problem = check(value)
  if (problem) throw new DatabaseFileError(file, undefined, problem)
  return value as T
}

/**
 * A file that only grows (the journal, the ledger). `append` resolves once the bytes are
 * fsynced. One append is one write call, so a kill can cut at most the last line short.
 */
export class AppendFile {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
    /** Bytes in the file, all of them fsynced. */
    public size: number,
    private readonly onSync?: OnSync,
  ) {}

  static async open(path: string, onSync?: OnSync): Promise<AppendFile> {
    const handle = await open(path, 'a', FILE_MODE)
    await handle.chmod(FILE_MODE)
    const { size } = await handle.stat()
    return new AppendFile(path, handle, size, onSync)
  }

  async append(data: string): Promise<void> {
    const bytes = Buffer.from(data)
    let written = 0
    while (written < bytes.length) written += (await this.handle.write(bytes, written, bytes.length - written)).bytesWritten
    // fdatasync: for an append it also persists the new length, which is all the metadata a reader needs.
    await this.handle.datasync()
    this.size += bytes.length
    this.onSync?.(this.path)
  }

  async close(): Promise<void> {
    await this.handle.close()
  }
}
