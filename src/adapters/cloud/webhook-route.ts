/**
 * The webhook endpoint Meta calls (webhooks/create-webhook-endpoint), on Node's own http:
 * - GET `?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: 200 with the challenge, as plain
 *   text, only for the configured verify token (compared in constant time); otherwise 403.
 * - POST: the raw body (at most `maxBodyBytes`, else 413), refused with 401 and read no further
 *   unless `X-Hub-Signature-256` is its HMAC under the app secret; 400 if it is not JSON or not a
 *   WhatsApp Business Account payload; otherwise its events go to the listeners and the answer
 *   is 200 once they have settled or after `ackWithinMs`, whichever comes first. Meta retries
 *   what it does not see answered in time, so a slow listener must not turn into a redelivery,
 *   and a listener's failure (logged) must not either: the message was taken.
 * - Any other method: 405. After close(): 503, so Meta delivers again to the next run.
 * Logs say counts and codes, never a number or a text.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '../../ports/logger.js'
import { verifySignature } from './signature.js'
import { isWhatsAppPayload, readWebhook, type WebhookEvents } from './webhook-events.js'

export const WEBHOOK_PATH = '/webhooks/whatsapp'

/** Meta batches up to 1,000 updates in one POST; 3 MB holds that with room to spare. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024

export interface WebhookRouteOptions {
  appSecret: string
  verifyToken: string
  /** The bot's number: changes for another number of the same account are left. */
  phoneNumberId: string
  logger: Logger
  /** Hands a payload's events to the listeners; resolves once every listener's promise has settled. */
  dispatch(events: WebhookEvents): Promise<void>
  /** The longest Meta waits for the answer (default 5 s). */
  ackWithinMs?: number
  maxBodyBytes?: number
  /** Whether the bot is stopping (then nothing is taken). */
  closed?: () => boolean
}

const HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }

function reply(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...HEADERS, 'Content-Length': String(Buffer.byteLength(body)), ...headers })
  response.end(body)
}

/** Equal strings, compared in a time that says nothing of where they differ (digests have one length). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/** The body's bytes, or undefined once it is longer than `limit` (the rest is not read). */
async function rawBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

export function createWebhookRoute(options: WebhookRouteOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { logger, ackWithinMs = 5_000, maxBodyBytes = MAX_BODY_BYTES } = options

  const verify = (request: IncomingMessage, response: ServerResponse) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams
    const challenge = query.get('hub.challenge')
    const token = query.get('hub.verify_token')
    if (query.get('hub.mode') === 'subscribe' && challenge !== null && token !== null && sameSecret(token, options.verifyToken)) {
      logger.info('cloud.webhook_verified')
      return reply(response, 200, challenge)
    }
    logger.warn('cloud.webhook_verify_refused')
    reply(response, 403, 'Forbidden')
  }

  /** Answers once the listeners are done, or once Meta would give up waiting. */
  const acknowledge = async (events: WebhookEvents) => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ackWithinMs)
      timer.unref()
    })
    const outcome = await Promise.race([options.dispatch(events).then(() => 'done' as const), late])
    clearTimeout(timer)
    if (outcome === 'late') logger.info('cloud.webhook_ack_early', { afterMs: ackWithinMs })
  }

  const take = async (request: IncomingMessage, response: ServerResponse) => {
    if (options.closed?.()) return reply(response, 503, 'Stopping: send again later', { 'Retry-After': '30' })
    const body = await rawBody(request, maxBodyBytes)
    if (!body) {
      logger.warn('cloud.webhook_too_large', { limit: maxBodyBytes })
      return reply(response, 413, 'Payload too large', { Connection: 'close' })
    }
    const signature = request.headers['x-hub-signature-256']
    if (!verifySignature(body, signature, options.appSecret)) {
      logger.warn('cloud.webhook_unsigned', { reason: signature === undefined ? 'missing' : 'wrong' })
      return reply(response, 401, 'Unauthorized')
    }
    let payload: unknown
    try {
      payload = JSON.parse(body.toString('utf8'))
    } catch {
      logger.warn('cloud.webhook_malformed', { reason: 'not_json' })
      return reply(response, 400, 'Bad request')
    }
    if (!isWhatsAppPayload(payload)) {
      logger.warn('cloud.webhook_malformed', { reason: 'not_whatsapp_business_account' })
      return reply(response, 400, 'Bad request')
    }
    const events = readWebhook(payload, options.phoneNumberId)
    const { other_number: otherNumber, ...skipped } = events.skipped
    if (otherNumber) logger.warn('cloud.webhook_ignored', { reason: 'other_number', changes: otherNumber })
    if (Object.keys(skipped).length > 0) logger.info('cloud.webhook_skipped', skipped)
    if (events.errorCodes.length > 0) logger.warn('cloud.webhook_errors', { codes: events.errorCodes })
    logger.debug('cloud.webhook', {
      messages: events.messages.length,
      statuses: events.statuses.length,
      preferences: events.preferences.length,
      staff: events.staffMessages.length,
      links: events.links.length,
    })
    await acknowledge(events)
    reply(response, 200, 'OK')
  }

  return async (request, response) => {
    try {
      if (request.method === 'GET') return verify(request, response)
      if (request.method === 'POST') return await take(request, response)
      reply(response, 405, 'Only GET and POST', { Allow: 'GET, POST' })
    } catch (error) {
      // The client went away mid-body, or a bug: its kind only (a message may quote the payload).
      logger.error('cloud.webhook_failed', { error: (error as Error)?.name ?? 'Error' })
      if (!response.headersSent) reply(response, 500, 'Something went wrong')
      else response.end()
    }
  }
}
