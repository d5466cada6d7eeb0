/**
 * The consent store on files an owner can open, in the data directory:
 *
 *     store.json          schema version and how many contact files there are
 *     contacts/NN.json    contacts and their conversations, spread by a hash of the contact id (lowdb)
 *     journal.jsonl       every commit since the contact files were last written (write-ahead log)
 *     ledger.jsonl        the consent ledger: append-only, hash-chained evidence
 *     notices.json        the exact notice texts the ledger's hashes refer to
 *     backups/<time>/     copies taken after each start-up; the newest three are kept
 *
 * A commit appends one journal line and its ledger lines and resolves once an fsync covers them;
 * memory is updated then, so it only ever holds what is on disk. Commits that arrive while an
 * fsync is in flight share the next one (group commit), so a burst of messages costs a few
 * fsyncs, and the cost of a message does not grow with the number of contacts. Once the journal
 * passes a size, the contact files that changed are rewritten (compaction) and a new journal
 * begins.
 *
 * A file that does not parse or has the wrong shape is never overwritten or repaired: the bot
 * refuses to start, names the file and line, and points to the newest backup. The one exception
 * is a last line a kill cut short (no newline at the end): it was never confirmed, and is cut off.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdir, open, readdir, readFile, rename, truncate, unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { Low } from 'lowdb'
import { silentLogger, type Logger } from '../ports/logger.js'
import type { Contact, ConsentRecord } from '../domain/consent.js'
import { GENESIS, sealEntry, type LedgerEntry } from '../domain/ledger.js'
import type { ConsentData, ConsentStore, ContactChange, StoredConversation, StoredNotice } from '../ports/consent-store.js'
import { BACKUPS_DIR, newestBackup, openBackupSources, takeBackup } from './store/backups.js'
import { AppendFile, DIR_MODE, DurableJsonFile, FILE_MODE, parseJsonFile, syncDir, TEMP_SUFFIX, type OnSync } from './store/durable-file.js'
import { DatabaseFileError } from './store/errors.js'
import { JOURNAL_FILE, journalLine, parseJournalLine, rotatedJournalName, rotatedJournals, type JournalRecord } from './store/journal.js'
import { isObject, splitLines } from './store/json-lines.js'
import { copyRedacted, LEDGER_FILE, parseLedgerLine, readLedgerTail, readLinesSync } from './store/ledger-file.js'
import { parseShard, SCHEMA_VERSION, shardFileName, shardOf, ShardFile, type ShardEntries, type StoredEntry } from './store/shards.js'

export { DatabaseFileError } from './store/errors.js'
export { SCHEMA_VERSION } from './store/shards.js'

export const MANIFEST_FILE = 'store.json'
export const NOTICES_FILE = 'notices.json'
export const CONTACTS_DIR = 'contacts'
/** The single-file database of the previous release (schema 1). */
export const LEGACY_FILE = 'consent-db.json'

export interface LowdbStoreOptions {
  /** How many contact files a new data directory gets (default 64); an existing one keeps its own. */
  shards?: number
  /** Compact once the journal passes this many bytes (default 32 MB). */
  journalLimitBytes?: number
  /** Backups kept under backups/ (default 3). */
  keepBackups?: number
  logger?: Logger
  /** Told of every fsync (file or directory): tests count them. */
  onSync?: OnSync
  clock?: () => Date
}

export interface LowdbStore extends ConsentStore {
  /** Writes the contact files that changed and starts a new journal (also done on its own). */
  compact(): Promise<void>
}

interface Manifest {
  schemaVersion: number
  shards: number
  layout?: string
}

const DEFAULT_SHARDS = 64
const DEFAULT_JOURNAL_LIMIT = 32 * 1024 * 1024
const DEFAULT_KEEP_BACKUPS = 3

/** Opens (or creates) the store in `dataDir`. Throws DatabaseFileError for a file it cannot trust. */
export async function openLowdbStore(dataDir: string, options: LowdbStoreOptions = {}): Promise<LowdbStore> {
  try {
    return await ShardedStore.open(dataDir, options)
  } catch (error) {
    if (error instanceof DatabaseFileError && error.backup === undefined) throw error.withBackup(newestBackup(dataDir))
    throw error
  }
}

