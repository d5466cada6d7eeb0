/**
 * The listeners of one kind of event. A listener may return a promise (the engine's, settling once
 * it handled the message): `emit` gathers them, so the webhook can answer once they are done, and
 * turns a listener's failure into a log line rather than a failed webhook.
 */
import type { Logger } from '../../ports/logger.js'

export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => unknown>()

  constructor(
    /** Names the event in log lines: `message`, `status`, … */
    private readonly event: string,
    private readonly logger: Logger,
  ) {}

  add(listener: (value: T) => unknown): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /** Calls every listener with `value` now, in order; the promises settle when they are done, and never reject. */
  emit(value: T): Promise<void>[] {
    const failed = (error: unknown) =>
      // The app's logger masks numbers in `error`; the message is all that says what went wrong.
      this.logger.error('cloud.listener_failed', { event: this.event, error: error instanceof Error ? error.message : String(error) })
    return [...this.listeners].map((listener) => {
      try {
        // A thenable is waited for; any other return value means the listener is done.
        return Promise.resolve(listener(value)).then(() => undefined, failed)
      } catch (error) {
        failed(error)
        return Promise.resolve()
      }
    })
  }
}
