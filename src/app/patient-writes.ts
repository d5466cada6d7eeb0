/**
 * Writes that wait for a disk that refuses them for now (full, read-only, failing): the message
 * waits (its contact's later messages behind it) and the same change is tried again with backoff,
 * so it is handled, in order, once writing works again. The contact is told once, truthfully, that
 * it will be handled shortly. Past `maxWaiting` messages, or once the bot stops, it gives up.
 */
import { storeFaultReason, type StoreFaultReason } from '../ports/consent-store.js'
import { contactRef, type Logger } from './logger.js'

/** The store refusing writes right now, as the dashboard shows it. */
export interface StoreFault {
  /** When the first write of this spell failed (ISO 8601, the engine's clock). */
  since: string
  reason: StoreFaultReason
  /** Messages whose change waits to be written (each contact's later messages wait behind theirs). */
  waiting: number
}

export interface PatientWritesDeps {
  clock: () => Date
  log: Logger
  /** Waits before attempt 0, 1, 2… (default: 0.5 s doubling up to 30 s); resolves at once once `stopped` aborts. */
  retryDelay?: (attempt: number, stopped: AbortSignal) => Promise<void>
  /** Messages that may wait at once (default 1000). */
  maxWaiting?: number
}

function backoff(attempt: number, stopped: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stopped.aborted) return resolve()
    const timer = setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt))
    stopped.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}

export class PatientWrites {
  /** Messages waiting for the store to take writes again. */
  private waiting = 0
  /** Set when a write is refused, cleared by the next write that succeeds. */
  private fault: Omit<StoreFault, 'waiting'> | undefined
  private readonly stopped = new AbortController()

  constructor(private readonly deps: PatientWritesDeps) {}

  /** Whether the store refuses writes right now, and how many messages wait. */
  current(): StoreFault | undefined {
    return this.fault && { ...this.fault, waiting: this.waiting }
  }

  /** Waiting writes make one last attempt, then give up (the bot is stopping). */
  stop(): void {
    this.stopped.abort()
  }

  /** Writes with `write`; `tellWaiting` is called once if the message has to wait. */
  async write(contact: string, write: () => Promise<void>, tellWaiting: () => Promise<void>): Promise<void> {
    let waiting = false
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await write()
          this.fault = undefined
          return
        } catch (error) {
          const reason = storeFaultReason(error)
          if (!reason) throw error
          this.fault ??= { since: this.deps.clock().toISOString(), reason }
          if (this.stopped.signal.aborted) throw error
          if (!waiting) {
            if (this.waiting >= (this.deps.maxWaiting ?? 1000)) throw error
            waiting = true
            this.waiting++
            this.deps.log.warn('message.waiting_for_store', { contact: contactRef(contact) })
            await tellWaiting()
          }
          await (this.deps.retryDelay ?? backoff)(attempt, this.stopped.signal)
        }
      }
    } finally {
      if (waiting) this.waiting--
    }
  }
}