/** Runs tasks one at a time, in the order they were queued. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    this.tail = result.catch(() => {})
    return result
  }
}

/** Commits waiting for the next write + fsync. */
interface Batch {
  journal: string[]
  ledger: string[]
  newNotice: boolean
  /** Run once the batch is durable: memory only ever holds what is on disk. */
  applies: (() => void)[]
  waiters: { resolve: () => void; reject: (error: Error) => void }[]
}

class ShardedStore implements LowdbStore {
  private next: Batch | undefined
  private flushing: Promise<void> | undefined
  /** Serialises appends with what must not interleave with them (journal rotation, ledger swap). */
  private readonly io = new Mutex()
  /** Serialises compaction and erasures. */
  private readonly maintenance = new Mutex()
  /** Serialises backups (an erasure waits for one in progress: it holds the contact). */
  private readonly backups = new Mutex()
  private readonly dirty = new Set<number>()
  private failed: Error | undefined
  private closing: Promise<void> | undefined
  private compactionQueued = false
  private readonly log: Logger
  private readonly limit: number

  private constructor(
    private readonly dataDir: string,
    private readonly options: LowdbStoreOptions,
    private readonly shards: Low<ShardEntries>[],
    private readonly notices: Low<Record<string, StoredNotice>>,
    private journal: AppendFile,
    private ledger: AppendFile,
    /** The last ledger entry sealed (committed or waiting to be). */
    private ledgerTail: Pick<LedgerEntry, 'seq' | 'hash'> | undefined,
    /** Journals rotated out and not yet folded into the contact files. */
    private rotated: string[],
    private nextJournal: number,
    replayedShards: Iterable<number>,
    /** A person's `…@lid` → the number their contact is filed under. */
    private readonly lids: Map<string, string>,
  ) {
    this.log = options.logger ?? silentLogger
    this.limit = options.journalLimitBytes ?? DEFAULT_JOURNAL_LIMIT
    for (const index of replayedShards) this.dirty.add(index)
  }

