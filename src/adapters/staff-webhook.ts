/**
 * Tells the staff's inbox (Chatwoot, n8n, a CRM) that a chat waits for a person: a JSON POST
 * signed the way GitHub and Meta sign theirs, retried with backoff while the receiver is down or
 * busy. Also the retry loop the WhatsApp notifier shares (adapters may not import the app, and the
 * policy is said once).
 */
import { createHmac, randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../ports/logger.js'
import type { StaffNotifier, WaitingChat } from '../ports/staff.js'

/** Waits `ms`, or less when `signal` aborts (the notifier is closing). */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number
  /** The wait after the first failure; it doubles after each one. */
  firstDelayMs: number
  /** No wait is longer, a receiver's Retry-After included. */
  maxDelayMs: number
}

/** About two minutes of backoff over 8 tries; a Retry-After may stretch each wait to 5 minutes. */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 8, firstDelayMs: 1_000, maxDelayMs: 300_000 }

/** What one try came to. `retry`: the failure may pass (a network error, a busy or failing receiver). */
export type AttemptResult =
  | { delivered: true }
  | { delivered: false; retry: boolean; status?: number; error?: string; retryAfterMs?: number }

export interface DeliveryResult {
  target: string
  /** The delivery's id: the same on every try, so a receiver counts a redelivery once. */
  id: string
  delivered: boolean
  attempts: number
}

export interface RetryOptions {
  /** Names the target in log lines: `webhook`, `whatsapp`. */
  target: string
  policy: RetryPolicy
  logger: Logger
  delay?: Delay
  /** In [0, 1): spreads the waits, so deliveries that failed together are not retried together. */
  random?: () => number
  /** Told when a delivery is done with, delivered or given up (tests await it). */
  onSettled?: (result: DeliveryResult) => void
  /**
   * Deliveries under way at most (default 1,000): past it a note is not started (it resolves
   * false, so the wait is told again at the next start), rather than memory growing while the
   * target is down.
   */
  maxPending?: number
}

// Unreferenced: a retry waiting to happen does not keep a finished process alive; close() is the clean stop.
const wait: Delay = (ms, signal) => sleep(ms, undefined, { signal, ref: false })

/**
 * A notifier that runs `attempt` for each chat until it delivers, the failure is final, or the
 * tries run out. Deliveries run side by side: a slow or failing one holds up no other, nor the caller.
 */
