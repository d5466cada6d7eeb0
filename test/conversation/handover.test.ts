/**
 * The number shared with the business's staff, end to end on the WhatsApp path: contacts'
 * messages and the staff's own (sent from the business's phone) built as WhatsApp's server sends
 * them and decrypted by Baileys' own code (test/support/baileys.ts: staffStanza is a message the
 * phone sent, wrapped in deviceSentMessage as Baileys' relayMessage does for its own devices),
 * the real owner files, and the staff told through a real HTTP server that checks the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { PHONE, PN, T } from '../fixtures/baileys/messages.js'
import { realWhatsAppBots, staffStanza, type SocketEvent, type StanzaSpec } from '../support/baileys.js'
import { readStore, removeDir, ROOT, tempDir } from '../support/chat.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

const bots = realWhatsAppBots()
/** The bot, on a clock at T (when the stanzas say they were sent), unless the test brings its own. */
const open: typeof bots = (overrides = {}) => bots({ clock: clock().clock, ...overrides })
let count = 0
const nextId = () => `3A${String(++count).padStart(18, '0')}`
const HOUR = 3_600_000

/** A text from the Spanish contact `minutes` after T, as their phone sends it. */
const says = (body: string, minutes = 0): SocketEvent => ({
  stanza: { id: nextId(), from: PN, t: T + minutes * 60, notify: 'Ana', content: { conversation: body } } satisfies StanzaSpec,
})
/** A text the staff sent to the contact from the business's phone, `minutes` after T. */
const staffSays = (body: string, minutes = 0): SocketEvent => ({ stanza: staffStanza(PHONE, body, nextId(), { t: T + minutes * 60 }) })

/** A clock the test moves: it starts at T. */
function clock() {
  let now = T * 1000
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms) }
}

const SECRET = 'a-webhook-secret-for-tests'

/** The staff's inbox: a real HTTP server that keeps each delivery whose signature holds. */
async function inbox(options: { down?: boolean } = {}) {
  const attempts: string[] = []
  const deliveries: { body: Record<string, any>; headers: IncomingMessage['headers'] }[] = []
  const waiters: (() => void)[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`)
      const given = Buffer.from(String(request.headers['x-signature-256'] ?? ''))
      const valid = given.length === expected.length && timingSafeEqual(given, expected)
      attempts.push(String(request.headers['x-webhook-id']))
      // Down: the inbox answers 503, which the bot retries (until it stops).
      if (options.down) return void response.writeHead(503).end()
      response.writeHead(valid ? 200 : 401).end()
      if (!valid) return
      deliveries.push({ body: JSON.parse(raw.toString('utf8')), headers: request.headers })
      waiters.splice(0).forEach((wake) => wake())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/staff`,
    deliveries,
    attempts,
    /** Resolves once `n` deliveries have arrived. */
    async received(n: number) {
      while (deliveries.length < n) await new Promise<void>((wake) => waiters.push(wake))
      return deliveries
    },
  }
}
const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

const FIRST_QUESTION = /¿Aceptas que usemos tus datos para \*atender esta conversación/
const REACHED_TEAM = /Tu mensaje ha llegado a nuestro equipo/
const PERSON_WILL_ANSWER = /una persona del equipo te responderá por aquí/

describe('the bot steps aside once the consent questions are done', () => {
  it("keeps the contact's first message, says it reached the team, tells the staff with number and words, then stays quiet", async () => {
    const staff = await inbox()
    const bot = await open({ staff: { webhook: { url: staff.url, secret: SECRET } } })
    expect((await bot.send(PHONE, says('¿Cuánto cuesta el envío?'))).join('\n')).toMatch(FIRST_QUESTION)
    await bot.send(PHONE, says('sí', 1))
    await bot.send(PHONE, says('no', 2))
    const thanks = await bot.send(PHONE, says('whatsapp', 3))
    expect(thanks.at(-1)).toMatch(REACHED_TEAM)

    const [delivery] = await staff.received(1)
    expect(delivery!.body).toMatchObject({
      event: 'chat.waiting',
      chat: { reason: 'message', contact: PHONE, message: '¿Cuánto cuesta el envío?', serviceConsent: true, language: 'es' },
    })
    expect(delivery!.headers['x-webhook-id']).toBe(delivery!.body.id)

    // A question about a product: no menu, no "I did not understand", nothing at all.
    expect(await bot.send(PHONE, says('¿tienen la camiseta roja en talla M?', 4))).toEqual([])
    expect(
      await bot.send(PHONE, { stanza: { id: nextId(), from: PN, t: T + 300, content: { imageMessage: { mimetype: 'image/jpeg' } } } }),
    ).toEqual([])
    // MENÚ opens the menu; the chat already waits, so the staff are not told twice.
    expect((await bot.send(PHONE, says('menú', 6)))[0]).toMatch(/^¿Qué quieres hacer\?/)
    await bot.bot.close()
    expect(staff.deliveries).toHaveLength(1)
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.handover).toMatchObject({
      reason: 'message',
      message: '¿Cuánto cuesta el envío?',
    })
  })

  it('refusing the service: the staff are told that someone waits, without their number or words, and none are kept', async () => {
    const staff = await inbox()
    const bot = await open({ staff: { webhook: { url: staff.url, secret: SECRET } } })
    await bot.send(PHONE, says('Hola, quiero saber de un pedido'))
    await bot.send(PHONE, says('no', 1))
    expect((await bot.send(PHONE, says('whatsapp', 2))).at(-1)).toMatch(REACHED_TEAM)
    const [delivery] = await staff.received(1)
    expect(delivery!.body.chat).toMatchObject({ reason: 'message', serviceConsent: false })
    expect(delivery!.body.chat).not.toHaveProperty('contact')
    expect(delivery!.body.chat).not.toHaveProperty('message')
    expect(JSON.stringify(delivery!.body)).not.toContain(PHONE)
    await bot.bot.close()
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.handover).not.toHaveProperty('message')
  })
})

