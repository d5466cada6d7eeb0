/**
 * Sends through the Graph API's Messages endpoint: `POST {graphUrl}/{phone-number-id}/messages`
 * with the access token as a Bearer token (messages/send-messages). A failure arrives as Meta's
 * error body (support/error-codes) and becomes a GraphError carrying its code.
 *
 * What is tried again, with a backoff that doubles and is spread at random (so sends that failed
 * together are not retried together): the throughput and pair rate limits (130429, 131056),
 * the account's rate limit (80007), Graph's temporary errors (1, 2, 4), any 5xx, a timeout and a
 * network error, a few times. Nothing else: a closed customer service window (131047), Meta's
 * marketing limit (131049), a spam limit (131048), an undeliverable message (131026), a bad
 * parameter (100), a token (190) will not get better by asking again, and asking again can hurt
 * the number's standing.
 *
 * The access token is only ever in the Authorization header: never in a URL, an error or a log.
 */
import { setMaxListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../../ports/logger.js'
import { type Delay, type RetryPolicy, retryAfter } from '../staff-webhook.js'
import type { GraphErrorBody, SendBody, SendResponse } from './payloads.js'

/** Meta's codes that mean "slow down and try again" (support/error-codes; Graph API error handling for 1, 2, 4). */
export const RETRIED_CODES: ReadonlySet<number> = new Set([130429, 131056, 80007, 1, 2, 4])

/** Meta's pair rate: about one message every 6 seconds to the same person (131056), so no sooner than that. */
const PAIR_RATE_WAIT_MS = 6_000

/** Four tries in all, waits of about 1, 2 and 4 seconds between them. */
export const GRAPH_RETRY: RetryPolicy = { attempts: 4, firstDelayMs: 1_000, maxDelayMs: 30_000 }

/** A send the Graph API refused, or that never got an answer (`code` 0: a timeout or a network error). */
export class GraphError extends Error {
  override readonly name = 'GraphError'

  constructor(
    /** Meta's error code (`error.code`), 0 when no answer came. */
    readonly code: number,
    /** The HTTP status of the answer, when one came. */
    readonly httpStatus: number | undefined,
    /** Meta's message without its `(#code)` prefix, or what went wrong. */
    readonly title: string,
    /** Meta's `error_data.details`: the most specific reason it gives. */
    readonly details?: string,
    readonly subcode?: number,
    /** Meta's id of the failure, for its support. */
    readonly fbtraceId?: string,
  ) {
    super(`Cloud API error ${code}${httpStatus !== undefined ? ` (HTTP ${httpStatus})` : ''}: ${title}`)
  }

  /** Whether trying again may work: a rate limit, a server's failure, or no answer at all. */
  get retryable(): boolean {
    const status = this.httpStatus
    return RETRIED_CODES.has(this.code) || status === undefined || status >= 500 || status === 429
  }
}

/** The GraphError Meta's answer describes (its error body, or only its status when the body is not Meta's). */
export function graphErrorOf(status: number, body: unknown): GraphError {
  const error = (body as Partial<GraphErrorBody> | undefined)?.error
  if (!error || typeof error !== 'object' || typeof error.code !== 'number')
    return new GraphError(0, status, `HTTP ${status} without Meta's error body`)
  const message = typeof error.message === 'string' ? error.message.replace(/^\(#\d+\)\s*/, '') : 'error'
  const details = typeof error.error_data?.details === 'string' ? error.error_data.details : undefined
  const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : undefined
  const trace = typeof error.fbtrace_id === 'string' ? error.fbtrace_id : undefined
  return new GraphError(error.code, status, message, details, subcode, trace)
}

export interface GraphClientOptions {
  /** The Graph API's base with its version, e.g. `https://graph.facebook.com/v23.0`. */
  graphUrl: string
  phoneNumberId: string
  accessToken: string
  logger: Logger
  fetch?: typeof fetch
  /** Waits between tries (tests pass one that resolves at once or when told). */
  delay?: Delay
  /** In [0, 1): spreads the waits. */
  random?: () => number
  /** How long one request may take before it counts as failed (default 15 s). */
  timeoutMs?: number
  policy?: RetryPolicy
  /** Aborted when the bot stops: waits end, requests under way are cancelled, nothing new starts. */
  signal?: AbortSignal
}

export interface GraphClient {
  /** Sends one message; resolves with Meta's answer, or rejects with a GraphError once it gives up. */
  send(body: SendBody): Promise<SendResponse>
}

// Unreferenced: a retry waiting to happen does not keep a finished process alive.
const wait: Delay = (ms, signal) => sleep(ms, undefined, { signal, ref: false })

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const { logger, delay = wait, random = Math.random, timeoutMs = 15_000, policy = GRAPH_RETRY } = options
  const post = options.fetch ?? fetch
  const stop = options.signal ?? new AbortController().signal
  // Every waiting send listens for the stop: many at once is not a leak.
  setMaxListeners(0, stop)
  const url = `${options.graphUrl.replace(/\/+$/, '')}/${encodeURIComponent(options.phoneNumberId)}/messages`
  const closed = () => new GraphError(0, undefined, 'the bot is stopping: not sent')

  /** Resolves after the delay, or at once when the bot stops, even if an injected delay ignores the signal. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        stop.removeEventListener('abort', done)
        resolve()
      }
      stop.addEventListener('abort', done)
      delay(ms, stop).then(done, done)
    })

  const backoff = (failures: number) => {
    const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (failures - 1))
    return Math.round(ceiling / 2 + (random() * ceiling) / 2)
  }

  async function attempt(body: string): Promise<{ ok: SendResponse } | { error: GraphError; retryAfterMs?: number }> {
    let response: Response
    try {
      response = await post(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${options.accessToken}`, 'Content-Type': 'application/json' },
        body,
        // Meta's API does not redirect; following one would hand the token to whoever answers there.
        redirect: 'error',
        signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
      })
    } catch (error) {
      if (stop.aborted) return { error: closed() }
      return { error: new GraphError(0, undefined, networkError(error)) }
    }
    const text = await response.text().catch(() => '')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!response.ok) {
      const wait = retryAfter(response.headers.get('retry-after'), new Date())
      return { error: graphErrorOf(response.status, parsed), ...(wait !== undefined ? { retryAfterMs: wait } : {}) }
    }
    const id = (parsed as Partial<SendResponse> | undefined)?.messages?.[0]?.id
    if (typeof id !== 'string' || id === '') return { error: new GraphError(0, response.status, 'an answer without a message id') }
    return { ok: parsed as SendResponse }
  }

  return {
    async send(message) {
      const body = JSON.stringify(message)
      for (let tries = 1; ; tries++) {
        if (stop.aborted) throw closed()
        const result = await attempt(body)
        if ('ok' in result) return result.ok
        const { error } = result
        // A request that timed out may have been sent: trying again can deliver it twice, which is
        // better than never (the texts are answers and notices, not payments).
        if (!error.retryable || tries >= policy.attempts || stop.aborted) throw stop.aborted ? closed() : error
        const floor = error.code === 131056 ? PAIR_RATE_WAIT_MS : 0
        const inMs = Math.min(policy.maxDelayMs, Math.max(floor, result.retryAfterMs ?? backoff(tries)))
        logger.warn('cloud.send_retry', { code: error.code, status: error.httpStatus, attempt: tries, inMs })
        await pause(inMs)
      }
    },
  }
}

/** What failed, in a word: fetch's errors can quote the URL and its cause the address. */
function networkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout'
  const code = (error as { cause?: { code?: unknown } })?.cause?.code
  return typeof code === 'string' ? `network error ${code}` : 'network error'
}
