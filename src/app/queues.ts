/**
 * One contact's work at a time: each contact has a queue, run in arrival order; different
 * contacts do not wait for each other. What is in flight can be awaited (`settled`).
 */
import { contactRef, type Logger } from './logger.js'

export class ContactQueues {
  private readonly queues = new Map<string, Promise<void>>()
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly log: Logger) {}

  /** Runs `work` after everything already queued for this contact; one contact's work never overlaps. */
  enqueue(contactId: string, work: () => Promise<void>, onError?: (error: unknown) => Promise<void>): Promise<void> {
    const previous = this.queues.get(contactId) ?? Promise.resolve()
    const fail =
      onError ??
      (async (error: unknown) =>
        this.log.error('contact.work_failed', { contact: contactRef(contactId), error: (error as Error)?.message ?? String(error) }))
    const done = previous.then(work).catch(fail)
    this.queues.set(contactId, done)
    this.inFlight.add(done)
    void done.finally(() => {
      this.inFlight.delete(done)
      if (this.queues.get(contactId) === done) this.queues.delete(contactId)
    })
    return done
  }

  /** Resolves once all the work queued so far is done. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }
}