describe('a note the staff did not get', () => {
  it('is told again at the next start, with the same id, and a note they got is not', async () => {
    const down = await inbox({ down: true })
    const first = await open({ staff: { webhook: { url: down.url, secret: SECRET } } })
    await first.send(PHONE, says('hola'))
    await first.send(PHONE, says('quiero hablar con una persona', 1))
    await first.bot.close()
    expect(down.deliveries).toEqual([])
    expect((await readStore(first.dataDir)).contacts[PHONE]!.handover).not.toHaveProperty('told')

    const up = await inbox()
    const second = await open({ staff: { webhook: { url: up.url, secret: SECRET } }, dataDir: first.dataDir })
    const [delivery] = await up.received(1)
    expect(delivery!.body.chat).toMatchObject({ reason: 'asked', serviceConsent: false })
    if (down.attempts.length) expect(delivery!.body.id).toBe(down.attempts[0])
    await second.bot.close()
    expect((await readStore(second.dataDir)).contacts[PHONE]!.handover).toHaveProperty('told')

    const third = await open({ staff: { webhook: { url: up.url, secret: SECRET } }, dataDir: first.dataDir })
    await third.bot.close()
    expect(up.deliveries).toHaveLength(1)
  })
})

describe("the staff's WhatsApp", () => {
  const STAFF = '34699887766'
  it('gets a note in the business language with the number and the words, and is never greeted as a client when it answers', async () => {
    const bot = await open({ staff: { whatsapp: STAFF } })
    await bot.send(PHONE, says('¿Hacen envíos a Sevilla?'))
    await bot.send(PHONE, says('sí', 1))
    await bot.send(PHONE, says('no', 2))
    await bot.send(PHONE, says('whatsapp', 3))
    await bot.bot.close()
    expect(bot.fake.sent.filter((m) => m.jid === `${STAFF}@s.whatsapp.net`).map((m) => m.text)).toEqual([
      `🔔 El cliente +${PHONE} ha escrito y espera respuesta.\n«¿Hacen envíos a Sevilla?»`,
    ])
    const again = await open({ staff: { whatsapp: STAFF }, dataDir: bot.dataDir })
    const reply: SocketEvent = {
      stanza: {
        id: nextId(),
        from: `${STAFF}@s.whatsapp.net`,
        t: T + 300,
        notify: 'Marta',
        content: { conversation: 'ok, lo atiendo yo' },
      },
    }
    expect(await again.send(STAFF, reply)).toEqual([])
    await again.bot.close()
    expect(Object.keys((await readStore(again.dataDir)).contacts)).toEqual([PHONE])
  })
})

describe('asking for a person', () => {
  it('at the first question: the bot says a person will answer, asks nothing more, assumes nothing, and the staff are told', async () => {
    const staff = await inbox()
    const bot = await open({ staff: { webhook: { url: staff.url, secret: SECRET } } })
    await bot.send(PHONE, says('hola'))
    const replies = await bot.send(PHONE, says('quiero hablar con una persona', 1))
    expect(replies).toEqual([expect.stringMatching(PERSON_WILL_ANSWER)])
    const [delivery] = await staff.received(1)
    expect(delivery!.body.chat).toMatchObject({ reason: 'asked', serviceConsent: false })
    // Not an answer, not asked again: a person is coming.
    expect(await bot.send(PHONE, says('sí', 2))).toEqual([])
    expect(await bot.send(PHONE, says('¿hola?', 3))).toEqual([])
    await bot.bot.close()
    const data = await readStore(bot.dataDir)
    expect(data.ledger).toEqual([])
    expect(data.contacts[PHONE]!.consents).toEqual({})
    expect(data.contacts[PHONE]!.handover).toMatchObject({ reason: 'asked', pausedBy: 'asked' })
  })

  it('in English, in a settled chat', async () => {
    const bot = await open()
    await bot.send(PHONE, says('hello'))
    await bot.send(PHONE, says('english', 1))
    for (const [i, answer] of ['yes', 'no', 'whatsapp'].entries()) await bot.send(PHONE, says(answer, 2 + i))
    expect(await bot.send(PHONE, says('can I talk to a human please?', 6))).toEqual([
      expect.stringMatching(/a person from the team will answer you here/),
    ])
  })
})