export function retryingNotifier(options: RetryOptions, attempt: (chat: WaitingChat, id: string) => Promise<AttemptResult>): StaffNotifier {
  const { target, policy, logger, delay = wait, random = Math.random, onSettled, maxPending = 1000 } = options
  const stop = new AbortController()
  // Every waiting delivery listens for the stop: many at once is not a leak.
  setMaxListeners(0, stop.signal)
  const running = new Set<Promise<void>>()

  const backoff = (failures: number) => {
    const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1))
    return Math.round(ceiling / 2 + (random() * ceiling) / 2)
  }

  /** Resolves after the delay, or at once on close() even if an injected delay ignores the signal. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        stop.signal.removeEventListener('abort', done)
        resolve()
      }
      stop.signal.addEventListener('abort', done)
      delay(ms, stop.signal).then(done, done)
    })

  async function deliver(chat: WaitingChat, id: string): Promise<DeliveryResult> {
    for (let tries = 1; ; tries++) {
      const result = await attempt(chat, id).catch((error): AttemptResult => ({ delivered: false, retry: false, error: errorText(error) }))
      if (result.delivered) {
        logger.info('staff.notified', { target, id, attempts: tries })
        return { target, id, delivered: true, attempts: tries }
      }
      const fields = {
        target,
        id,
        attempt: tries,
        ...(result.status !== undefined ? { status: result.status } : {}),
        ...(result.error !== undefined ? { error: result.error } : {}),
      }
      if (!result.retry || tries >= policy.attempts || stop.signal.aborted) {
        logger.error('staff.notify_failed', { ...fields, retriable: result.retry, ...(stop.signal.aborted ? { stopped: true } : {}) })
        return { target, id, delivered: false, attempts: tries }
      }
      const inMs = result.retryAfterMs === undefined ? backoff(tries) : Math.min(result.retryAfterMs, policy.maxDelayMs)
      logger.warn('staff.notify_retry', { ...fields, inMs })
      await pause(inMs)
      if (stop.signal.aborted) {
        logger.error('staff.notify_failed', { ...fields, retriable: true, stopped: true })
        return { target, id, delivered: false, attempts: tries }
      }
    }
  }

  return {
    notify(chat) {
      if (stop.signal.aborted) {
        logger.error('staff.notify_failed', { target, stopped: true })
        return Promise.resolve(false)
      }
      if (running.size >= maxPending) {
        logger.error('staff.notify_failed', { target, pending: running.size, hint: 'too many notes waiting: told again at the next start' })
        return Promise.resolve(false)
      }
      // One wait, one id, also when it is told again after a restart: receivers drop repeats by it.
      const id = chat.id || randomUUID()
      let delivered = false
      const task = deliver(chat, id)
        .then((result) => {
          delivered = result.delivered
          onSettled?.(result)
        })
        .catch((error) => logger.error('staff.notify_failed', { target, id, error: errorText(error) }))
        .finally(() => running.delete(task))
      running.add(task)
      return task.then(() => delivered)
    },
    async close() {
      stop.abort()
      await Promise.all(running)
    },
  }
}

export interface WebhookTarget {
  /** http(s); checked by the config. */
  url: string
  /** Keys the HMAC of each body: the receiver checks X-Signature-256 with it. */
  secret: string
}

export interface WebhookDeps {
  logger: Logger
  fetch?: typeof fetch
  delay?: Delay
  clock?: () => Date
  random?: () => number
  onSettled?: (result: DeliveryResult) => void
  policy?: RetryPolicy
  /** How long one request may take before it counts as failed (and is retried). */
  timeoutMs?: number
  /** Deliveries under way at most (see RetryOptions). */
  maxPending?: number
}

/**
 * Posts `{ event: 'chat.waiting', id, sentAt, chat }` to the URL with
 * `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` and `X-Webhook-Id: <id>`.
 * Retried on network errors, timeouts, 408, 429 and 5xx (a Retry-After in seconds or as a date
 * is honoured, up to the policy's longest wait); any other answer is final: it will not get better.
 */
export function createWebhookNotifier(target: WebhookTarget, deps: WebhookDeps): StaffNotifier {
  const post = deps.fetch ?? fetch
  const clock = deps.clock ?? (() => new Date())
  const timeoutMs = deps.timeoutMs ?? 10_000
  return retryingNotifier(
    { ...deps, target: 'webhook', policy: deps.policy ?? WEBHOOK_RETRY },
    async (chat, id): Promise<AttemptResult> => {
      // sentAt is this try's, so the body (and its signature) is new each time; the id is not.
      const body = JSON.stringify({ event: 'chat.waiting', id, sentAt: clock().toISOString(), chat })
      let response: Response
      try {
        response = await post(target.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'consent-bot',
            'X-Webhook-Id': id,
            'X-Signature-256': `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`,
          },
          body,
          // A redirect would resend the contact's data somewhere the owner did not name.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (error) {
        return { delivered: false, retry: true, error: networkError(error) }
      }
      // Only the status counts; the body is let go so the connection can be reused.
      await response.body?.cancel().catch(() => {})
      if (response.ok) return { delivered: true }
      const status = response.status
      const retry = status === 408 || status === 429 || status >= 500
      const retryAfterMs = retry ? retryAfter(response.headers.get('retry-after'), clock()) : undefined
      return { delivered: false, retry, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
    },
  )
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfter(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime())
}

/** What failed, without the URL: fetch's errors can name it, and its query may hold a token. */
function networkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout'
  const code = (error as { cause?: { code?: unknown } })?.cause?.code
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown'
}

/** An error's message, for the log (the logger masks numbers in it). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
