/**
 * The Messenger on the Cloud API, against a fake Graph API on 127.0.0.1: the bodies Meta's pages
 * describe (text, reply buttons, a list; `to` or `recipient`), Meta's limits, the 24-hour customer
 * service window on an injected clock, and which of Meta's refusals are thrown.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCloudWhatsApp } from '../../../src/adapters/cloud/cloud-whatsapp.js'
import { GraphError } from '../../../src/adapters/cloud/graph-client.js'
import type { InteractiveBody, TextBody } from '../../../src/adapters/cloud/payloads.js'
import { NotACloudAddress } from '../../../src/adapters/cloud/send-bodies.js'
import { NotSent, type Choice } from '../../../src/ports/messenger.js'
import { signedPost } from '../../support/cloud-webhook.js'
import { type FakeGraph, startFakeGraph } from '../../support/fake-graph.js'
import { GRAPH_ERRORS } from '../../fixtures/cloud-api/graph.js'
import { incoming, SHEENA, text, USERNAME_ONLY, webhook } from '../../fixtures/cloud-api/webhooks.js'
import { APP_SECRET, recordingLogger, settings } from './support.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-20T10:00:00Z')
const PHONE = SHEENA.phone!
const BSUID = SHEENA.userId!

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

/** A Cloud API bot on a fake Graph API, its clock at `now`, that last heard from everyone `lastWrote` ms ago. */
async function bot(options: { lastWrote?: number | undefined } = { lastWrote: HOUR }) {
  const graph: FakeGraph = await startFakeGraph()
  cleanups.push(() => graph.close())
  const logger = recordingLogger()
  let now = NOW
  const cloud = createCloudWhatsApp({
    settings: settings(graph.url),
    logger,
    clock: () => new Date(now),
    lastInbound: async () => (options.lastWrote === undefined ? undefined : NOW - options.lastWrote),
    delay: async () => {},
  })
  cleanups.push(() => cloud.close())
  return {
    graph,
    logger,
    cloud,
    send: cloud.messenger.send.bind(cloud.messenger),
    at: (ms: number) => void (now = ms),
  }
}

const options = (n: number, title = (i: number) => `Opción ${i}`): Choice[] =>
  Array.from({ length: n }, (_, i) => ({ id: `q|a${i}`, title: title(i) }))

describe('a text', () => {
  it('goes to the number as `to`, without a link preview', async () => {
    const { send, graph } = await bot()
    await send(PHONE, 'Hola, ¿aceptas? https://example.org/privacy')
    expect(graph.sends).toHaveLength(1)
    expect(graph.sends[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'text',
      text: { body: 'Hola, ¿aceptas? https://example.org/privacy', preview_url: false },
    })
  })

  it('goes to a business-scoped user id as `recipient`', async () => {
    const { send, graph } = await bot()
    await send(BSUID, 'Hola')
    expect(graph.sends[0]!.body).toMatchObject({ recipient: BSUID, type: 'text' })
    expect(graph.sends[0]!.body).not.toHaveProperty('to')
    await send('US.ENT.11815799212886844830', 'Hola')
    expect(graph.sends[1]!.body).toMatchObject({ recipient: 'US.ENT.11815799212886844830' })
  })

  it('longer than 4096 characters: several messages, cut where a line ends', async () => {
    const { send, graph } = await bot()
    const line = `${'a'.repeat(99)}\n`
    const long = line.repeat(50) // 5000 characters, lines of 100
    await send(PHONE, long)
    const bodies = graph.sends.map((s) => (s.body as TextBody).text.body)
    expect(bodies).toHaveLength(2)
    // 40 whole lines (the 41st would pass 4096), less the line break where it was cut.
    expect(bodies.map((b) => b.length)).toEqual([3999, 1000])
    expect(bodies.join('\n')).toBe(long)
  })

  it('a @lid (a Baileys address) cannot be reached: thrown, nothing sent', async () => {
    const { send, graph } = await bot()
    await expect(send('123456789012345@lid', 'Hola')).rejects.toBeInstanceOf(NotACloudAddress)
    expect(graph.sends).toEqual([])
  })
})

