import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookNotifier, type DeliveryResult, retryAfter, type WebhookDeps } from '../../src/adapters/staff-webhook.js'
import type { Logger } from '../../src/ports/logger.js'
import type { WaitingChat } from '../../src/ports/staff.js'

const SECRET = 'a-secret-of-the-inbox-0123'
const NOW = new Date('2026-03-04T10:20:30.000Z')

const consented: WaitingChat = {
  id: 'wait-1',
  reason: 'asked',
  since: '2026-03-04T10:20:00.000Z',
  principal: 'p-4f2a9c',
  language: 'es',
  serviceConsent: true,
  contact: '5215512345678',
  message: 'Quiero hablar con alguien, por favor',
}
const unconsented: WaitingChat = {
  id: 'wait-2',
  reason: 'message',
  since: '2026-03-04T10:21:00.000Z',
  principal: 'p-77aa01',
  language: 'en',
  serviceConsent: false,
}

interface Received {
  method: string | undefined
  headers: IncomingHttpHeaders
  raw: Buffer
}
interface Answer {
  status: number
  headers?: Record<string, string>
}

/** A receiver on 127.0.0.1 that records each request's raw bytes and answers as told (the n-th request, from 1). */
async function receiver(answer: (n: number) => Answer | Promise<Answer> = () => ({ status: 200 })) {
  const received: Received[] = []
  let arrived: (() => void) | undefined
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    received.push({ method: req.method, headers: req.headers, raw: Buffer.concat(chunks) })
    arrived?.()
    const { status, headers } = await answer(received.length)
    res.writeHead(status, headers).end(status === 200 ? 'ok' : 'no')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  cleanups.push(close)
  return {
    port,
    // A query with a token, as some inboxes want: it must never reach the logs.
    url: `http://127.0.0.1:${port}/hooks/staff?token=query-token-xyz`,
    received,
    /** Resolves when the next request has arrived (its body read). */
    nextRequest: () => new Promise<void>((resolve) => (arrived = resolve)),
    close,
  }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

function recordingLogger() {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = []
  const at =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, event, fields })
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines, events: () => lines.map((line) => line.event) }
}

/** A notifier whose waits are recorded (and skipped), and a promise of its first delivery's outcome. */
function notifier(url: string, options: Partial<WebhookDeps> = {}) {
  const { logger, lines, events } = recordingLogger()
  const delays: number[] = []
  let settle!: (result: DeliveryResult) => void
  const settled = new Promise<DeliveryResult>((resolve) => (settle = resolve))
  const webhook = createWebhookNotifier(
    { url, secret: SECRET },
    {
      logger,
      clock: () => NOW,
      random: () => 0.5,
      delay: async (ms) => {
        delays.push(ms)
      },
      onSettled: (result) => settle(result),
      ...options,
    },
  )
  cleanups.push(() => webhook.close!())
  return { webhook, settled, delays, lines, events }
}

function verifies(request: Received, secret: string): boolean {
  const header = request.headers['x-signature-256']
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false
  const given = Buffer.from(header.slice('sha256='.length), 'hex')
  const expected = createHmac('sha256', secret).update(request.raw).digest()
  return given.length === expected.length && timingSafeEqual(given, expected)
}

