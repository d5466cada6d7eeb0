/**
 * The contacts, as the contact files (`contacts/NN.json`) and the journal hold them. In memory:
 * where each contact is in its file (shard-index.ts), the contacts changed since their file was
 * last written (the journal has them; the next compaction writes them), the most recently read
 * contacts, and the index of `…@lid` addresses. A contact that did not change is read from its
 * file when asked for, so memory grows with what changes, not with the number of contacts.
 * Memory only holds what is durable (the journal has it): a contact file written from it is
 * never ahead of the journal and ledger.
 */
import { close, closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Contact } from '../../domain/consent.js'
import { writeFileDurably, type OnSync } from './durable-file.js'
import { CONTACTS_DIR } from './layout.js'
import { assembleShard, emptyIndex, readEntry, type ShardIndex } from './shard-index.js'
import { shardFileName, shardOf, type StoredEntry } from './shards.js'

/** One contact file as recovery read it: where its contacts are, and what the journals changed since. */
export interface RecoveredShard {
  index: ShardIndex
  /** Newer than the file: a contact's entry, or null where the contact was removed. */
  changed: Map<string, StoredEntry | null>
}

/** A contact file is replaced, never written into (its backups are hard links to it): the owner may read it, nobody may write it. */
export const CONTACT_FILE_MODE = 0o400

/** Contacts read from their files kept in memory (the most recently used stay). */
const DEFAULT_CACHED = 10_000

interface Shard {
  file: string
  /** Open on the file `index` describes (undefined while there is none). */
  fd: number | undefined
  index: ShardIndex
  changed: Map<string, StoredEntry | null>
}

export class ContactFiles {
  private readonly dirty = new Set<number>()
  /** Entries read from the files, most recently used last (a Map keeps insertion order). */
  private readonly cache = new Map<string, StoredEntry>()
  private closed = false

  private constructor(
    private readonly shards: Shard[],
    /** A person's `…@lid` → the number their contact is filed under. */
    private readonly lids: Map<string, string>,
    dirty: Iterable<number>,
    private readonly cached: number,
    private readonly onSync: OnSync | undefined,
  ) {
    for (const index of dirty) this.dirty.add(index)
  }

  /** The contact files of `dataDir` as recovery read them; `dirty`: the ones the journals changed. */
  static open(
    dataDir: string,
    recovered: RecoveredShard[],
    dirty: Iterable<number>,
    options: { onSync?: OnSync | undefined; cached?: number | undefined } = {},
  ): ContactFiles {
    const shards = recovered.map(({ index, changed }, n) => {
      const file = join(dataDir, CONTACTS_DIR, shardFileName(n))
      return { file, fd: index.lines.size ? openSync(file, 'r') : undefined, index, changed }
    })
    return new ContactFiles(shards, lidIndex(shards), dirty, options.cached ?? DEFAULT_CACHED, options.onSync)
  }

  get size(): number {
    let size = 0
    for (const { index, changed } of this.shards) {
      size += index.lines.size
      for (const [id, entry] of changed) size += entry === null ? -Number(index.lines.has(id)) : Number(!index.lines.has(id))
    }
    return size
  }

  /** The contact files' size on disk, as last written. */
  get bytes(): number {
    let bytes = 0
    for (const { index } of this.shards) bytes += index.starts.at(-1) ?? 0
    return bytes
  }

  get(contactId: string): StoredEntry | undefined {
    if (this.closed) throw new Error('The consent store is closed')
    const shard = this.shardOf(contactId)
    const changed = shard.changed.get(contactId)
    if (changed !== undefined) return changed ?? undefined
    const cached = this.cache.get(contactId)
    if (cached) {
      this.cache.delete(contactId)
      this.cache.set(contactId, cached)
      return cached
    }
    const packed = shard.index.lines.get(contactId)
    if (packed === undefined) return undefined
    const entry = readEntry(reader(shard.fd!), shard.index, packed, shard.file)
    this.cache.set(contactId, entry)
    if (this.cache.size > this.cached) this.cache.delete(this.cache.keys().next().value!)
    return entry
  }

  /** The id a contact is filed under: a `…@lid` merged into a number's contact is that number. */
  idOf(address: string): string {
    if (this.has(address)) return address
    return this.lids.get(address) ?? address
  }

  put(contactId: string, entry: StoredEntry, lid?: string): void {
    const index = shardOf(contactId, this.shards.length)
    this.shards[index]!.changed.set(contactId, entry)
    this.cache.delete(contactId)
    this.dirty.add(index)
    if (lid) this.lids.set(lid, contactId)
  }

