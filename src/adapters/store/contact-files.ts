/**
 * The contacts in memory, as the contact files hold them (one lowdb `Low` per `contacts/NN.json`),
 * with the files that changed since they were last written and the index of `…@lid` addresses.
 * Memory only holds what is durable (the journal has it): a contact file written from it is never
 * ahead of the journal and ledger.
 */
import { join } from 'node:path'
import { Low } from 'lowdb'
import type { Contact } from '../../domain/consent.js'
import type { OnSync } from './durable-file.js'
import { CONTACTS_DIR } from './layout.js'
import { ShardFile, shardFileName, shardOf, type ShardEntries, type StoredEntry } from './shards.js'

export class ContactFiles {
  private readonly dirty = new Set<number>()

  private constructor(
    private readonly shards: Low<ShardEntries>[],
    /** A person's `…@lid` → the number their contact is filed under. */
    private readonly lids: Map<string, string>,
    dirty: Iterable<number>,
  ) {
    for (const index of dirty) this.dirty.add(index)
  }

  /** The contact files of `dataDir` holding `entries` (as read at start); `dirty`: the ones the journals changed. */
  static of(dataDir: string, entries: ShardEntries[], dirty: Iterable<number>, onSync?: OnSync): ContactFiles {
    const shards = entries.map(
      (data, index) => new Low(new ShardFile(join(dataDir, CONTACTS_DIR, shardFileName(index)), index, entries.length, onSync), data),
    )
    return new ContactFiles(shards, lidIndex(entries), dirty)
  }

  get size(): number {
    return this.shards.reduce((sum, shard) => sum + shard.data.size, 0)
  }

  get(contactId: string): StoredEntry | undefined {
    return this.shardOf(contactId).data.get(contactId)
  }

  /** The id a contact is filed under: a `…@lid` merged into a number's contact is that number. */
  idOf(address: string): string {
    if (this.shardOf(address).data.has(address)) return address
    return this.lids.get(address) ?? address
  }

  put(contactId: string, entry: StoredEntry, lid?: string): void {
    const index = shardOf(contactId, this.shards.length)
    this.shards[index]!.data.set(contactId, entry)
    this.dirty.add(index)
    if (lid) this.lids.set(lid, contactId)
  }

  /** Removes the entry filed under `address` (the `…@lid` index is left as it is: see `forgetLid`). */
  remove(address: string): void {
    const index = shardOf(address, this.shards.length)
    if (this.shards[index]!.data.delete(address)) this.dirty.add(index)
  }

  forgetLid(address: string): void {
    this.lids.delete(address)
  }

  /** Every entry; a Map's iteration sees entries added and skips entries deleted meanwhile. */
  *entries(): Generator<StoredEntry> {
    for (const shard of this.shards) yield* shard.data.values()
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

  /** Replaces one contact file (fsynced; the caller fsyncs the contacts folder after a few). */
  write(index: number): Promise<void> {
    return this.shards[index]!.write()
  }

  private shardOf(contactId: string): Low<ShardEntries> {
    return this.shards[shardOf(contactId, this.shards.length)]!
  }
}

/**
 * Which number each `…@lid` stands for, from the contacts that carry one. Read off the stored
 * JSON text (a contact's `lid` field) without parsing every contact at start-up.
 */
function lidIndex(shards: ShardEntries[]): Map<string, string> {
  const lids = new Map<string, string>()
  for (const shard of shards) {
    for (const [id, entry] of shard) {
      if (!entry.contact.includes('"lid":"')) continue
      const lid = (JSON.parse(entry.contact) as Contact).lid
      if (lid) lids.set(lid, id)
    }
  }
  return lids
}