describe('answers as reply buttons or a list (within Meta’s limits)', () => {
  it('up to 3 buttons: interactive `button` with reply buttons, ids kept, titles cut at 20 with …', async () => {
    const { send, graph } = await bot()
    await send(PHONE, '¿Aceptas el uso de tus datos para citas?', {
      kind: 'buttons',
      options: [
        { id: 'consent.appointments|yes', title: 'SÍ' },
        { id: 'consent.appointments|no', title: 'NO, gracias de todos modos' },
        { id: 'consent.appointments|info', title: 'Más información' },
      ],
    })
    const body = graph.sends[0]!.body as InteractiveBody
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: '¿Aceptas el uso de tus datos para citas?' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'consent.appointments|yes', title: 'SÍ' } },
            { type: 'reply', reply: { id: 'consent.appointments|no', title: 'NO, gracias de todo…' } },
            { type: 'reply', reply: { id: 'consent.appointments|info', title: 'Más información' } },
          ],
        },
      },
    })
    expect(Array.from('NO, gracias de todo…')).toHaveLength(20)
  })

  it('up to 10 rows: interactive `list` with its button and one section; titles 24, descriptions 72', async () => {
    const { send, graph } = await bot()
    await send(BSUID, '¿Por dónde prefieres seguir?', {
      kind: 'list',
      button: 'Elegir un canal de contacto',
      options: [
        { id: 'channel|telegram', title: 'Telegram' },
        { id: 'channel|email', title: 'Correo electrónico (cada semana)', description: 'x'.repeat(80) },
      ],
    })
    const body = graph.sends[0]!.body as InteractiveBody
    expect(body).toMatchObject({ recipient: BSUID, type: 'interactive' })
    expect(body.interactive).toEqual({
      type: 'list',
      body: { text: '¿Por dónde prefieres seguir?' },
      action: {
        button: 'Elegir un canal de…',
        sections: [
          {
            title: 'Elegir un canal de cont…',
            rows: [
              { id: 'channel|telegram', title: 'Telegram' },
              { id: 'channel|email', title: 'Correo electrónico (cad…', description: `${'x'.repeat(71)}…` },
            ],
          },
        ],
      },
    })
  })

  it('when the answers cannot be shown, the text goes alone (it names them in words)', async () => {
    const { send, graph } = await bot()
    const cases = [
      { body: 'b'.repeat(1025), choices: { kind: 'buttons' as const, options: options(2) } },
      { body: 'cuatro', choices: { kind: 'buttons' as const, options: options(4) } },
      { body: 'id largo', choices: { kind: 'buttons' as const, options: [{ id: 'q|'.padEnd(257, 'x'), title: 'Sí' }] } },
      { body: 'mismo título', choices: { kind: 'buttons' as const, options: options(2, () => 'Una etiqueta demasiado larga') } },
      { body: 'once', choices: { kind: 'list' as const, button: 'Ver', options: options(11) } },
      { body: 'fila larga', choices: { kind: 'list' as const, button: 'Ver', options: [{ id: 'q|'.padEnd(201, 'x'), title: 'Sí' }] } },
      { body: 'vacía', choices: { kind: 'list' as const, button: 'Ver', options: [] } },
      { body: 'l'.repeat(4097), choices: { kind: 'list' as const, button: 'Ver', options: options(2) } },
    ]
    for (const { body, choices } of cases) await send(PHONE, body, choices)
    expect(graph.sends.map((s) => s.body.type)).toEqual(['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'])
    // A list body may be 4096 long, a button body only 1024.
    await send(PHONE, 'l'.repeat(2000), { kind: 'list', button: 'Ver', options: options(2) })
    expect(graph.sends.at(-1)!.body.type).toBe('interactive')
  })
})

