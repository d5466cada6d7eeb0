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
import { redactLedger } from './erasure.js'
import { journalLine } from './journal.js'
import type { Notices } from './layout.js'
import { Mutex } from './mutex.js'
import type { StoredEntry } from './shards.js'

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

const DEFAULT_JOURNAL_LIMIT = 32 * 1024 * 1024

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

  constructor(
    private readonly dataDir: string,
    private readonly options: LowdbStoreOptions,
    private readonly contacts: ContactFiles,
    private readonly notices: Low<Notices>,
    opened: OpenedLog,
  ) {
    this.log = options.logger ?? silentLogger
    this.commits = new CommitLog({
      ...opened,
      dataDir,
      notices,
      log: this.log,
      onSync: options.onSync,
      limit: options.journalLimitBytes ?? DEFAULT_JOURNAL_LIMIT,
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
    if (this.commits.failed || this.closing) return Promise.reject(this.commits.failed ?? new Error('The consent store is closed'))
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
    if (this.commits.failed || this.closing) return Promise.reject(this.commits.failed ?? new Error('The consent store is closed'))
    return this.maintenance.run(async () => {
      const started = performance.now()
      // Every address of the person: the one they wrote from, their number, their `…@lid`.
      const addresses = await this.commits.io.run(async () => {
        const id = this.contacts.idOf(contactId)
        const entry = this.contacts.get(id)
        const lid = entry ? (JSON.parse(entry.contact) as Contact).lid : undefined
        const all = [...new Set([contactId, id, ...(lid ? [lid] : [])])]
        for (const address of all) {
          this.contacts.remove(address)
          this.contacts.forgetLid(address)
        }
        return all
      })
      // Their contact file is rewritten, and the journals that held their lines are deleted.
      await this.fold()
      await redactLedger(this.dataDir, this.commits, addresses, this.options.onSync)
      // Every older backup holds them (one in progress included): keep only a fresh one.
      await this.backup(1)
      const sealed = this.commits.seal(proof, null)
      await this.commits.enqueue(journalLine(undefined, undefined, [sealed]), [sealed], false, () => {})
      this.log.info('store.erased', { ms: Math.round(performance.now() - started) })
    })
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
        if (!this.commits.failed) await this.fold()
      })
      await this.backups.run(async () => {})
      await this.commits.close()
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
  backup(keep: number): Promise<string> {
    return this.backups.run(async () => {
      const started = performance.now()
      const clock = this.options.clock ?? (() => new Date())
      const folder = await backupStore(this.dataDir, this.commits, keep, clock, this.options.onSync)
      this.log.info('store.backup', { folder: folder.slice(this.dataDir.length + 1), ms: Math.round(performance.now() - started) })
      return folder
    })
  }

  private fold(): Promise<void> {
    return fold({ dataDir: this.dataDir, commits: this.commits, contacts: this.contacts, log: this.log, onSync: this.options.onSync })
  }
}
