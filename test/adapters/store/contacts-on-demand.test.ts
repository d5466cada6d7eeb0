/**
 * The file store keeps where each contact is, not the contacts: a contact that did not change is
 * read from its contact file when asked for. What a user would notice if that went wrong: a
 * contact coming back older, mixed with another, or missing, after a compaction or a restart.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openLowdbStore } from '../../../src/adapters/lowdb-store.js'
import { ContactFiles } from '../../../src/adapters/store/contact-files.js'
import { assembleShard, emptyIndex, indexShard } from '../../../src/adapters/store/shard-index.js'
import { serializeShard, type ShardEntries, type StoredEntry } from '../../../src/adapters/store/shards.js'
import { change, versionOf } from './fixtures.js'
import { tempDir } from './helpers.js'

const id = (i: number) => `52155${String(30_000_000 + i)}`

/** A change whose conversation holds text in several scripts, so byte offsets and characters differ. */
function wordy(i: number, version: number) {
  const made = change(id(i), version, version % 2 ? 'sí, claro 👍' : undefined)
  ;(made.conversation.snapshot as { context: Record<string, unknown> }).context.note = `ñandú ${'é'.repeat(i % 7)} 日本 ${i}`
  return made
}

describe('contacts read from their files on demand', () => {
  it('after compactions and a restart, every contact loads as last committed, with two kept in memory', async () => {
    const dir = tempDir()
    const store = await openLowdbStore(dir, { shards: 4, cachedContacts: 2 })
    const latest = new Map<string, ReturnType<typeof wordy>>()
    const commit = async (i: number, version: number) => {
      const made = wordy(i, version)
      await store.commit(made)
      latest.set(id(i), made)
    }
    for (let i = 0; i < 40; i++) await commit(i, 1)
    await store.compact()
    // Some change, one more is new, and one is merged into another (its own entry removed).
    for (let i = 0; i < 40; i += 3) await commit(i, 2)
    await commit(40, 1)
    const merged = wordy(41, 3)
    await store.commit({ ...merged, replaces: id(1) })
    latest.set(id(41), merged)
    latest.delete(id(1))
    await store.compact()
    await commit(5, 4) // only in the journal at the restart
    await store.close()

    const reopened = await openLowdbStore(dir, { shards: 4, cachedContacts: 2 })
    try {
      // Twice, in an order that defeats the two-contact memory: each read from its file again.
      for (const round of [1, 2]) {
        const order = [...latest.keys()].sort(() => (round === 1 ? 1 : -1))
        for (const contactId of order) {
          const { contact, conversation } = await reopened.load(contactId)
          const expected = latest.get(contactId)!
          expect(contact).toEqual(expected.contact)
          expect(conversation).toEqual(expected.conversation)
        }
      }
      expect(await reopened.load(id(1))).toEqual({})
      const scanned = new Map<string, number | undefined>()
      for await (const { contact, conversation } of reopened.scan()) scanned.set(contact.id, versionOf(conversation))
      expect(scanned).toEqual(new Map([...latest].map(([key, made]) => [key, versionOf(made.conversation)])))
    } finally {
      await reopened.close()
    }
  })

  it('a contact changed while its file is being written keeps its newer state, now and after a restart', async () => {
    const dir = tempDir()
    let store: Awaited<ReturnType<typeof openLowdbStore>> | undefined
    let armed = false
    let during: Promise<void> | undefined
    store = await openLowdbStore(dir, {
      shards: 1,
      // The contact file is on disk under its temporary name: its rename and the index swap are still to come.
      onSync: (path) => {
        if (armed && path.endsWith('00.json.tmp') && !during) during = store!.commit(change(id(1), 3))
      },
    })
    await store.commit(change(id(1), 1))
    await store.commit(change(id(2), 1))
    await store.compact()
    await store.commit(change(id(1), 2))
    armed = true
    await store.compact()
    expect(during).toBeDefined()
    await during
    expect(versionOf((await store.load(id(1))).conversation)).toBe(3)
    expect(versionOf((await store.load(id(2))).conversation)).toBe(1)
    await store.close()
    store = await openLowdbStore(dir, { shards: 1 })
    expect(versionOf((await store.load(id(1))).conversation)).toBe(3)
    await store.close()
  })

  it('a change made between the snapshot of a contact file and its rename stays in memory, and its file is written again', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'contacts'))
    const newer = { contact: JSON.stringify(change(id(1), 2).contact) }
    let files: ContactFiles | undefined
    let changedDuring = false
    files = ContactFiles.open(dir, [{ index: emptyIndex(), changed: new Map() }], [], {
      // Called once the new file's bytes are on disk, before it is renamed into place.
      onSync: () => {
        if (changedDuring) return
        changedDuring = true
        files!.put(id(1), newer)
      },
    })
    files.put(id(1), { contact: JSON.stringify(change(id(1), 1).contact) })
    expect(files.takeDirty()).toEqual([0])
    await files.write(0)
    expect(changedDuring).toBe(true)
    expect(files.get(id(1))).toBe(newer)
    expect(files.takeDirty()).toEqual([0])
    await files.write(0)
    expect(readFileSync(join(dir, 'contacts', '00.json'), 'utf8')).toContain('"lastSeen":"2026-11-25T10:00:02.000Z"')
    files.close()
  })

  it('says it is closed when a contact is asked for after close, rather than answering as if it did not know them', async () => {
    const store = await openLowdbStore(tempDir(), { shards: 2 })
    await store.commit(change(id(3), 1, 'sí'))
    await store.close()
    await expect(store.load(id(3))).rejects.toThrow('The consent store is closed')
  })

  it('finds a contact by its `…@lid` after a restart, from the contact file alone', async () => {
    const dir = tempDir()
    const store = await openLowdbStore(dir, { shards: 2 })
    const made = change(id(7), 1, 'sí')
    await store.commit({ ...made, contact: { ...made.contact, lid: '123456789012345@lid' } })
    await store.close()
    const reopened = await openLowdbStore(dir, { shards: 2 })
    expect((await reopened.load('123456789012345@lid')).contact?.id).toBe(id(7))
    await reopened.close()
  })
})

