/**
 * The store's writes, one transaction at a time, in the order they were asked for. Commits that
 * arrive while a transaction is in flight share the next one (group commit): a burst of messages
 * costs a few COMMITs (each waiting for the server's disk), and the ledger's records are chained
 * in the order the commits were made. An erasure or an import runs in a transaction of its own,
 * in its turn.
 */
import { storeFaultReason } from '../../ports/consent-store.js'
import type { Logger } from '../../ports/logger.js'
import { type Db, inTransaction, type Pool } from './connection.js'
import { FAULT_HINTS, type PostgresStoreError } from './errors.js'
import { type PreparedChange, type Scope, writeChanges } from './writes.js'

/** Commits one transaction carries at most. */
const BATCH_LIMIT = 200

interface Waiter {
  resolve(value: unknown): void
  reject(error: unknown): void
}

type CommitJob = { kind: 'commit'; change: PreparedChange } & Waiter
type Job = CommitJob | ({ kind: 'alone'; doing: string; work: (db: Db) => Promise<unknown> } & Waiter)

export class Writer {
  private queue: Job[] = []
  private running: Promise<void> | undefined
  /** Since when writes fail (and why), until one succeeds: the owner is told once. */
  private fault: { code: string | undefined; since: Date } | undefined

  constructor(
    private readonly pool: Pool,
    private readonly scope: Scope,
    private readonly log: Logger,
  ) {}

  /** Resolves once the change is committed. */
  commit(change: PreparedChange): Promise<void> {
    return new Promise<unknown>((resolve, reject) => this.push({ kind: 'commit', change, resolve, reject })).then(() => {})
  }

  /** Runs `work` in a transaction of its own, after the writes asked for before it. */
  alone<T>(doing: string, work: (db: Db) => Promise<T>): Promise<T> {
    return new Promise<unknown>((resolve, reject) => this.push({ kind: 'alone', doing, work, resolve, reject })) as Promise<T>
  }

  /** Waits until every write asked for so far is done. */
  async drain(): Promise<void> {
    while (this.running) await this.running
  }

  private push(job: Job): void {
    this.queue.push(job)
    this.running ??= this.loop()
  }

  private async loop(): Promise<void> {
    // Cleared in the same turn as the last look at the queue: a write asked for after it starts a new loop.
    try {
      while (this.queue.length) {
        const first = this.queue[0]!
        if (first.kind === 'alone') {
          this.queue.shift()
          await this.settle([first], () => inTransaction(this.pool, first.doing, first.work))
          continue
        }
        let count = 0
        while (count < Math.min(this.queue.length, BATCH_LIMIT) && this.queue[count]!.kind === 'commit') count++
        await this.commitBatch(this.queue.splice(0, count) as CommitJob[])
      }
    } finally {
      this.running = undefined
    }
  }

  private async commitBatch(batch: CommitJob[]): Promise<void> {
    const write = (jobs: typeof batch) =>
      inTransaction(this.pool, 'saving a change', (db) =>
        writeChanges(
          db,
          this.scope,
          jobs.map((job) => job.change),
        ),
      )
    try {
      await write(batch)
    } catch (error) {
      // One change the database refuses (not the database itself) fails alone, not its batch.
      if (batch.length > 1 && !storeFaultReason(error)) {
        for (const job of batch) await this.settle([job], () => write([job]))
        return
      }
      this.failed(batch, error)
      return
    }
    this.succeeded(batch, undefined)
  }

  private async settle(jobs: Job[], write: () => Promise<unknown>): Promise<void> {
    let result: unknown
    try {
      result = await write()
    } catch (error) {
      return this.failed(jobs, error)
    }
    this.succeeded(jobs, result)
  }

  private succeeded(jobs: Job[], result: unknown): void {
    if (this.fault) {
      this.log.info('store.write_resumed', { code: this.fault.code, since: this.fault.since.toISOString() })
      this.fault = undefined
    }
    for (const job of jobs) job.resolve(result)
  }

  private failed(jobs: Job[], error: unknown): void {
    const reason = storeFaultReason(error)
    if (reason && !this.fault) {
      const { code, sqlState } = error as PostgresStoreError
      this.fault = { code, since: new Date() }
      this.log.error('store.write_failed', {
        code,
        sqlState,
        hint: `${FAULT_HINTS[reason]}; messages wait and are saved, in order, once writing works again`,
      })
    } else if (!reason)
      this.log.error('store.write_refused', { sqlState: (error as PostgresStoreError).sqlState, error: (error as Error).message })
    for (const job of jobs) job.reject(error)
  }
}