  static async open(dataDir: string, options: LowdbStoreOptions): Promise<ShardedStore> {
    const started = performance.now()
    const log = options.logger ?? silentLogger
    const onSync = options.onSync
    await mkdir(dataDir, { recursive: true, mode: DIR_MODE })
    await chmod(dataDir, DIR_MODE)
    const names = await readdir(dataDir)
    if (names.includes(LEGACY_FILE)) throw legacyError(dataDir)

    // Everything is read and checked before anything is written: a refused start changes no file.
    const manifest = new Low<Manifest>(new DurableJsonFile(join(dataDir, MANIFEST_FILE), manifestProblem, onSync), {
      schemaVersion: SCHEMA_VERSION,
      shards: options.shards ?? DEFAULT_SHARDS,
      layout: 'contacts/NN.json holds the contacts whose id hashes (FNV-1a) to NN modulo shards',
    })
    const isNew = !names.includes(MANIFEST_FILE)
    if (!isNew) await manifest.read()
    else {
      const found = names.filter(
        (name) => [CONTACTS_DIR, NOTICES_FILE, JOURNAL_FILE, LEDGER_FILE].includes(name) || rotatedJournals([name]).length,
      )
      if (found.length)
        throw new DatabaseFileError(
          join(dataDir, MANIFEST_FILE),
          undefined,
          `is missing, while the data directory holds ${found.join(', ')}`,
        )
    }
    const shardCount = manifest.data.shards

    const notices = new Low<Record<string, StoredNotice>>(new DurableJsonFile(join(dataDir, NOTICES_FILE), noticesProblem, onSync), {})
    await notices.read()

    const shards = Array.from(
      { length: shardCount },
      (_, index) =>
        new Low<ShardEntries>(new ShardFile(join(dataDir, CONTACTS_DIR, shardFileName(index)), index, shardCount, onSync), new Map()),
    )
    await Promise.all(shards.map((shard) => shard.read()))

    // Journals, oldest first: each line is a contact's whole state, so the last line wins.
    const rotated = rotatedJournals(names)
    const replayed = new Set<number>()
    let journalLines = 0
    const torn: { file: string; completeBytes: number; bytes: number }[] = []
    const restorable: { file: string; record: JournalRecord; entry: LedgerEntry }[] = []
    for (const name of [...rotated.map((r) => r.name), JOURNAL_FILE]) {
      const file = join(dataDir, name)
      const buffer = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw new DatabaseFileError(file, undefined, `cannot be read (${error.code})`)
      })
      if (!buffer) continue
      const { lines, completeBytes, tornBytes } = splitLines(buffer)
      if (tornBytes) torn.push({ file, completeBytes, bytes: tornBytes })
      journalLines += lines.length
      lines.forEach((text, i) => {
        const record = parseJournalLine(file, i + 1, text)
        if (record.removed !== undefined) {
          const index = shardOf(record.removed, shardCount)
          shards[index]!.data.delete(record.removed)
          replayed.add(index)
        }
        if (record.contact) {
          const index = shardOf(record.contact.id, shardCount)
          shards[index]!.data.set(record.contact.id, {
            contact: record.contact.json,
            ...(record.contact.conversation === undefined ? {} : { conversation: record.contact.conversation }),
          })
          replayed.add(index)
        }
        for (const entry of record.ledger) restorable.push({ file, record, entry })
      })
    }

    const ledgerFile = join(dataDir, LEDGER_FILE)
    const tail = await readLedgerTail(ledgerFile)
    if (tail.tornBytes) torn.push({ file: ledgerFile, completeBytes: tail.completeBytes, bytes: tail.tornBytes })
    // A kill between the journal's fsync and the ledger's can leave ledger lines only in the journal.
    let last: Pick<LedgerEntry, 'seq' | 'hash'> | undefined = tail.last
    const restored: string[] = []
    for (const { file, record, entry } of restorable) {
      if (entry.seq <= (last?.seq ?? 0)) continue
      if (entry.seq !== (last?.seq ?? 0) + 1 || entry.prev !== (last?.hash ?? GENESIS)) {
        throw new DatabaseFileError(
          file,
          record.line,
          `holds ledger record ${entry.seq}, which does not follow the last record of ${LEDGER_FILE} (${last?.seq ?? 'none'}): the two files come from different copies of the data`,
        )
      }
      restored.push(JSON.stringify(entry))
      last = entry
    }

    if (isNew) await manifest.write()
    for (const dir of [CONTACTS_DIR, BACKUPS_DIR]) {
      await mkdir(join(dataDir, dir), { recursive: true, mode: DIR_MODE })
      await chmod(join(dataDir, dir), DIR_MODE)
    }
    // A temp file is a replacement a kill interrupted; the file it was to replace is intact.
    for (const [dir, entries] of [
      [dataDir, names],
      [join(dataDir, CONTACTS_DIR), await readdir(join(dataDir, CONTACTS_DIR))],
    ] as const) {
      for (const name of entries) if (name.endsWith(TEMP_SUFFIX)) await unlink(join(dir, name))
    }
    // A last line without its newline is a write a kill cut short: it was never confirmed.
    for (const { file, completeBytes, bytes } of torn) {
      await truncate(file, completeBytes)
      log.warn('store.torn_line_cut', { file: basename(file), bytes })
    }
    const ledger = await AppendFile.open(ledgerFile, onSync)
    if (restored.length) {
      await ledger.append(`${restored.join('\n')}\n`)
      log.warn('store.ledger_restored', { records: restored.length })
    }
    const journal = await AppendFile.open(join(dataDir, JOURNAL_FILE), onSync)
    await syncDir(dataDir, onSync)

    const store = new ShardedStore(
      dataDir,
      options,
      shards,
      notices,
      journal,
      ledger,
      last,
      rotated.map((r) => r.name),
      (rotated.at(-1)?.n ?? 0) + 1,
      replayed,
      lidIndex(shards),
    )
    log.info('store.opened', {
      contacts: shards.reduce((sum, shard) => sum + shard.data.size, 0),
      journalLines: journalLines,
      ms: Math.round(performance.now() - started),
    })
    if (rotated.length) store.compactInBackground()
    store
      .backup(options.keepBackups ?? DEFAULT_KEEP_BACKUPS)
      .catch((error: Error) => log.warn('store.backup_failed', { error: error.message }))
    return store
  }

  async load(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }> {
    const id = this.idOf(contactId)
    const entry = this.shardFor(id).data.get(id)
    if (!entry) return {}
    // Parsed afresh on every load: the caller gets its own copy.
    return {
      contact: JSON.parse(entry.contact) as Contact,
      ...(entry.conversation === undefined ? {} : { conversation: JSON.parse(entry.conversation) as StoredConversation }),
    }
  }

  commit(change: ContactChange): Promise<void> {
    if (this.failed || this.closing) return Promise.reject(this.failed ?? new Error('The consent store is closed'))
    const id = change.contact.id
    const { lid } = change.contact
    const replaces = change.replaces !== undefined && change.replaces !== id ? change.replaces : undefined
    const entry: StoredEntry = { contact: JSON.stringify(change.contact), conversation: JSON.stringify(change.conversation) }
    const ledger = change.records.map(({ record, personal }) => this.seal(record, personal))
    let newNotice = false
    for (const [hash, notice] of Object.entries(change.notices)) {
      if (this.notices.data[hash]) continue
      this.notices.data[hash] = notice
      newNotice = true
    }
    return this.enqueue(journalLine(entry.contact, entry.conversation, ledger, replaces), ledger, newNotice, () => {
      if (replaces !== undefined) this.remove(replaces)
      this.put(id, entry)
      if (lid) this.lids.set(lid, id)
    })
  }

  erase(contactId: string, proof: ConsentRecord): Promise<void> {
    if (this.failed || this.closing) return Promise.reject(this.failed ?? new Error('The consent store is closed'))
    return this.maintenance.run(async () => {
      const started = performance.now()
      // Every address of the person: the one they wrote from, their number, their `…@lid`.
      const addresses = await this.io.run(async () => {
        const id = this.idOf(contactId)
        const entry = this.shardFor(id).data.get(id)
        const lid = entry ? (JSON.parse(entry.contact) as Contact).lid : undefined
        const all = [...new Set([contactId, id, ...(lid ? [lid] : [])])]
        for (const address of all) {
          this.remove(address)
          this.lids.delete(address)
        }
        return all
      })
      // Their contact file is rewritten, and the journals that held their lines are deleted.
      await this.fold()
      await this.redactLedger(addresses)
      // Every older backup holds them (one in progress included): keep only a fresh one.
      await this.backup(1)
      const sealed = this.seal(proof, null)
      await this.enqueue(journalLine(undefined, undefined, [sealed]), [sealed], false, () => {})
      this.log.info('store.erased', { ms: Math.round(performance.now() - started) })
    })
  }

  async *scan(): AsyncIterable<{ contact: Contact; conversation?: StoredConversation }> {
    let count = 0
    for (const shard of this.shards) {
      // A Map's iteration sees entries added and skips entries deleted meanwhile.
      for (const entry of shard.data.values()) {
        const conversation = entry.conversation === undefined ? undefined : (JSON.parse(entry.conversation) as StoredConversation)
        yield { contact: JSON.parse(entry.contact) as Contact, ...(conversation ? { conversation } : {}) }
        if (++count % 256 === 0) await yieldToEventLoop()
      }
    }
  }

  compact(): Promise<void> {
    return this.maintenance.run(() => this.fold())
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing) await this.flushing
      await this.maintenance.run(async () => {
        if (!this.failed) await this.fold()
      })
      await this.backups.run(async () => {})
      await this.journal.close()
      await this.ledger.close()
    })()
    return this.closing
  }

  private shardFor(contactId: string): Low<ShardEntries> {
    return this.shards[shardOf(contactId, this.shards.length)]!
  }

  /** The id a contact is filed under: a `…@lid` merged into a number's contact is that number. */
  private idOf(address: string): string {
    if (this.shardFor(address).data.has(address)) return address
    return this.lids.get(address) ?? address
  }

  private remove(contactId: string): void {
    const index = shardOf(contactId, this.shards.length)
    if (this.shards[index]!.data.delete(contactId)) this.dirty.add(index)
  }

  private put(contactId: string, entry: StoredEntry): void {
    const index = shardOf(contactId, this.shards.length)
    this.shards[index]!.data.set(contactId, entry)
    this.dirty.add(index)
  }

  /** Seals the next ledger entry now, so entries are chained in the order commits were made. */
  private seal(record: ConsentRecord, personal: LedgerEntry['personal']): string {
    const entry = sealEntry(this.ledgerTail, record, personal)
    this.ledgerTail = entry
    return JSON.stringify(entry)
  }

  private enqueue(journal: string, ledger: string[], newNotice: boolean, apply: () => void): Promise<void> {
    const batch = (this.next ??= { journal: [], ledger: [], newNotice: false, applies: [], waiters: [] })
    batch.journal.push(journal)
    batch.ledger.push(...ledger)
    batch.newNotice ||= newNotice
    batch.applies.push(apply)
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }))
    this.flushing ??= this.flushLoop()
    return done
  }

  /** Writes batches one after another; commits made meanwhile gather into the next one. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.next) await this.io.run(() => this.writeBatch())
    } finally {
      this.flushing = undefined
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.next
    if (!batch) return
    this.next = undefined
    try {
      if (this.failed) throw this.failed
      // A notice is on disk before any line that refers to it (a backup copies notices.json last).
      if (batch.newNotice) await this.notices.write()
      await Promise.all([
        this.journal.append(batch.journal.join('')),
        batch.ledger.length ? this.ledger.append(`${batch.ledger.join('\n')}\n`) : undefined,
      ])
    } catch (error) {
      // The ledger chain in memory is now ahead of the file: confirm nothing more.
      this.failed ??= new Error(`The consent store could not write to ${this.dataDir}: ${(error as Error).message}`)
      this.log.error('store.write_failed', { error: (error as Error).message })
      for (const waiter of batch.waiters) waiter.reject(this.failed)
      return
    }
    for (const apply of batch.applies) apply()
    for (const waiter of batch.waiters) waiter.resolve()
    if (this.journal.size > this.limit) this.compactInBackground()
  }

  private compactInBackground(): void {
    if (this.compactionQueued) return
    this.compactionQueued = true
    this.maintenance
      .run(() => this.fold())
      .catch((error: Error) => this.log.error('store.compaction_failed', { error: error.message }))
      .finally(() => (this.compactionQueued = false))
  }

  /**
   * Compaction. Crash-safe at every step: the journal is renamed aside (new commits go to a fresh
   * one), the contact files that changed are replaced one by one, and only then are the journals
   * they now cover deleted. A kill in between replays those journals over contact files that may
   * be newer; each line is a whole state and the fresh journal holds every later commit, so the
   * newest state still wins. Memory only holds what is durable, so a contact file never gets ahead
   * of the journal and ledger.
   */
  private async fold(): Promise<void> {
    const started = performance.now()
    const { journals, dirty } = await this.io.run(async () => {
      if (this.journal.size > 0) {
        await this.journal.close()
        const name = rotatedJournalName(this.nextJournal++)
        await rename(join(this.dataDir, JOURNAL_FILE), join(this.dataDir, name))
        this.journal = await AppendFile.open(join(this.dataDir, JOURNAL_FILE), this.options.onSync)
        await syncDir(this.dataDir, this.options.onSync)
        this.rotated.push(name)
      }
      const dirty = [...this.dirty].sort((a, b) => a - b)
      this.dirty.clear()
      return { journals: [...this.rotated], dirty }
    })
    if (!journals.length && !dirty.length) return
    for (const [position, index] of dirty.entries()) {
      try {
        await this.shards[index]!.write()
      } catch (error) {
        for (const left of dirty.slice(position)) this.dirty.add(left)
        throw error
      }
      // One contact file at a time, so replies are not held up for long.
      await yieldToEventLoop()
    }
    // The renames must be on disk before the journals that cover them go.
    if (dirty.length) await syncDir(join(this.dataDir, CONTACTS_DIR), this.options.onSync)
    for (const name of journals)
      await unlink(join(this.dataDir, name)).catch((error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? undefined : Promise.reject(error),
      )
    this.rotated = this.rotated.filter((name) => !journals.includes(name))
    await syncDir(this.dataDir, this.options.onSync)
    this.log.info('store.compacted', { files: dirty.length, journals: journals.length, ms: Math.round(performance.now() - started) })
  }

  /**
   * Rewrites ledger.jsonl with the contact's personal details set to null. Most of the file is
   * copied while commits go on; only the lines appended meanwhile are copied with them paused.
   */
  private async redactLedger(addresses: readonly string[]): Promise<void> {
    const file = join(this.dataDir, LEDGER_FILE)
    const temp = file + TEMP_SUFFIX
    const out = await open(temp, 'w', FILE_MODE)
    let outOpen = true
    try {
      const copied = this.ledger.size
      const lines = await copyRedacted(file, out, addresses, 0, copied, 1)
      await this.io.run(async () => {
        await copyRedacted(file, out, addresses, copied, this.ledger.size, lines + 1)
        await out.sync()
        this.options.onSync?.(temp)
        await out.close()
        outOpen = false
        await this.ledger.close()
        await rename(temp, file)
        await syncDir(this.dataDir, this.options.onSync)
        this.ledger = await AppendFile.open(file, this.options.onSync)
      })
    } catch (error) {
      if (outOpen) await out.close()
      await unlink(temp).catch(() => {})
      throw error
    }
  }

  /**
   * Copies the data files into a new backup. They are opened together between two batches, then
   * copied while commits and compactions go on. notices.json is opened last: every line up to
   * the sizes noted refers only to notices already in it.
   */
  private backup(keep: number): Promise<string> {
    return this.backups.run(async () => {
      const started = performance.now()
      const sources = await this.io.run(async () => {
        const shardFiles = (await readdir(join(this.dataDir, CONTACTS_DIR)))
          .filter((name) => name.endsWith('.json'))
          .map((name) => join(CONTACTS_DIR, name))
        return openBackupSources(this.dataDir, [
          ...[MANIFEST_FILE, ...shardFiles, ...this.rotated].map((path) => ({ path })),
          { path: JOURNAL_FILE, bytes: this.journal.size },
          { path: LEDGER_FILE, bytes: this.ledger.size },
          { path: NOTICES_FILE },
        ])
      })
      const folder = await takeBackup(this.dataDir, sources, keep, (this.options.clock ?? (() => new Date()))(), this.options.onSync)
      this.log.info('store.backup', { folder: folder.slice(this.dataDir.length + 1), ms: Math.round(performance.now() - started) })
      return folder
    })
  }
}

