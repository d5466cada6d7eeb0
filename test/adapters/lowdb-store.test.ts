/**
 * The consent store on real files in temp directories: what is on disk when a commit resolves,
 * group commit, compaction and replay (including a kill at every fsync of a compaction), cut-short
 * and damaged lines, backups, permissions and erasure. What every store promises (load, commit,
 * erase, scan, and the reader) is the contract in test/ports/, run against this store too.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatabaseFileError, openLowdbStore, readConsentData, type LowdbStoreOptions } from '../../src/adapters/lowdb-store.js'
import { shardFileName, shardOf } from '../../src/adapters/store/shards.js'
import { verifyChain, type LedgerEntry } from '../../src/domain/ledger.js'
import { change, record, versionOf } from './store/fixtures.js'
import { contents, copyAsKilled, filesContaining, listAll, recordingLogger, tempDir } from './store/helpers.js'

/** The complete backups' folders, oldest first (backups/ also holds the ledger's copy they share). */
const backupFolders = (dir: string) =>
  readdirSync(join(dir, 'backups'))
    .filter((name) => /^\d{4}-.*Z(-\d+)?$/.test(name))
    .sort()

const A = '5215512345678'
const B = '34612345678'
const contact = (n: number) => String(5215500000000 + n)

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)
const ledgerOf = (dir: string): LedgerEntry[] => lines(join(dir, 'ledger.jsonl')).map((l) => JSON.parse(l) as LedgerEntry)

async function open(dir: string, options: LowdbStoreOptions = {}) {
  return openLowdbStore(dir, { shards: 8, ...options })
}

describe('the data directory', () => {
  it('is created private: folders 0700, files 0600 (contact files 0400: replaced, never written), backups included, and an existing folder is tightened', async () => {
    const dir = join(tempDir(), 'nested', 'data')
    mkdirSync(dir, { recursive: true })
    chmodSync(dir, 0o755)
    const store = await open(dir)
    await store.commit(change(A, 1, 'sí'))
    await store.close()

    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const all = listAll(dir)
    expect(all.map((f) => f.path)).toEqual(
      expect.arrayContaining(['store.json', 'contacts', 'journal.jsonl', 'ledger.jsonl', 'notices.json', 'backups']),
    )
    expect(all.some((f) => f.path.startsWith('backups/') && f.path.endsWith('ledger.jsonl'))).toBe(true)
    const contactFile = (path: string) => /(^|\/)contacts\/\d\d\.json$/.test(path)
    expect(all.some((f) => contactFile(f.path))).toBe(true)
    for (const f of all) expect([f.path, f.mode]).toEqual([f.path, f.isDir ? 0o700 : contactFile(f.path) ? 0o400 : 0o600])
    expect(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, shards: 8 })
  })

  it('keeps the shard count it was created with', async () => {
    const dir = tempDir()
    await (await open(dir, { shards: 4 })).close()
    const store = await open(dir, { shards: 16 })
    await store.commit(change(A, 1))
    await store.close()
    expect(readdirSync(join(dir, 'contacts'))).toEqual([shardFileName(shardOf(A, 4))])
  })
})

