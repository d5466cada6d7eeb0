/**
 * Group commit: a commit appends one journal line and its ledger lines and resolves once an fsync
 * covers them; memory is updated then, so it only ever holds what is on disk. Commits that
 * arrive while an fsync is in flight share the next one, so a burst of messages costs a few
 * fsyncs, and the cost of a message does not grow with the number of contacts.
 *
 * It holds the journal and ledger files, so it also does what must not interleave with an
 * append: the journal's rotation (compaction) and the ledger file's replacement (erasure).
 */
import { rename, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import type { Low } from 'lowdb'
import type { ConsentRecord } from '../../domain/consent.js'
import { sealEntry, type LedgerEntry } from '../../domain/ledger.js'
import type { Logger } from '../../ports/logger.js'
import { storeFaultReason, type StoreFaultReason } from '../../ports/consent-store.js'
import { AppendFile, syncDir, type OnSync } from './durable-file.js'
import { JOURNAL_FILE, rotatedJournalName } from './journal.js'
import type { Notices } from './layout.js'
import { Mutex } from './mutex.js'
import type { LedgerSeals } from './seals.js'

/** Commits waiting for the next write + fsync. */
interface Batch {
  journal: string[]
  ledger: string[]
  newNotice: boolean
  /** The batch's last ledger entry. */
  head?: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  /** Run once the batch is durable: memory only ever holds what is on disk. */
  applies: (() => void)[]
  waiters: { resolve: () => void; reject: (error: Error) => void }[]
}

export interface CommitLogFiles {
  dataDir: string
  journal: AppendFile
  ledger: AppendFile
  /** The ledger's last entry. */
  ledgerTail: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  /** Journals rotated out and not yet folded into the contact files, oldest first. */
  rotated: { name: string; n: number }[]
  notices: Low<Notices>
  log: Logger
  onSync?: OnSync | undefined
  /** Past this many journal bytes (asked after each write), `onFull` is called (to start a compaction). */
  limit: () => number
  onFull: () => void
  /** Signs and anchors the ledger's head once it is durable (see seals.ts). */
  seals?: LedgerSeals | undefined
}

/** What the owner can do about a write the disk refused, by why (storeFaultReason). */
const WRITE_HINTS: Record<StoreFaultReason | 'other', string> = {
  full: 'the disk is full: free some space',
  readOnly: 'the data folder is on a read-only disk: make it writable',
  forbidden: "the bot may not write to its data folder: give it back the folder's rights",
  failing: 'the disk failed to write: check it',
  other: 'the disk failed to write: check it',
}

/**
 * A commit that was not written (nothing of it is on disk or in memory). It carries the disk's
 * code: when `storeFaultReason` names one, the same commit may be made again later.
 */
export class StoreWriteError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message)
    this.name = 'StoreWriteError'
  }
}

export class CommitLog {
  /** Serialises appends with what must not interleave with them (journal rotation, ledger swap). */
  readonly io = new Mutex()
  journal: AppendFile
  ledger: AppendFile
  /** Journals rotated out and not yet folded into the contact files. */
  rotated: string[]
  private nextJournal: number
  /** The last ledger entry sealed (committed or waiting to be). */
  private ledgerTail: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  /** The last ledger entry fsynced: the only head an anchor may name. */
  private durableHead: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  private next: Batch | undefined
  private flushing: Promise<void> | undefined
  /** Since when writes fail (and why), until one succeeds: the owner is told once, the dashboard shows it. */
  fault: { code: string | undefined; since: Date } | undefined
  /** The files' sizes before a write that failed: what it may have left is cut off before the next one. */
  private unwritten: { journal: number; ledger: number } | undefined
  /** notices.json could not be written: the next batch writes it. */
  private noticesUnwritten = false

  constructor(private readonly files: CommitLogFiles) {
    this.journal = files.journal
    this.ledger = files.ledger
    this.ledgerTail = files.ledgerTail
    this.durableHead = files.ledgerTail
    this.rotated = files.rotated.map((r) => r.name)
    this.nextJournal = (files.rotated.at(-1)?.n ?? 0) + 1
  }

  /** Seals the next ledger entry now, so entries are chained in the order commits were made. */
  seal(record: ConsentRecord, personal: LedgerEntry['personal']): string {
    const entry = sealEntry(this.ledgerTail, record, personal)
    this.ledgerTail = entry
    return JSON.stringify(entry)
  }