  /** Removes the entry filed under `address` (the `…@lid` index is left as it is: see `forgetLid`). */
  remove(address: string): void {
    if (!this.has(address)) return
    const index = shardOf(address, this.shards.length)
    this.shards[index]!.changed.set(address, null)
    this.cache.delete(address)
    this.dirty.add(index)
  }

  forgetLid(address: string): void {
    this.lids.delete(address)
  }

  /**
   * Every entry, a contact file at a time: its contacts as the file and the changes held them the
   * moment it was reached (a compaction meanwhile changes neither).
   */
  *entries(): Generator<StoredEntry> {
    for (const shard of this.shards) {
      const changed = new Map(shard.changed)
      const { index, fd } = shard
      if (fd !== undefined && index.lines.size) {
        const buffer = readWhole(fd)
        const read = (position: number, length: number) => buffer.subarray(position, position + length)
        for (const [id, packed] of index.lines) if (!changed.has(id)) yield readEntry(read, index, packed, shard.file)
      }
      for (const entry of changed.values()) if (entry) yield entry
    }
  }

  /** The files changed since they were last written, in order; they count as written from now on. */
  takeDirty(): number[] {
    const dirty = [...this.dirty].sort((a, b) => a - b)
    this.dirty.clear()
    return dirty
  }

  /** Files a failed write left unwritten: written at the next compaction. */
  markDirty(indices: Iterable<number>): void {
    for (const index of indices) this.dirty.add(index)
  }

  /**
   * Replaces one contact file with its contacts as they are now (fsynced; the caller fsyncs the
   * contacts folder after a few). The changes it wrote are read from the file from then on;
   * changes made while it was written stay in memory for the next one.
   */
  async write(index: number): Promise<void> {
    const shard = this.shards[index]!
    const oldBuffer = shard.index.lines.size ? await readFile(shard.file) : undefined
    const changed = new Map(shard.changed)
    const { data, index: written } = await assembleShard(oldBuffer && { buffer: oldBuffer, index: shard.index }, changed, () =>
      yieldToEventLoop(),
    )
    // Read-only: backups hold contact files as hard links (backups.ts), so one must never be written in place.
    await writeFileDurably(shard.file, data, this.onSync, false, CONTACT_FILE_MODE)
    const fd = written.lines.size ? openSync(shard.file, 'r') : undefined
    const old = shard.fd
    shard.fd = fd
    shard.index = written
    // Only what this file holds: a newer change (or a removal) made meanwhile stays for the next write.
    for (const [id, entry] of changed) if (shard.changed.get(id) === entry) shard.changed.delete(id)
    // Closing the replaced file frees it on disk: off the main thread (on ext4 it takes a while).
    if (old !== undefined) await new Promise<void>((resolve, reject) => close(old, (error) => (error ? reject(error) : resolve())))
  }

  /** Closes the files (after the last compaction): a contact asked for after that is an error, not a stranger. */
  close(): void {
    this.closed = true
    for (const shard of this.shards) {
      if (shard.fd !== undefined) closeSync(shard.fd)
      shard.fd = undefined
      shard.index = emptyIndex()
    }
  }

  private has(address: string): boolean {
    const shard = this.shardOf(address)
    const changed = shard.changed.get(address)
    return changed === undefined ? shard.index.lines.has(address) : changed !== null
  }

  private shardOf(contactId: string): Shard {
    return this.shards[shardOf(contactId, this.shards.length)]!
  }
}

/** Reads from an open file at a position (a contact's line, from the page cache as a rule). */
function reader(fd: number) {
  return (position: number, length: number): Buffer => {
    const buffer = Buffer.allocUnsafe(length)
    for (let read = 0; read < length; ) {
      const got = readSync(fd, buffer, read, length - read, position + read)
      if (got === 0) throw new Error('a contact file is shorter than its index: it was changed behind the bot')
      read += got
    }
    return buffer
  }
}

function readWhole(fd: number): Buffer {
  const { size } = fstatSync(fd)
  return reader(fd)(0, size)
}

/**
 * Which number each `…@lid` stands for: from the files' contacts (unless changed since) and the
 * changed contacts that carry one (read off their JSON text, parsed only where it names a lid).
 */
function lidIndex(shards: Shard[]): Map<string, string> {
  const lids = new Map<string, string>()
  for (const { index, changed } of shards) {
    for (const [lid, id] of index.lids) if (!changed.has(id)) lids.set(lid, id)
    for (const [id, entry] of changed) {
      if (!entry?.contact.includes('"lid":"')) continue
      const lid = (JSON.parse(entry.contact) as Contact).lid
      if (lid) lids.set(lid, id)
    }
  }
  return lids
}