describe('the 24-hour customer service window', () => {
  it('sends while the contact wrote less than 24 hours ago; after that, logs why and sends nothing', async () => {
    const inside = await bot({ lastWrote: 24 * HOUR - 1 })
    await inside.send(PHONE, 'Hola')
    expect(inside.graph.sends).toHaveLength(1)

    const closed = await bot({ lastWrote: 24 * HOUR })
    await expect(closed.send(PHONE, 'Hola')).rejects.toEqual(new NotSent('outside-window'))
    expect(closed.graph.sends).toEqual([])
    expect(closed.logger.lines.find((l) => l.event === 'cloud.outside_window')?.fields).toEqual({ reason: 'window_closed', hoursSince: 24 })

    const stranger = await bot({ lastWrote: undefined })
    await expect(stranger.send(PHONE, 'Hola')).rejects.toBeInstanceOf(NotSent)
    expect(stranger.graph.sends).toEqual([])
    expect(stranger.logger.lines.find((l) => l.event === 'cloud.outside_window')?.fields).toEqual({ reason: 'never_wrote' })
  })

  it('opens with a message read from the webhook, by number and by BSUID, and closes 24 hours after it', async () => {
    const { cloud, send, graph, at } = await bot({ lastWrote: undefined })
    const server = createServer((request, response) => void cloud.webhook.handle(request, response))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`
    const wrote = NOW - 2 * HOUR
    expect((await signedPost(url, webhook(incoming(SHEENA, text('Hola'), { timestamp: wrote / 1000 })), APP_SECRET)).status).toBe(200)
    expect((await signedPost(url, webhook(incoming(USERNAME_ONLY, text('Hola'), { timestamp: wrote / 1000 })), APP_SECRET)).status).toBe(
      200,
    )
    await send(PHONE, 'Hola')
    await send(BSUID, 'Hola')
    expect(graph.sends.map((s) => s.recipient)).toEqual([PHONE, BSUID])
    at(wrote + 24 * HOUR)
    await expect(send(PHONE, 'Hola')).rejects.toBeInstanceOf(NotSent)
    expect(graph.sends).toHaveLength(2)
  })

  it('Meta’s own 131047 (re-engagement) is logged and told as NotSent, not as Meta’s error', async () => {
    const { send, graph, logger } = await bot()
    graph.failNext(GRAPH_ERRORS[131047])
    await expect(send(PHONE, 'Hola')).rejects.toBeInstanceOf(NotSent)
    expect(graph.sends).toHaveLength(1)
    expect(logger.lines.find((l) => l.event === 'cloud.outside_window')?.fields).toEqual({ reason: 'meta_131047' })
  })
})

describe('other refusals are thrown (the engine logs them)', () => {
  it.each([131049, 131048, 131026, 190] as const)('%i', async (code) => {
    const { send, graph } = await bot()
    graph.failNext(GRAPH_ERRORS[code])
    const error = await send(PHONE, 'Hola').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GraphError)
    expect((error as GraphError).code).toBe(code)
  })

  it('a rate limit is tried again and sent, for that recipient only', async () => {
    const { send, graph } = await bot()
    graph.failNext(GRAPH_ERRORS[130429], { recipient: BSUID })
    await send(PHONE, 'uno')
    await send(BSUID, 'dos')
    expect(graph.sends.map((s) => [s.recipient, s.status])).toEqual([
      [PHONE, 200],
      [BSUID, 400],
      [BSUID, 200],
    ])
  })
})

it('a message in, an answer out: the webhook’s listener replies with buttons, the fake Graph API sees it arrive', async () => {
  const { cloud, graph } = await bot()
  cloud.inbound.onMessage((inbound) =>
    cloud.messenger.send(inbound.contact, '¿Aceptas?', {
      kind: 'buttons',
      options: [
        { id: 'q|yes', title: 'SÍ' },
        { id: 'q|no', title: 'NO' },
      ],
    }),
  )
  const server = createServer((request, response) => void cloud.webhook.handle(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp`
  void signedPost(url, webhook(incoming(SHEENA, text('Hola'), { timestamp: NOW / 1000 })), APP_SECRET)
  const [reply] = await graph.waitForSends(1)
  expect(reply!.body).toMatchObject({ to: PHONE, type: 'interactive', interactive: { type: 'button' } })
})
