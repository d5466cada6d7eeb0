/**
 * The file store at work: contacts in memory (filed in `contacts/NN.json`), every change a line
 * of the journal and its records in the ledger (group commit), compaction, erasure and backups,
 * each serialised with what it must not interleave with. `open.ts` makes it from what recovery read.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Low } from 'lowdb'
import type { Contact, ConsentRecord } from '../../domain/consent.js'
import type { LedgerEntry } from '../../domain/ledger.js'
import type { ConsentStore, ContactChange, StoredConversation } from '../../ports/consent-store.js'
import { silentLogger, type Logger } from '../../ports/logger.js'
import { backupStore } from './backups.js'
import { CommitLog } from './commit-log.js'
import { fold } from './compaction.js'
import type { ContactFiles } from './contact-files.js'
import type { AppendFile, OnSync } from './durable-file.js'
import { type ErasureStep, ledgerHolds, type PendingErasure, redactLedger, writePendingErasures } from './erasure.js'
import { journalLine } from './journal.js'
import type { StoreLock } from './lock.js'
import type { Notices } from './layout.js'
import { Mutex } from './mutex.js'
import type { StoredEntry } from './shards.js'

export interface LowdbStoreOptions {
  /** How many contact files a new data directory gets (default 64); an existing one keeps its own. */
  shards?: number
  /**
   * Compact once the journal passes this many bytes (default: a quarter of the contact files'
   * size, at least 32 MB).
   */
  journalLimitBytes?: number
  /** Contacts read from their files kept in memory, the most recently used (default 10,000). */
  cachedContacts?: number
  /** Backups kept under backups/ (default 3). */
  keepBackups?: number
  logger?: Logger
  /** Told of every fsync (file or directory): tests count them. */
  onSync?: OnSync
  clock?: () => Date
  /** Told once each step of an erasure is on disk (tests crash there). */
  onErasureStep?: (step: ErasureStep) => void | Promise<void>
}

export interface LowdbStore extends ConsentStore {
  /** Writes the contact files that changed and starts a new journal (also done on its own). */
  compact(): Promise<void>
}

/**
 * A compaction rewrites every contact file a change touched, which with contacts placed by a hash
 * is all of them: its cost grows with the database. Letting the journal grow with the database
 * too keeps the cost per message flat (each contact's bytes are rewritten about four times per
 * journal's worth of changes, whatever the size), for a longer replay at start and the changes
 * held in memory meanwhile (about the journal's size).
 */
const MIN_JOURNAL_LIMIT = 32 * 1024 * 1024
const JOURNAL_SHARE_OF_CONTACTS = 1 / 4

/** The journal and ledger as recovery left them, open for appending. */
export interface OpenedLog {
  journal: AppendFile
  ledger: AppendFile
  ledgerTail: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  rotated: { name: string; n: number }[]
}

export class ShardedStore implements LowdbStore {
  private readonly commits: CommitLog
  /** Serialises compaction and erasures. */
  private readonly maintenance = new Mutex()
  /** Serialises backups (an erasure waits for one in progress: it holds the contact). */
  private readonly backups = new Mutex()
  private closing: Promise<void> | undefined
  private compactionQueued = false
  private readonly log: Logger
  /** Erasures asked for and not yet done (erasures.json holds them too). */
  private pendingErasures: PendingErasure[] = []

  constructor(
    private readonly dataDir: string,
    private readonly options: LowdbStoreOptions,
    private readonly contacts: ContactFiles,
    private readonly notices: Low<Notices>,
    opened: OpenedLog,
    private readonly lock?: StoreLock,
  ) {
    this.log = options.logger ?? silentLogger
    this.commits = new CommitLog({
      ...opened,
      dataDir,
      notices,
      log: this.log,
      onSync: options.onSync,
      limit: () => options.journalLimitBytes ?? Math.max(MIN_JOURNAL_LIMIT, contacts.bytes * JOURNAL_SHARE_OF_CONTACTS),
      onFull: () => this.compactInBackground(),
    })
  }

  async load(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }> {
    const entry = this.contacts.get(this.contacts.idOf(contactId))
    if (!entry) return {}
    // Parsed afresh on every load: the caller gets its own copy.
    return {
      contact: JSON.parse(entry.contact) as Contact,
      ...(entry.conversation === undefined ? {} : { conversation: JSON.parse(entry.conversation) as StoredConversation }),
    }
  }