  /** Resolves once `journal` and `ledger` lines are durable, and `apply` (memory) has run. */
  enqueue(journal: string, ledger: string[], newNotice: boolean, apply: () => void): Promise<void> {
    const batch = (this.next ??= { journal: [], ledger: [], newNotice: false, applies: [], waiters: [] })
    batch.journal.push(journal)
    batch.ledger.push(...ledger)
    // Entries are sealed just before they are enqueued: the last one sealed is this batch's last.
    if (ledger.length) batch.head = this.ledgerTail
    batch.newNotice ||= newNotice
    batch.applies.push(apply)
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }))
    this.flushing ??= this.flushLoop()
    return done
  }

  /** Waits until every batch queued so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  /**
   * Renames the journal aside and starts a fresh one (call it inside `io.run`). Returns the
   * journals rotated out and not yet folded, oldest first.
   */
  async rotateJournal(): Promise<string[]> {
    const { dataDir, onSync } = this.files
    // A write that failed may have left a line in the journal: it was never confirmed.
    await this.cutUnwritten()
    // The journals about to be folded and deleted anchored the ledger's head: store.json does now.
    await this.files.seals
      ?.anchor(this.durableHead)
      .catch((error: Error) => this.files.log.error('store.anchor_failed', { error: error.message }))
    if (this.journal.size > 0) {
      await this.journal.close()
      const name = rotatedJournalName(this.nextJournal++)
      await rename(join(dataDir, JOURNAL_FILE), join(dataDir, name))
      // Tracked as soon as it is renamed: a fault after this still leaves it to fold and delete.
      this.rotated.push(name)
      this.journal = await AppendFile.open(join(dataDir, JOURNAL_FILE), onSync)
      await syncDir(dataDir, onSync)
    }
    return [...this.rotated]
  }

  /** Journals folded into the contact files and deleted. */
  folded(journals: string[]): void {
    this.rotated = this.rotated.filter((name) => !journals.includes(name))
  }

  async close(): Promise<void> {
    await this.journal.close()
    await this.ledger.close()
    await this.files.seals?.close()
  }

  /**
   * A write failed: nothing of this batch, nor of the one gathering behind it (its ledger entries
   * are chained to this one's), is confirmed. The chain in memory goes back to the last entry on
   * disk, and what the write may have left in the files is cut off before the next one, so the
   * same commits can be made again once the disk takes writes.
   */
  private rollBack(batch: Batch, error: NodeJS.ErrnoException, sizes: { journal: number; ledger: number }): void {
    const behind = this.next
    this.next = undefined
    const first = [...batch.ledger, ...(behind?.ledger ?? [])][0]
    if (first !== undefined) {
      const { seq, prev } = JSON.parse(first) as LedgerEntry
      this.ledgerTail = seq > 1 ? { seq: seq - 1, hash: prev } : undefined
    }
    this.unwritten ??= sizes
    this.journal.size = this.unwritten.journal
    this.ledger.size = this.unwritten.ledger
    const failure = new StoreWriteError(error.code, `The consent store could not write to ${this.files.dataDir}: ${error.message}`)
    if (!this.fault) {
      this.fault = { code: error.code, since: new Date() }
      this.files.log.error('store.write_failed', {
        code: error.code,
        hint: `${WRITE_HINTS[storeFaultReason(error) ?? 'other']}; messages wait and are saved, in order, once writing works again`,
      })
    }
    for (const waiter of [...batch.waiters, ...(behind?.waiters ?? [])]) waiter.reject(failure)
  }

  /** Cuts off what a failed write left at the end of the journal and the ledger. */
  private async cutUnwritten(): Promise<void> {
    if (!this.unwritten) return
    await truncate(this.journal.path, this.unwritten.journal)
    await truncate(this.ledger.path, this.unwritten.ledger)
    this.unwritten = undefined
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
    const sizes = { journal: this.journal.size, ledger: this.ledger.size }
    try {
      await this.cutUnwritten()
      // A notice is on disk before any line that refers to it (a backup copies notices.json last).
      if (batch.newNotice || this.noticesUnwritten) {
        this.noticesUnwritten = true
        await this.files.notices.write()
        this.noticesUnwritten = false
      }
      await Promise.all([
        this.journal.append(batch.journal.join('')),
        batch.ledger.length ? this.ledger.append(`${batch.ledger.join('\n')}\n`) : undefined,
      ])
    } catch (error) {
      this.rollBack(batch, error as NodeJS.ErrnoException, sizes)
      return
    }
    if (this.fault) {
      this.files.log.info('store.write_resumed', { code: this.fault.code, since: this.fault.since.toISOString() })
      this.fault = undefined
    }
    for (const apply of batch.applies) apply()
    for (const waiter of batch.waiters) waiter.resolve()
    if (batch.head) {
      this.durableHead = batch.head
      await this.files.seals
        ?.afterCommit(batch.head)
        .catch((error: Error) => this.files.log.error('store.checkpoint_failed', { error: error.message }))
    }
    if (this.journal.size > this.files.limit()) this.files.onFull()
  }
}