describe('a commit', () => {
  it('is on disk when it resolves: the journal line, the ledger line and the notice it refers to', async () => {
    const dir = tempDir()
    const store = await open(dir)
    await store.commit(change(A, 1, 'Sí, acepto'))

    const [line] = lines(join(dir, 'journal.jsonl'))
    expect(JSON.parse(line!)).toMatchObject({ contact: { id: A }, conversation: { flowVersion: 'f1' }, ledger: [{ seq: 1 }] })
    const [entry] = ledgerOf(dir)
    expect(entry).toMatchObject({ seq: 1, personal: { contact: A, answer: 'Sí, acepto' } })
    expect(JSON.parse(readFileSync(join(dir, 'notices.json'), 'utf8'))[entry!.record.notice.hash].text).toMatch(/Tienda Ejemplo/)

    // Killed right now: a new process finds it all.
    const killed = copyAsKilled(dir)
    const reopened = await open(killed)
    expect((await reopened.load(A)).contact?.consents.service?.state).toBe('given')
    await reopened.commit(change(A, 2, 'sí'))
    expect(verifyChain(ledgerOf(killed))).toEqual({ intact: true, count: 2 })
    await reopened.close()
    await store.close()
  })

  it('shares an fsync with the commits made while one is in flight (group commit)', async () => {
    const dir = tempDir()
    const synced: string[] = []
    const store = await open(dir, { onSync: (path) => synced.push(path) })
    await store.commit(change(contact(0), 1, 'sí'))
    const journalSyncs = () => synced.filter((p) => p === join(dir, 'journal.jsonl')).length
    expect([journalSyncs(), synced.filter((p) => p === join(dir, 'ledger.jsonl')).length]).toEqual([1, 1])

    // 200 messages arriving one per turn of the event loop, as from many contacts at once.
    const before = journalSyncs()
    const commits: Promise<void>[] = []
    for (let n = 1; n <= 200; n++) {
      const id = contact(n)
      commits.push(
        store.commit(change(id, 1, 'sí')).then(() => {
          // Resolved only once its line is in the file.
          expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toContain(`"id":"${id}"`)
        }),
      )
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(commits)
    const fsyncs = journalSyncs() - before
    expect(fsyncs).toBeGreaterThan(0)
    expect(fsyncs).toBeLessThan(200 / 4)
    // Chained in the order the commits were made.
    const ledger = ledgerOf(dir)
    expect(ledger.map((e) => e.personal?.contact)).toEqual([0, ...Array.from({ length: 200 }, (_, i) => i + 1)].map(contact))
    expect(verifyChain(ledger)).toEqual({ intact: true, count: 201 })
    await store.close()
  })
})

describe('compaction', () => {
  it('rewrites only the contact files that changed, then starts a new journal; the files are JSON an owner can open', async () => {
    const dir = tempDir()
    const synced: string[] = []
    const store = await open(dir, { onSync: (path) => synced.push(path) })
    for (let n = 0; n < 40; n++) await store.commit(change(contact(n), 1))
    await store.compact()
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toBe('')
    expect(readdirSync(dir).filter((name) => /^journal\.\d+\.jsonl$/.test(name))).toEqual([])
    for (const name of readdirSync(join(dir, 'contacts'))) {
      const shard = JSON.parse(readFileSync(join(dir, 'contacts', name), 'utf8'))
      expect(shard.schemaVersion).toBe(2)
      for (const [id, c] of Object.entries(shard.contacts))
        expect([shardFileName(shardOf(id, 8)), (c as { id: string }).id]).toEqual([name, id])
    }

    synced.length = 0
    await store.commit(change(A, 2))
    await store.compact()
    const shardsWritten = synced.filter((p) => p.includes('/contacts/') && p.endsWith('.tmp'))
    expect(shardsWritten).toEqual([join(dir, 'contacts', `${shardFileName(shardOf(A, 8))}.tmp`)])
    await store.close()

    const reopened = await open(dir)
    expect(versionOf((await reopened.load(A)).conversation)).toBe(2)
    expect(versionOf((await reopened.load(contact(39))).conversation)).toBe(1)
    await reopened.close()
  })

  it('starts on its own once the journal passes its limit', async () => {
    const dir = tempDir()
    const logger = recordingLogger()
    const store = await open(dir, { journalLimitBytes: 4000, logger })
    const compacted = logger.next('store.compacted')
    for (let n = 0; n < 20; n++) await store.commit(change(contact(n), 1))
    expect(await compacted).toMatchObject({ journals: 1 })
    expect(statSync(join(dir, 'journal.jsonl')).size).toBeLessThan(4000)
    await store.close()
  })

  it('leaves the newest confirmed state whatever fsync a kill lands after', async () => {
    const dir = tempDir()
    const ids = Array.from({ length: 12 }, (_, n) => contact(n))
    const confirmed = new Map<string, number>()
    const kills: { copy: string; confirmed: Map<string, number> }[] = []
    let killing = false
    const store = await open(dir, {
      shards: 4,
      onSync: () => {
        if (killing) kills.push({ copy: copyAsKilled(dir), confirmed: new Map(confirmed) })
      },
    })
    const commit = async (id: string, version: number) => {
      await store.commit(change(id, version, version % 2 ? 'sí' : undefined))
      confirmed.set(id, Math.max(confirmed.get(id) ?? 0, version))
    }
    for (const id of ids) await commit(id, 1)
    await store.compact()
    for (const id of ids.slice(0, 8)) await commit(id, 2)

    // A compaction, with more messages arriving while it runs; a kill after each fsync.
    killing = true
    await Promise.all([store.compact(), ...ids.slice(4).map((id) => commit(id, 3))])
    for (const id of ids.slice(0, 2)) await commit(id, 4)
    killing = false
    await store.close()
    expect(kills.length).toBeGreaterThan(10)

    for (const { copy, confirmed: before } of kills) {
      const restarted = await open(copy)
      for (const id of ids) {
        // The newest confirmed version, or a newer one whose fsync completed just before the kill.
        const version = versionOf((await restarted.load(id)).conversation)!
        expect([id, version >= before.get(id)!]).toEqual([id, true])
      }
      await restarted.close()
      expect(verifyChain(ledgerOf(copy))).toMatchObject({ intact: true })
      expect(readdirSync(copy).filter((name) => /^journal\.\d+\.jsonl$/.test(name))).toEqual([])
    }
  })
})

describe('a kill mid-write', () => {
  it('leaves a last line without its newline: cut off on start, logged without personal data', async () => {
    const dir = tempDir()
    const store = await open(dir)
    await store.commit(change(A, 1, 'sí'))
    await store.commit(change(B, 1, 'sí'))
    const killed = copyAsKilled(dir)
    await store.close()
    // What a write cut short leaves: part of a line, no newline.
    const partial = (file: string) => {
      const last = lines(file).at(-1)!
      appendFileSync(file, last.slice(0, Math.floor(last.length / 2)).replace(B, A))
    }
    partial(join(killed, 'journal.jsonl'))
    partial(join(killed, 'ledger.jsonl'))

    const logger = recordingLogger()
    const restarted = await open(killed, { logger })
    expect(logger.events.filter((e) => e === 'store.torn_line_cut')).toHaveLength(2)
    expect(logger.lines.join('\n')).not.toContain(A.slice(-8))
    for (const file of ['journal.jsonl', 'ledger.jsonl']) expect(readFileSync(join(killed, file), 'utf8')).toMatch(/\}\n$/)
    expect(versionOf((await restarted.load(B)).conversation)).toBe(1)
    await restarted.commit(change(A, 2, 'sí'))
    expect(verifyChain(ledgerOf(killed))).toEqual({ intact: true, count: 3 })
    await restarted.close()
  })

  it('between the journal fsync and the ledger fsync: the ledger lines are restored from the journal', async () => {
    const dir = tempDir()
    const store = await open(dir)
    await store.commit(change(A, 1, 'sí'))
    await store.commit(change(B, 1, 'sí'))
    const killed = copyAsKilled(dir)
    await store.close()
    const ledgerFile = join(killed, 'ledger.jsonl')
    writeFileSync(ledgerFile, `${lines(ledgerFile)[0]}\n`)

    const restarted = await open(killed)
    await restarted.close()
    expect(ledgerOf(killed).map((e) => e.personal?.contact)).toEqual([A, B])
    expect(verifyChain(ledgerOf(killed))).toEqual({ intact: true, count: 2 })
  })
})