  commit(change: ContactChange): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The consent store is closed'))
    const id = change.contact.id
    const { lid } = change.contact
    const replaces = change.replaces !== undefined && change.replaces !== id ? change.replaces : undefined
    const entry: StoredEntry = { contact: JSON.stringify(change.contact), conversation: JSON.stringify(change.conversation) }
    const ledger = change.records.map(({ record, personal }) => this.commits.seal(record, personal))
    let newNotice = false
    for (const [hash, notice] of Object.entries(change.notices)) {
      if (this.notices.data[hash]) continue
      this.notices.data[hash] = notice
      newNotice = true
    }
    return this.commits.enqueue(journalLine(entry.contact, entry.conversation, ledger, replaces), ledger, newNotice, () => {
      if (replaces !== undefined) this.contacts.remove(replaces)
      this.contacts.put(id, entry, lid)
    })
  }

  erase(contactId: string, proof: ConsentRecord): Promise<void> {
    if (this.closing) return Promise.reject(new Error('The consent store is closed'))
    return this.maintenance.run(async () => {
      // Every address of the person: the one they wrote from, their number, their `…@lid`.
      const id = this.contacts.idOf(contactId)
      const entry = this.contacts.get(id)
      const lid = entry ? (JSON.parse(entry.contact) as Contact).lid : undefined
      const found = [contactId, id, ...(lid ? [lid] : [])]
      // A retry (after a disk fault) or a second request of the same person finds only what is
      // still in memory: the contact, and with it their `…@lid`, may be gone already. The
      // addresses recorded for that record or that person are kept, so none is forgotten.
      const same = this.pendingErasures.filter((p) => p.proof.id === proof.id || p.addresses.some((a) => found.includes(a)))
      const addresses = [...new Set([...found, ...same.flatMap((p) => p.addresses)])]
      // Recorded before anything is removed: a kill from here on is finished at the next start.
      const pending = { addresses, proof }
      const others = this.pendingErasures.filter((p) => p.proof.id !== proof.id)
      await writePendingErasures(this.dataDir, [...others, pending], this.options.onSync)
      this.pendingErasures = [...others, pending]
      await this.options.onErasureStep?.('requested')
      await this.eraseNow(pending, false)
    })
  }

  /** Finishes the erasures a kill interrupted (at start, before any message is handled). */
  async resumeErasures(pending: PendingErasure[]): Promise<void> {
    this.pendingErasures = [...pending]
    for (const erasure of pending) {
      await this.maintenance.run(() => this.eraseNow(erasure, true))
      this.log.warn('store.erasure_resumed', { record: erasure.proof.id })
    }
  }

  private async eraseNow({ addresses, proof }: PendingErasure, resuming: boolean): Promise<void> {
    const started = performance.now()
    const step = this.options.onErasureStep ?? (() => {})
    await this.commits.io.run(async () => {
      for (const address of addresses) {
        this.contacts.remove(address)
        this.contacts.forgetLid(address)
      }
    })
    // Their contact file is rewritten, and the journals that held their lines are deleted.
    await this.fold()
    await step('folded')
    await redactLedger(this.dataDir, this.commits, addresses, this.options.onSync)
    await step('redacted')
    // Every older backup holds them (one in progress included): keep only a fresh one, with a fresh copy of the ledger.
    await this.backup(1, true)
    await step('backed-up')
    // A kill after the proof was appended and before the request was crossed off: once is enough.
    if (!(resuming && (await ledgerHolds(this.dataDir, proof.id)))) {
      const sealed = this.commits.seal(proof, null)
      await this.commits.enqueue(journalLine(undefined, undefined, [sealed]), [sealed], false, () => {})
    }
    await step('proved')
    const rest = this.pendingErasures.filter((p) => p.proof.id !== proof.id)
    await writePendingErasures(this.dataDir, rest, this.options.onSync)
    this.pendingErasures = rest
    this.log.info('store.erased', { ms: Math.round(performance.now() - started) })
  }

  async *scan(): AsyncIterable<{ contact: Contact; conversation?: StoredConversation }> {
    let count = 0
    for (const entry of this.contacts.entries()) {
      const conversation = entry.conversation === undefined ? undefined : (JSON.parse(entry.conversation) as StoredConversation)
      yield { contact: JSON.parse(entry.contact) as Contact, ...(conversation ? { conversation } : {}) }
      if (++count % 256 === 0) await yieldToEventLoop()
    }
  }

  compact(): Promise<void> {
    return this.maintenance.run(() => this.fold())
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.commits.drain()
      await this.maintenance.run(async () => {
        await this.fold()
      })
      await this.backups.run(async () => {})
      this.contacts.close()
      await this.commits.close()
      await this.lock?.release()
    })()
    return this.closing
  }

  compactInBackground(): void {
    if (this.compactionQueued) return
    this.compactionQueued = true
    this.maintenance
      .run(() => this.fold())
      .catch((error: Error) => this.log.error('store.compaction_failed', { error: error.message }))
      .finally(() => (this.compactionQueued = false))
  }

  /** A copy of the data files into backups/, keeping the newest `keep`. */
  backup(keep: number, freshLedger = false): Promise<string> {
    return this.backups.run(async () => {
      const started = performance.now()
      const clock = this.options.clock ?? (() => new Date())
      const folder = await backupStore(this.dataDir, this.commits, keep, clock, this.options.onSync, freshLedger)
      this.log.info('store.backup', { folder: folder.slice(this.dataDir.length + 1), ms: Math.round(performance.now() - started) })
      return folder
    })
  }

  private fold(): Promise<void> {
    return fold({ dataDir: this.dataDir, commits: this.commits, contacts: this.contacts, log: this.log, onSync: this.options.onSync })
  }
}