describe('the staff webhook', () => {
  it('posts the waiting chat as signed JSON that verifies with the secret, and not with another', async () => {
    const inbox = await receiver()
    const { webhook, settled, lines } = notifier(inbox.url)
    webhook.notify(consented)
    expect(await settled).toMatchObject({ target: 'webhook', delivered: true, attempts: 1 })

    expect(inbox.received).toHaveLength(1)
    const [request] = inbox.received
    expect(request!.method).toBe('POST')
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['user-agent']).toBe('consent-bot')
    expect(verifies(request!, SECRET)).toBe(true)
    expect(verifies(request!, 'another-secret-of-16+')).toBe(false)

    const body = JSON.parse(request!.raw.toString('utf8'))
    expect(body).toEqual({ event: 'chat.waiting', id: expect.any(String), sentAt: NOW.toISOString(), chat: consented })
    expect(request!.headers['x-webhook-id']).toBe(body.id)
    expect(lines).toEqual([{ level: 'info', event: 'staff.notified', fields: { target: 'webhook', id: body.id, attempts: 1 } }])
  })

  it('sends no number or message for a chat without service consent', async () => {
    const inbox = await receiver()
    const { webhook, settled } = notifier(inbox.url)
    webhook.notify(unconsented)
    await settled
    const body = JSON.parse(inbox.received[0]!.raw.toString('utf8'))
    expect(body.chat).toEqual(unconsented)
    expect(Object.keys(body.chat)).not.toContain('contact')
    expect(Object.keys(body.chat)).not.toContain('message')
  })

  it('retries a 503 and delivers once, with the same id on both tries', async () => {
    const inbox = await receiver((n) => ({ status: n === 1 ? 503 : 200 }))
    const { webhook, settled, delays, events, lines } = notifier(inbox.url)
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: true, attempts: 2 })

    expect(inbox.received).toHaveLength(2)
    const ids = inbox.received.map((request) => JSON.parse(request.raw.toString('utf8')).id)
    expect(ids[0]).toBe(ids[1])
    expect(inbox.received.map((request) => request.headers['x-webhook-id'])).toEqual(ids)
    expect(inbox.received.every((request) => verifies(request, SECRET))).toBe(true)
    // 1 s backoff with jitter in [0.5 s, 1 s]; random() = 0.5 puts it at 750 ms.
    expect(delays).toEqual([750])
    expect(events()).toEqual(['staff.notify_retry', 'staff.notified'])
    expect(lines[0]!.fields).toMatchObject({ target: 'webhook', attempt: 1, status: 503, inMs: 750 })
  })

  it('backs off exponentially up to the cap, and gives up after the last try', async () => {
    const inbox = await receiver(() => ({ status: 500 }))
    const { webhook, settled, delays, events } = notifier(inbox.url, {
      policy: { attempts: 5, firstDelayMs: 1_000, maxDelayMs: 5_000 },
      random: () => 0.999_999,
    })
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: false, attempts: 5 })
    expect(inbox.received).toHaveLength(5)
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000])
    expect(events()).toEqual([...Array(4).fill('staff.notify_retry'), 'staff.notify_failed'])
  })

  it('does not retry a 400: it will not get better', async () => {
    const inbox = await receiver(() => ({ status: 400 }))
    const { webhook, settled, delays, lines } = notifier(inbox.url)
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: false, attempts: 1 })
    expect(inbox.received).toHaveLength(1)
    expect(delays).toEqual([])
    expect(lines).toEqual([
      {
        level: 'error',
        event: 'staff.notify_failed',
        fields: expect.objectContaining({ target: 'webhook', attempt: 1, status: 400, retriable: false }),
      },
    ])
  })

  it('retries when the connection is refused (a closed port)', async () => {
    const gone = await receiver()
    await gone.close()
    const { webhook, settled, delays, lines } = notifier(gone.url, { policy: { attempts: 3, firstDelayMs: 1_000, maxDelayMs: 300_000 } })
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: false, attempts: 3 })
    expect(delays).toEqual([750, 1_500])
    expect(lines.map((line) => [line.event, line.fields.error])).toEqual([
      ['staff.notify_retry', 'ECONNREFUSED'],
      ['staff.notify_retry', 'ECONNREFUSED'],
      ['staff.notify_failed', 'ECONNREFUSED'],
    ])
  })

  it('counts a receiver that does not answer in time as a failure to retry', async () => {
    const inbox = await receiver(() => new Promise<Answer>(() => {}))
    const { webhook, settled, lines } = notifier(inbox.url, { timeoutMs: 50, policy: { attempts: 1, firstDelayMs: 1, maxDelayMs: 1 } })
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: false })
    expect(lines[0]).toMatchObject({ event: 'staff.notify_failed', fields: { error: 'timeout', retriable: true } })
  })

  it('honours Retry-After on a 429 (seconds, capped at the longest wait)', async () => {
    const inbox = await receiver((n) =>
      n === 1
        ? { status: 429, headers: { 'Retry-After': '7' } }
        : n === 2
          ? { status: 503, headers: { 'Retry-After': '3600' } }
          : { status: 200 },
    )
    const { webhook, settled, delays } = notifier(inbox.url)
    webhook.notify(consented)
    expect(await settled).toMatchObject({ delivered: true, attempts: 3 })
    expect(delays).toEqual([7_000, 300_000])
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfter('12', NOW)).toBe(12_000)
    expect(retryAfter(new Date(NOW.getTime() + 30_000).toUTCString(), NOW)).toBe(30_000)
    expect(retryAfter('soon', NOW)).toBeUndefined()
    expect(retryAfter(null, NOW)).toBeUndefined()
  })

  it('keeps the URL, its query, the number and the message out of the logs', async () => {
    const inbox = await receiver((n) => ({ status: n === 1 ? 500 : 200 }))
    const { webhook, settled, lines } = notifier(inbox.url)
    webhook.notify(consented)
    await settled
    const logged = JSON.stringify(lines)
    for (const secret of ['query-token-xyz', '/hooks/staff', `127.0.0.1:${inbox.port}`, consented.contact!, consented.message!, SECRET]) {
      expect(logged).not.toContain(secret)
    }
  })

  it('delivers chats side by side: one waiting for its receiver holds up no other', async () => {
    let release!: () => void
    const held = new Promise<Answer>((resolve) => (release = () => resolve({ status: 200 })))
    const inbox = await receiver((n) => (n === 1 ? held : { status: 200 }))
    const results: DeliveryResult[] = []
    let second!: () => void
    const secondDone = new Promise<void>((resolve) => (second = resolve))
    const { webhook } = notifier(inbox.url, {
      onSettled: (result) => {
        results.push(result)
        if (results.length === 1) second()
      },
    })
    const firstArrived = inbox.nextRequest()
    webhook.notify(consented)
    await firstArrived
    webhook.notify(unconsented)
    await secondDone
    expect(JSON.parse(inbox.received[1]!.raw.toString('utf8')).chat).toEqual(unconsented)
    release()
    await webhook.close!()
    expect(results.map((result) => result.delivered)).toEqual([true, true])
  })

  it('close() waits for a request under way', async () => {
    let release!: () => void
    const inbox = await receiver(() => new Promise<Answer>((resolve) => (release = () => resolve({ status: 200 }))))
    const results: DeliveryResult[] = []
    const { webhook } = notifier(inbox.url, { onSettled: (result) => results.push(result) })
    const arrived = inbox.nextRequest()
    webhook.notify(consented)
    await arrived
    const closed = webhook.close!()
    release()
    await closed
    expect(results).toMatchObject([{ delivered: true, attempts: 1 }])
  })

  it('starts no more deliveries than maxPending while the receiver is down: the others resolve false, to be told again at the next start', async () => {
    const inbox = await receiver(() => ({ status: 503 }))
    let waiting!: () => void
    const retryWaits = new Promise<void>((resolve) => (waiting = resolve))
    const { webhook, lines } = notifier(inbox.url, {
      maxPending: 1,
      delay: () => {
        waiting()
        return new Promise<void>(() => {})
      },
    })
    const first = webhook.notify(consented)
    await retryWaits
    expect(await webhook.notify({ ...consented, id: 'wait-other' })).toBe(false)
    expect(lines.at(-1)).toMatchObject({ event: 'staff.notify_failed', fields: { pending: 1 } })
    expect(inbox.received).toHaveLength(1)
    await webhook.close!()
    expect(await first).toBe(false)
  })

  it('close() stops a retry that waits, and later chats are not sent', async () => {
    const inbox = await receiver(() => ({ status: 503 }))
    let waiting!: () => void
    const retryWaits = new Promise<void>((resolve) => (waiting = resolve))
    // A wait that would never end on its own: close() must not depend on the delay honouring the signal.
    const { webhook, settled, lines } = notifier(inbox.url, {
      delay: () => {
        waiting()
        return new Promise<void>(() => {})
      },
    })
    webhook.notify(consented)
    await retryWaits
    await webhook.close!()
    expect(await settled).toMatchObject({ delivered: false, attempts: 1 })
    expect(lines.at(-1)).toMatchObject({ event: 'staff.notify_failed', fields: { stopped: true } })

    webhook.notify(consented)
    expect(inbox.received).toHaveLength(1)
  })
})