describe('a damaged file', () => {
  /** A data directory with a backup, and a journal holding three commits (as a kill leaves it). */
  async function withJournal(): Promise<string> {
    const dir = tempDir()
    const first = await open(dir)
    await first.commit(change(A, 1, 'sí'))
    await first.close()
    const store = await open(dir)
    for (const [n, id] of [A, B, contact(7)].entries()) await store.commit(change(id, n + 2, 'sí'))
    const killed = copyAsKilled(dir)
    await store.close()
    return killed
  }

  it('a journal line that does not parse: refused with file and line and the newest backup, nothing written', async () => {
    const dir = await withJournal()
    const journal = join(dir, 'journal.jsonl')
    const text = readFileSync(journal, 'utf8').split('\n')
    text[1] = text[1]!.replace('"flowVersion":', '"flowVersion"')
    writeFileSync(journal, text.join('\n'))
    const before = contents(dir)

    const error = await open(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseFileError)
    // (A copy still being made when the kill came is not a backup.)
    const newest = backupFolders(dir).at(-1)!
    expect((error as Error).message).toMatch(new RegExp(`^${journal}:2: is not valid JSON \\(unexpected .* at column \\d+`))
    expect((error as Error).message).toContain(`The newest backup is ${join(dir, 'backups', newest)}`)
    expect((error as Error).message).not.toContain(B)
    expect(() => readConsentData(dir)).toThrow(`${journal}:2:`)
    expect(contents(dir)).toEqual(before)
  })

  it('a contact file with a contact of the wrong shape: refused with its line', async () => {
    const dir = await withJournal()
    const store = await open(dir)
    await store.close()
    const file = join(dir, 'contacts', shardFileName(shardOf(B, 8)))
    const text = readFileSync(file, 'utf8').split('\n')
    const line = text.findIndex((l) => l.startsWith(`"${B}":{"id"`))
    text[line] = text[line]!.replace(/"principal":"[^"]*",/, '')
    writeFileSync(file, text.join('\n'))
    const before = contents(dir)
    await expect(open(dir)).rejects.toThrow(`${file}:${line + 1}: holds a contact without a principal (pseudonym)`)
    expect(contents(dir)).toEqual(before)
  })

  it("a contact file carries a checksum of its lines: the bot's own are read back as written, one edited by hand is checked line by line", async () => {
    const dir = await withJournal()
    await (await open(dir)).close()
    const file = join(dir, 'contacts', shardFileName(shardOf(B, 8)))
    const text = readFileSync(file, 'utf8')
    // Still plain JSON for the owner, with the checksum beside the schema version.
    expect(JSON.parse(text)).toMatchObject({ schemaVersion: 2, checksum: expect.stringMatching(/^crc32-[0-9a-f]{8}$/) })
    const store = await open(dir)
    expect(versionOf((await store.load(B)).conversation)).toBe(3)
    await store.close()
    // A hand edit that keeps the JSON valid but breaks the shape no longer matches the checksum.
    writeFileSync(file, text.replace(/"language":"es"/, '"language":7'))
    await expect(open(dir)).rejects.toThrow(/holds a contact without a language/)
  })

  it('a contact file an owner re-formatted is still read', async () => {
    const dir = await withJournal()
    await (await open(dir)).close()
    const file = join(dir, 'contacts', shardFileName(shardOf(B, 8)))
    writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2))
    const store = await open(dir)
    expect(versionOf((await store.load(B)).conversation)).toBe(3)
    await store.close()
  })

  it('a ledger whose last complete line does not parse, and notices.json broken on a line: refused with the line', async () => {
    const dir = await withJournal()
    const ledgerFile = join(dir, 'ledger.jsonl')
    const ledger = readFileSync(ledgerFile, 'utf8')
    writeFileSync(ledgerFile, `${ledger.slice(0, -40)}\n`)
    // A journal line a kill cut short as well: not cut either, since the start is refused.
    appendFileSync(join(dir, 'journal.jsonl'), '{"contact":{"id":"3461')
    const before = contents(dir)
    await expect(open(dir)).rejects.toThrow(`${ledgerFile}:4: is not valid JSON`)
    expect(contents(dir)).toEqual(before)
    writeFileSync(ledgerFile, ledger)

    const noticesFile = join(dir, 'notices.json')
    writeFileSync(noticesFile, readFileSync(noticesFile, 'utf8').replace('"language": "es",', '"language": "es"'))
    await expect(open(dir)).rejects.toThrow(`${noticesFile}:4: is not valid JSON`)
  })

  it('the single-file database of the previous release: refused with what to do, left as it is', async () => {
    const dir = tempDir()
    const legacy = JSON.stringify({ schemaVersion: 1, contacts: {}, ledger: [], notices: {}, conversations: {} })
    writeFileSync(join(dir, 'consent-db.json'), legacy)
    await expect(open(dir)).rejects.toThrow(
      /consent-db\.json: is the database of an earlier version of the bot.*Move it out of the data directory/,
    )
    expect(() => readConsentData(dir)).toThrow(DatabaseFileError)
    expect(readdirSync(dir)).toEqual(['consent-db.json'])
    expect(readFileSync(join(dir, 'consent-db.json'), 'utf8')).toBe(legacy)
  })
})