describe('staff answering from the business phone', () => {
  it('pause the bot: the contact is not asked over them, and an opt-out is still honoured', async () => {
    const bot = await open()
    await bot.send(PHONE, says('hola'))
    expect(await bot.send(PHONE, staffSays('¡Hola Ana! Soy Marta, de la tienda. ¿En qué te ayudo?', 1))).toEqual([])
    // Her "sí" answers Marta, not the bot's question: no consent is read into it.
    expect(await bot.send(PHONE, says('sí, la camiseta roja', 2))).toEqual([])
    expect((await readStore(bot.dataDir)).ledger).toEqual([])
    // BAJA is never swallowed by a pause.
    const stop = await bot.send(PHONE, says('BAJA', 3))
    expect(stop).toEqual([expect.stringMatching(/has retirado tu permiso/)])
    expect((await readStore(bot.dataDir)).ledger.map((r) => r.event)).toEqual(['withdrawn'])
  })

  it('the pause survives a restart and ends by itself after the pause length (a fake clock)', async () => {
    const time = clock()
    const first = await open({ clock: time.clock })
    await first.send(PHONE, says('hola'))
    await first.send(PHONE, staffSays('Hola, te atiendo yo', 1))
    await first.bot.close()

    time.advance(11 * HOUR)
    const second = await open({ clock: time.clock, dataDir: first.dataDir })
    expect(await second.send(PHONE, says('gracias', 11 * 60))).toEqual([])

    // Twelve hours after the staff's last message the bot is back: the open question is still open.
    time.advance(2 * HOUR)
    const back = await second.send(PHONE, says('sí', 13 * 60))
    expect(back).toEqual([expect.stringMatching(/enviarte ofertas/)])
    expect((await readStore(second.dataDir)).ledger.map((r) => [r.event, r.purposes])).toEqual([['given', ['service']]])
  })

  it("each staff message starts the pause again; the bot's own replies never count as staff", async () => {
    const time = clock()
    const bot = await open({ clock: time.clock })
    // The bot's replies come back on the socket as Baileys' own 'append' upserts (emitOwnEvents).
    await bot.send(PHONE, says('hola'))
    expect(bot.fake.sent.length).toBeGreaterThan(0)
    expect((await bot.send(PHONE, says('sí', 1)))[0]).toMatch(/enviarte ofertas/)
    // Only the first message, kept for the staff: no pause.
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.handover).toEqual({ message: 'hola' })

    await bot.send(PHONE, staffSays('Te escribo en un rato', 2))
    time.advance(10 * HOUR)
    await bot.send(PHONE, staffSays('Ya estoy, dime', 10 * 60))
    time.advance(4 * HOUR)
    expect(await bot.send(PHONE, says('no', 14 * 60))).toEqual([])
    time.advance(9 * HOUR)
    expect((await bot.send(PHONE, says('no', 23 * 60)))[0]).toMatch(/no te enviaremos ofertas/)
  })

  it('MENÚ during a pause gives the chat back to the bot: the contact turned to it', async () => {
    const bot = await open()
    for (const [i, answer] of ['hola', 'sí', 'no', 'whatsapp'].entries()) await bot.send(PHONE, says(answer, i))
    await bot.send(PHONE, staffSays('Hola Ana, ya te atiendo', 5))
    expect((await bot.send(PHONE, says('MENÚ', 6)))[0]).toMatch(/^¿Qué quieres hacer\?/)
    expect((await bot.send(PHONE, says('3', 7)))[0]).toMatch(/^Esto es lo que guardamos sobre ti/)
  })
})

describe("the owner's staff section of policy.yaml", () => {
  it('tells a contact who asks for a person the hours, in their language, and pauses for the pause written there', async () => {
    const owner = tempDir('owner-')
    cpSync(join(ROOT, 'flows'), join(owner, 'flows'), { recursive: true })
    const policy = join(owner, 'flows', 'policy.yaml')
    const text = readFileSync(policy, 'utf8').replace('  pause: 12 hours\n', '  pause: 2 hours\n').replace('  # hours: {', '  hours: {')
    writeFileSync(policy, text)
    const time = clock()
    const bot = await open({ clock: time.clock, flowsDir: join(owner, 'flows') })
    await bot.send(PHONE, says('hola'))
    expect(await bot.send(PHONE, says('necesito un asesor', 1))).toEqual([
      expect.stringMatching(/Nuestro horario de atención: lunes a viernes, 9:00–18:00; sábado, 10:00–14:00 \(hora [^)]+\)\./),
    ])
    await bot.send(PHONE, staffSays('Hola, soy Marta', 2))
    time.advance(HOUR)
    expect(await bot.send(PHONE, says('sí', 60))).toEqual([])
    time.advance(2 * HOUR)
    expect((await bot.send(PHONE, says('sí', 180)))[0]).toMatch(/enviarte ofertas/)
    removeDir(owner)
  })
})
