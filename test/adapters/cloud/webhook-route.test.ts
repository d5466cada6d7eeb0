/**
 * The webhook endpoint over real HTTP on 127.0.0.1, posted to with real signatures: Meta's GET
 * verification, refusals that store and dispatch nothing, the answer once listeners are done (or
 * before Meta gives up), redeliveries, and logs without numbers or text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCloudWhatsApp } from '../../../src/adapters/cloud/cloud-whatsapp.js'
import { createWebhookRoute } from '../../../src/adapters/cloud/webhook-route.js'
import type { DeliveryStatus, Inbound, PreferenceChange } from '../../../src/ports/inbound-source.js'
import type { StaffMessage } from '../../../src/ports/staff.js'
import { postRaw, signatureHeader, signedPost } from '../../support/cloud-webhook.js'
import { startFakeGraph } from '../../support/fake-graph.js'
import { batch, echo, incoming, preference, SHEENA, status, T, text, webhook } from '../../fixtures/cloud-api/webhooks.js'
import { APP_SECRET, recordingLogger, settings, VERIFY_TOKEN } from './support.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

/** An http server on 127.0.0.1 whose only route is the handler; `responses` holds each request's response. */
async function serve(handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>) {
  const responses: ServerResponse[] = []
  const server = createServer((request, response) => {
    responses.push(response)
    void handle(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`, responses }
}

/** A Cloud API source whose webhook is served, and everything its listeners hear. */
async function cloudBot(options: { ackWithinMs?: number } = {}) {
  const logger = recordingLogger()
  const cloud = createCloudWhatsApp({ settings: settings('http://127.0.0.1:9/v23.0'), logger, ...options })
  cleanups.push(() => cloud.close())
  const heard = {
    messages: [] as Inbound[],
    statuses: [] as DeliveryStatus[],
    preferences: [] as PreferenceChange[],
    staff: [] as StaffMessage[],
  }
  cloud.inbound.onMessage((inbound) => void heard.messages.push(inbound))
  cloud.inbound.onStatus!((s) => void heard.statuses.push(s))
  cloud.inbound.onPreference!((p) => void heard.preferences.push(p))
  cloud.inbound.onStaffMessage!((m) => void heard.staff.push(m))
  const { url, responses } = await serve((request, response) => cloud.webhook.handle(request, response))
  return { cloud, logger, heard, url, responses }
}

const verifyUrl = (url: string, query: Record<string, string>) => `${url}?${new URLSearchParams(query)}`

describe('Meta’s verification (GET)', () => {
  it('echoes the challenge as plain text for the configured verify token only', async () => {
    const { url } = await cloudBot()
    const ok = await fetch(verifyUrl(url, { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' }))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await ok.text()).toBe('1158201444')
    const refused: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': `${VERIFY_TOKEN}x`, 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN.slice(0, -1), 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN },
    ]
    for (const query of refused) {
      const response = await fetch(verifyUrl(url, query))
      expect(response.status).toBe(403)
      expect(await response.text()).not.toContain('1')
    }
  })
})

describe('what is refused (POST)', () => {
  it('a missing or wrong signature: 401, and nothing reaches the listeners', async () => {
    const { url, heard, logger } = await cloudBot()
    const payload = webhook(incoming(SHEENA, text('Hola')), status(SHEENA, 'wamid.OUT', 'read'), preference(SHEENA, 'stop'))
    expect((await signedPost(url, payload, APP_SECRET, { signature: null })).status).toBe(401)
    expect((await signedPost(url, payload, `${APP_SECRET}-other`)).status).toBe(401)
    // Signed, then changed on the way: the signature is of other bytes.
    const raw = JSON.stringify(payload)
    expect((await postRaw(url, raw.replace('Hola', 'Adiós'), APP_SECRET, { signature: signatureHeader(raw, APP_SECRET) })).status).toBe(401)
    // The signature is checked before anything is read: unsigned garbage is 401, not 400.
    expect((await postRaw(url, 'not json', APP_SECRET, { signature: null })).status).toBe(401)
    expect(heard).toEqual({ messages: [], statuses: [], preferences: [], staff: [] })
    expect(logger.lines.filter((l) => l.event === 'cloud.webhook_unsigned').map((l) => l.fields.reason)).toEqual([
      'missing',
      'wrong',
      'wrong',
      'missing',
    ])
  })

  it('a signed body that is not JSON, or not a WhatsApp Business Account payload: 400', async () => {
    const { url, heard } = await cloudBot()
    expect((await postRaw(url, '{"object": "whatsapp_business_account", ', APP_SECRET)).status).toBe(400)
    expect((await signedPost(url, { object: 'page', entry: [] }, APP_SECRET)).status).toBe(400)
    expect((await signedPost(url, [webhook(incoming(SHEENA, text('Hola')))], APP_SECRET)).status).toBe(400)
    expect(heard.messages).toEqual([])
  })

  it('a body over the limit: 413, unread and unsigned-checked', async () => {
    const logger = recordingLogger()
    let dispatched = 0
    const route = createWebhookRoute({
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      phoneNumberId: '106540352242922',
      logger,
      maxBodyBytes: 1024,
      dispatch: async () => void (dispatched += 1),
    })
    const { url } = await serve(route)
    const big = JSON.stringify(webhook(incoming(SHEENA, text('x'.repeat(2000)))))
    expect((await postRaw(url, big, APP_SECRET)).status).toBe(413)
    // Without a Content-Length (chunked), the bytes are counted as they come.
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'X-Hub-Signature-256': signatureHeader(big, APP_SECRET) },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    expect((await postRaw(url, JSON.stringify(webhook(incoming(SHEENA, text('Hola')))), APP_SECRET)).status).toBe(200)
    expect(dispatched).toBe(1)
    expect(logger.events()).toContain('cloud.webhook_too_large')
  })

  it('other methods: 405; after close: 503 so that Meta delivers again later', async () => {
    const { url, cloud, heard } = await cloudBot()
    const put = await fetch(url, { method: 'PUT', body: '{}' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, POST')
    await cloud.close()
    expect((await signedPost(url, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET)).status).toBe(503)
    expect(heard.messages).toEqual([])
  })
})

describe('taking a batch (POST)', () => {
  it('hands every event to its listeners and answers 200', async () => {
    const { url, heard } = await cloudBot()
    const payload = batch(
      [incoming(SHEENA, text('Hola'), { id: 'wamid.IN1' }), status(SHEENA, 'wamid.OUT', 'delivered')],
      [preference(SHEENA, 'stop'), echo(SHEENA, text('Soy Ana'), { id: 'wamid.ECHO' })],
    )
    const response = await signedPost(url, payload, APP_SECRET)
    expect(response.status).toBe(200)
    expect(heard.messages.map((m) => m.messageId)).toEqual(['wamid.IN1'])
    expect(heard.statuses.map((s) => s.status)).toEqual(['delivered'])
    expect(heard.preferences.map((p) => p.value)).toEqual(['stop'])
    expect(heard.staff.map((m) => m.messageId)).toEqual(['wamid.ECHO'])
  })

  it('answers only once the listeners’ promises have settled', async () => {
    const logger = recordingLogger()
    const cloud = createCloudWhatsApp({ settings: settings('http://127.0.0.1:9/v23.0'), logger, ackWithinMs: 60_000 })
    cleanups.push(() => cloud.close())
    let release!: () => void
    let called!: () => void
    const listenerCalled = new Promise<void>((resolve) => (called = resolve))
    cloud.inbound.onMessage(() => {
      called()
      return new Promise<void>((resolve) => (release = resolve))
    })
    const { url, responses } = await serve((request, response) => cloud.webhook.handle(request, response))
    const answered = signedPost(url, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET)
    await listenerCalled
    // Every pending callback has run by the next turn of the event loop: no answer yet.
    await new Promise((resolve) => setImmediate(resolve))
    expect(responses[0]!.headersSent).toBe(false)
    release()
    expect((await answered).status).toBe(200)
  })

  it('answers 200 before a slow listener is done, after ackWithinMs, and when a listener fails', async () => {
    const logger = recordingLogger()
    const cloud = createCloudWhatsApp({ settings: settings('http://127.0.0.1:9/v23.0'), logger, ackWithinMs: 20 })
    cleanups.push(() => cloud.close())
    cloud.inbound.onMessage(() => new Promise<void>(() => {}))
    cloud.inbound.onStatus!(() => Promise.reject(new Error('store down')))
    cloud.inbound.onPreference!(() => {
      throw new Error('bug')
    })
    const { url } = await serve((request, response) => cloud.webhook.handle(request, response))
    const payload = webhook(incoming(SHEENA, text('Hola')), status(SHEENA, 'wamid.OUT', 'read'), preference(SHEENA, 'stop'))
    expect((await signedPost(url, payload, APP_SECRET)).status).toBe(200)
    expect(logger.events()).toContain('cloud.webhook_ack_early')
    expect(
      logger.lines
        .filter((l) => l.event === 'cloud.listener_failed')
        .map((l) => l.fields.event)
        .sort(),
    ).toEqual(['preference', 'status'])
  })

  it('a redelivered batch: messages go again (the engine drops repeated ids), statuses and preferences do not', async () => {
    const { url, heard } = await cloudBot()
    const payload = webhook(
      incoming(SHEENA, text('Hola'), { id: 'wamid.SAME' }),
      status(SHEENA, 'wamid.OUT', 'read'),
      preference(SHEENA, 'stop', { timestamp: T }),
      echo(SHEENA, text('Soy Ana'), { id: 'wamid.ECHO' }),
    )
    for (let i = 0; i < 2; i++) expect((await signedPost(url, payload, APP_SECRET)).status).toBe(200)
    expect(heard.messages.map((m) => m.messageId)).toEqual(['wamid.SAME', 'wamid.SAME'])
    expect(heard.statuses).toHaveLength(1)
    expect(heard.preferences).toHaveLength(1)
    expect(heard.staff).toHaveLength(1)
    // A later status of the same message is news.
    await signedPost(url, webhook(status(SHEENA, 'wamid.OUT', 'failed')), APP_SECRET)
    expect(heard.statuses.map((s) => s.status)).toEqual(['read', 'failed'])
  })

  it('a payload for another number of the account: 200, nothing dispatched, a log line with counts only', async () => {
    const { url, heard, logger } = await cloudBot()
    const response = await signedPost(
      url,
      webhook(incoming(SHEENA, text('Hola, soy Sheena'), { phoneNumberId: '999888777666555' })),
      APP_SECRET,
    )
    expect(response.status).toBe(200)
    expect(heard.messages).toEqual([])
    expect(logger.lines.find((l) => l.event === 'cloud.webhook_ignored')?.fields).toEqual({ reason: 'other_number', changes: 1 })
  })

  it('an echo of a message the bot itself sent is not the staff writing', async () => {
    const graph = await startFakeGraph()
    cleanups.push(() => graph.close())
    const logger = recordingLogger()
    const cloud = createCloudWhatsApp({ settings: settings(graph.url), logger })
    cleanups.push(() => cloud.close())
    const staff: StaffMessage[] = []
    cloud.inbound.onStaffMessage!((m) => void staff.push(m))
    const { url } = await serve((request, response) => cloud.webhook.handle(request, response))
    await signedPost(url, webhook(incoming(SHEENA, text('Hola'), { timestamp: Math.floor(Date.now() / 1000) })), APP_SECRET)
    await cloud.messenger.send(SHEENA.phone!, 'Bienvenida')
    const sent = graph.sends.at(-1)?.wamid
    expect(sent).toMatch(/^wamid\./)
    await signedPost(
      url,
      batch([echo(SHEENA, text('Bienvenida'), { id: sent as string })], [echo(SHEENA, text('Soy Ana'), { id: 'wamid.ANA' })]),
      APP_SECRET,
    )
    expect(staff.map((m) => m.messageId)).toEqual(['wamid.ANA'])
  })

  it('logs never carry a number, a BSUID or a text', async () => {
    const { url, logger } = await cloudBot()
    await signedPost(
      url,
      batch(
        [incoming(SHEENA, text('Hola, mi DNI es 12345678Z'))],
        [status(SHEENA, 'wamid.OUT', 'failed')],
        [incoming(SHEENA, text('otro'), { phoneNumberId: '999888777666555' })],
      ),
      APP_SECRET,
    )
    await signedPost(url, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET, { signature: 'sha256=00' })
    const written = logger.text()
    expect(logger.lines.length).toBeGreaterThan(2)
    for (const secret of [SHEENA.phone!, SHEENA.userId!, 'Hola', '12345678Z', 'Sheena']) expect(written).not.toContain(secret)
  })
})