describe('backups', () => {
  it('are taken after each start, byte copies of the data, the newest three kept', async () => {
    const dir = tempDir()
    let time = Date.UTC(2026, 10, 25, 10)
    const clock = () => new Date((time += 60_000))
    for (let start = 1; start <= 5; start++) {
      const store = await open(dir, { clock })
      await store.commit(change(contact(start), start, 'sí'))
      await store.close()
    }
    const backups = backupFolders(dir)
    expect(backups).toEqual(['2026-11-25T10-03-00.000Z', '2026-11-25T10-04-00.000Z', '2026-11-25T10-05-00.000Z'])
    // The newest was taken when the fifth start began: everything of the four before it.
    const newest = join(dir, 'backups', backups[2]!)
    const liveLines = readFileSync(join(dir, 'ledger.jsonl'), 'utf8').split('\n')
    expect(readFileSync(join(newest, 'ledger.jsonl'), 'utf8')).toBe(`${liveLines.slice(0, 4).join('\n')}\n`)
    const backedUp = readConsentData(newest)
    expect(Object.keys(backedUp.contacts).sort()).toEqual([1, 2, 3, 4].map(contact))
    // The ledger is one copy of the backups' own (not the live file), extended by each backup and
    // linked into each: an older backup's holds its moment's records and those added since, in order.
    const copies = backups.map((name) => statSync(join(dir, 'backups', name, 'ledger.jsonl')))
    const archive = statSync(join(dir, 'backups', 'ledger.jsonl'))
    expect(new Set(copies.map((c) => c.ino))).toEqual(new Set([archive.ino]))
    expect(archive.ino).not.toBe(statSync(join(dir, 'ledger.jsonl')).ino)
    expect(readConsentData(join(dir, 'backups', backups[0]!)).ledger.map((entry) => entry.seq)).toEqual([1, 2, 3, 4])
  })
})