/**
 * Which number each `…@lid` stands for, from the contacts that carry one. Read off the stored
 * JSON text (a contact's `lid` field) without parsing every contact at start-up.
 */
function lidIndex(shards: Low<ShardEntries>[]): Map<string, string> {
  const lids = new Map<string, string>()
  for (const shard of shards) {
    for (const [id, entry] of shard.data) {
      if (!entry.contact.includes('"lid":"')) continue
      const lid = (JSON.parse(entry.contact) as Contact).lid
      if (lid) lids.set(lid, id)
    }
  }
  return lids
}

function legacyError(dataDir: string): DatabaseFileError {
  return new DatabaseFileError(
    join(dataDir, LEGACY_FILE),
    undefined,
    `is the database of an earlier version of the bot, which this version does not convert (its records lack the fields of consent-record/2, and evidence is never rewritten). Move it out of the data directory and keep it as the evidence of the consents given so far; the bot then starts with an empty store`,
    null,
  )
}

function manifestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a store manifest'
  if (value.schemaVersion !== SCHEMA_VERSION)
    return `has schema version ${String(value.schemaVersion)}, and this bot reads version ${SCHEMA_VERSION}`
  if (!Number.isSafeInteger(value.shards) || (value.shards as number) < 1 || (value.shards as number) > 100)
    return 'needs "shards", a whole number from 1 to 100'
  return undefined
}

function noticesProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not a list of notices by hash'
  for (const notice of Object.values(value))
    if (!isObject(notice) || typeof notice.text !== 'string') return 'holds a notice without its text'
  return undefined
}

/**
 * Everything stored in a data directory, read without writing anything (for the owner's tools
 * and for tests, also while the bot runs). A last line a kill cut short is left out, as the bot
 * would cut it.
 */
export function readConsentData(dataDir: string): ConsentData {
  try {
    const steps = readAll(dataDir)
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value
  } catch (error) {
    throw withNewestBackup(error, dataDir)
  }
}

/**
 * The same read, for a running bot (its dashboard and downloads): it lets the bot answer
 * messages between one contacts file or a few thousand ledger lines and the next, instead of
 * stopping for the whole read (seconds at 100,000 contacts).
 */
export async function readConsentDataInTurns(dataDir: string): Promise<ConsentData> {
  try {
    const steps = readAll(dataDir)
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value
      await yieldToEventLoop()
    }
  } catch (error) {
    throw withNewestBackup(error, dataDir)
  }
}

function withNewestBackup(error: unknown, dataDir: string): unknown {
  return error instanceof DatabaseFileError && error.backup === undefined ? error.withBackup(newestBackup(dataDir)) : error
}

/** How many ledger lines are read between two turns of `readConsentDataInTurns`. */
const LEDGER_LINES_PER_TURN = 2000