describe('assembling a contact file from the old one and the changes', () => {
  const entry = (i: number, version: number): StoredEntry => {
    const made = wordy(i, version)
    return { contact: JSON.stringify(made.contact), ...(i % 4 ? { conversation: JSON.stringify(made.conversation) } : {}) }
  }

  it('writes the bytes serializeShard writes for the same contacts, and an index that reads them back', async () => {
    const first: ShardEntries = new Map(Array.from({ length: 9 }, (_, i) => [id(i), entry(i, 1)]))
    const made = await assembleShard(undefined, first)
    expect(made.data.toString('utf8')).toBe(serializeShard(first))

    // Changed in place, one removed, one new at the end: as serializeShard lays out the Map in that order.
    const changed2 = entry(2, 2)
    const added20 = entry(20, 1)
    const changes = new Map<string, StoredEntry | null>([
      [id(2), changed2],
      [id(4), null],
      [id(20), added20],
    ])
    const next = await assembleShard({ buffer: made.data, index: made.index }, changes)
    const expected: ShardEntries = new Map(first)
    expected.set(id(2), changed2)
    expected.delete(id(4))
    expected.set(id(20), added20)
    expect(next.data.toString('utf8')).toBe(serializeShard(expected))
    // The index it returns is the one a start-up reads off the file.
    const read = indexShard(next.data, 'contacts/00.json', 0, 1)
    expect('index' in read && read.index).toEqual(next.index)
  })

  it('works in turns on a large file, giving the event loop back between them, to the same bytes', async () => {
    const many: ShardEntries = new Map(
      Array.from({ length: 10_000 }, (_, i) => [id(i), { contact: `{"id":"${id(i)}","n":${i}}`, conversation: `{"flowVersion":"f${i}"}` }]),
    )
    let turns = 0
    const made = await assembleShard(undefined, many, async () => {
      turns++
    })
    expect(made.data.toString('utf8')).toBe(serializeShard(many))
    expect(turns).toBeGreaterThanOrEqual(4)
  })

  it('indexes a file sealed with SHA-1 by an earlier version as it is, and one edited under that seal after checking every line', () => {
    const entries: ShardEntries = new Map([[id(1), entry(1, 1)]])
    const text = serializeShard(entries)
    const body = text.slice(text.indexOf('\n') + 1)
    const sha1 = createHash('sha1').update(body).digest('hex')
    const older = text.replace(/"checksum":"[^"]+"/, `"checksum":"${sha1}"`)
    const read = indexShard(Buffer.from(older), 'contacts/00.json', 0, 1)
    expect('index' in read && [...read.index.lines.keys()]).toEqual([id(1)])
    // Valid JSON, but no longer what was sealed: every line is checked, and the bad one named.
    const edited = older.replace('"language":"es"', '"language":7')
    expect(() => indexShard(Buffer.from(edited), 'contacts/00.json', 0, 1)).toThrow(
      /contacts\/00\.json:2: holds a contact without a language/,
    )
  })

  it('indexes a file written by an earlier version (no checksum) after checking every line', () => {
    const entries: ShardEntries = new Map([[id(1), entry(1, 1)]])
    const unsealed = serializeShard(entries).replace(/"checksum":"[^"]+",/, '')
    const read = indexShard(Buffer.from(unsealed), 'contacts/00.json', 0, 1)
    expect('index' in read && [...read.index.lines.keys()]).toEqual([id(1)])
    const broken = unsealed.replace('"principal"', '"principal')
    expect(() => indexShard(Buffer.from(broken), 'contacts/00.json', 0, 1)).toThrow(/contacts\/00\.json:2: is not valid JSON/)
  })
})