describe('backups of contact files', () => {
  it('hold each contact file as it was when taken (a hard link: no copy), though the bot replaces it later', async () => {
    const dir = tempDir()
    let store = await open(dir)
    await store.commit(change(A, 1, 'sí'))
    await store.close()
    store = await open(dir)
    const file = join('contacts', shardFileName(shardOf(A, 8)))
    // The start-up backup is complete once a later one could be taken: close waits for it.
    await store.close()
    const [backup] = backupFolders(dir).slice(-1)
    const live = statSync(join(dir, file))
    const kept = statSync(join(dir, 'backups', backup!, file))
    expect([kept.ino, kept.nlink]).toEqual([live.ino, 2])
    store = await open(dir)
    await store.commit(change(A, 2, 'sí'))
    await store.compact()
    await store.close()
    // The live file was replaced (a new one renamed over it); the backup's is the old one, untouched.
    expect(versionOf(readConsentData(join(dir, 'backups', backup!)).conversations[A])).toBe(1)
    expect(versionOf(readConsentData(dir).conversations[A])).toBe(2)
  })
})

describe('erasure', () => {
  it("removes the contact's number and words from every file, backups included; others untouched, chain intact, proof last", async () => {
    const dir = tempDir()
    const words = 'sí, soy Ana Torres'
    let store = await open(dir)
    await store.commit(change(A, 1, words))
    await store.commit(change(B, 1, 'yes'))
    await store.close()
    // Two more starts: backups hold A, the contact files hold A, and the journal holds A again.
    store = await open(dir)
    await store.commit(change(A, 2, words))
    await store.close()
    store = await open(dir)
    await store.compact()
    for (let v = 3; v < 6; v++) await store.commit(change(A, v, words))
    const holding = filesContaining(dir, A)
    expect(holding).toEqual(expect.arrayContaining(['journal.jsonl', 'ledger.jsonl', join('contacts', shardFileName(shardOf(A, 8)))]))
    expect(holding.filter((f) => f.startsWith('backups/')).length).toBeGreaterThanOrEqual(2)
    const ledgerBefore = ledgerOf(dir)

    const proof = { ...record('p-erased', 'erased', []), collection: { method: 'whatsapp-chat' as const, messageId: '3EB0ERASE' } }
    // Another contact writes while the erasure runs.
    await Promise.all([store.erase(A, proof), store.commit(change(B, 2, 'yes'))])

    expect(filesContaining(dir, A)).toEqual([])
    expect(filesContaining(dir, 'Ana Torres')).toEqual([])
    // One backup left, with a copy of the ledger made anew from the redacted one.
    expect(backupFolders(dir)).toHaveLength(1)
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual([...backupFolders(dir), 'ledger.jsonl'].sort())
    const ledger = ledgerOf(dir)
    expect(verifyChain(ledger)).toEqual({ intact: true, count: ledgerBefore.length + 2 })
    expect(ledger.at(-1)).toMatchObject({ record: { id: proof.id, event: 'erased' }, personal: null })
    expect(ledger.filter((e) => e.personal?.contact === B)).toHaveLength(2)
    // The erased entries keep their digest: the chain still holds, and the records stay as evidence.
    for (const [i, entry] of ledgerBefore.entries()) {
      expect(ledger[i]!.personalDigest).toBe(entry.personalDigest)
      expect(ledger[i]!.personal).toEqual(entry.personal?.contact === A ? null : entry.personal)
    }
    expect(await store.load(A)).toEqual({})
    await store.close()
    expect(filesContaining(dir, A)).toEqual([])

    const reopened = await open(dir)
    expect(await reopened.load(A)).toEqual({})
    expect(versionOf((await reopened.load(B)).conversation)).toBe(2)
    await reopened.close()
    expect(existsSync(join(dir, 'ledger.jsonl.tmp'))).toBe(false)
  })
})