/** Reads everything; yields after each unit of work (a file, a batch of ledger lines). */
function* readAll(dataDir: string): Generator<void, ConsentData> {
  const empty: ConsentData = { contacts: {}, conversations: {}, ledger: [], notices: {} }
  if (!existsSync(dataDir)) return empty
  // Compaction may run meanwhile: journals are read before the contact files they are folded into,
  // and the whole read is tried again if a journal was rotated during it.
  for (let attempt = 1; ; attempt++) {
    const names = readdirSync(dataDir)
    if (names.includes(LEGACY_FILE)) throw legacyError(dataDir)
    if (!names.includes(MANIFEST_FILE)) return empty
    const journals = [...rotatedJournals(names).map((r) => r.name), JOURNAL_FILE]
    const journalRecords = journals.flatMap((name) => {
      const file = join(dataDir, name)
      let buffer: Buffer
      try {
        buffer = readFileSync(file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
      return splitLines(buffer).lines.map((text, i) => parseJournalLine(file, i + 1, text))
    })
    const rotatedAfter = rotatedJournals(readdirSync(dataDir)).map((r) => r.name)
    if (rotatedAfter.some((name) => !journals.includes(name)) && attempt < 5) continue

    const manifest = parseJsonFile<Manifest>(
      join(dataDir, MANIFEST_FILE),
      readFileSync(join(dataDir, MANIFEST_FILE), 'utf8'),
      manifestProblem,
    )
    const data: ConsentData = { ...empty, contacts: {}, conversations: {}, ledger: [] }
    for (let index = 0; index < manifest.shards; index++) {
      const file = join(dataDir, CONTACTS_DIR, shardFileName(index))
      if (!existsSync(file)) continue
      for (const [id, entry] of parseShard(readFileSync(file, 'utf8'), file, index, manifest.shards)) {
        data.contacts[id] = JSON.parse(entry.contact) as Contact
        if (entry.conversation !== undefined) data.conversations[id] = JSON.parse(entry.conversation) as StoredConversation
      }
      yield
    }
    // A compaction that began meanwhile may have folded changes newer than the journals read
    // above into the contact files: laying those journals over them would undo the changes. Again.
    if (rotatedJournals(readdirSync(dataDir)).some((r) => !journals.includes(r.name)) && attempt < 5) continue
    for (const { contact, removed } of journalRecords) {
      if (removed !== undefined) {
        delete data.contacts[removed]
        delete data.conversations[removed]
      }
      if (!contact) continue
      data.contacts[contact.id] = JSON.parse(contact.json) as Contact
      if (contact.conversation !== undefined) data.conversations[contact.id] = JSON.parse(contact.conversation) as StoredConversation
    }
    const noticesFile = join(dataDir, NOTICES_FILE)
    if (existsSync(noticesFile)) data.notices = parseJsonFile(noticesFile, readFileSync(noticesFile, 'utf8'), noticesProblem)
    const ledgerFile = join(dataDir, LEDGER_FILE)
    if (existsSync(ledgerFile)) {
      for (const { line, text, complete } of readLinesSync(ledgerFile)) {
        if (complete) data.ledger.push(parseLedgerLine(ledgerFile, line, text))
        if (line % LEDGER_LINES_PER_TURN === 0) yield
      }
    }
    // Ledger lines that reached the journal but not ledger.jsonl before a kill: the bot restores them on start-up.
    for (const { ledger } of journalRecords) for (const entry of ledger) if (entry.seq === data.ledger.length + 1) data.ledger.push(entry)
    return data
  }
}
