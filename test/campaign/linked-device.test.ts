/**
 * A notice campaign on a linked device (Baileys), end to end on the production path: the owner's
 * list read by the real CSV reader, the plan made by the running bot's campaigns (what
 * /admin/campaigns calls), the invitations sent through our WhatsApp wrapper to Baileys'
 * sendMessage on a fake socket (test/support/baileys.ts), the clients' answers built as WhatsApp's
 * server sends them and decrypted by Baileys' own code. A fake clock: the campaign's waits move
 * it, nothing waits for real time.
 */
import { Boom } from '@hapi/boom'
import { describe, expect, it } from 'vitest'
import { parseContactList } from '../../src/adapters/contact-list.js'
import type { PlanRequest } from '../../src/app/campaign-plan.js'
import { jidOf, realWhatsAppBots, type RealWhatsAppBot, type SocketEvent } from '../support/baileys.js'
import { readStore } from '../support/chat.js'

const open = realWhatsAppBots()

// Thursday 3 December 2026, 00:30 UTC: Wednesday evening in Mexico, every zone closed.
const START = Date.parse('2026-12-03T00:30:00Z')
let now = START
const clock = () => new Date(now)
/** The campaign's waits move the clock; `during` runs at each (a client writing meanwhile). */
let during: ((waitNumber: number) => Promise<void>) | undefined
let waits = 0
const campaignWait = async (ms: number) => {
  now += ms
  await during?.(++waits)
}

let count = 0
const text = (phone: string, body: string): SocketEvent => ({
  stanza: {
    id: `3EB0C${String(++count).padStart(15, '0')}`,
    from: jidOf(phone),
    t: Math.floor(now / 1000),
    notify: 'Cliente',
    content: { conversation: body },
  },
})

async function bot(): Promise<RealWhatsAppBot> {
  now = START
  waits = 0
  during = undefined
  // A fixed random: every gap is the middle of 15–45 s.
  return open({ clock, campaignWait, random: () => 0.5, campaignProvider: 'whatsapp' })
}

/** Says each message in turn, as the client would, waiting for the bot's replies. */
async function chat(b: RealWhatsAppBot, phone: string, ...bodies: string[]): Promise<string[]> {
  const replies: string[] = []
  for (const body of bodies) replies.push(...(await b.send(phone, text(phone, body))))
  return replies
}

const ANSWERED = '5215512340001'
const OPTED_OUT = '5215512340002'
const ERASED = '5215512340003'
const UNANSWERED = '5215512340004'
const NEW_1 = '5215512340011'
const NEW_2 = '5215512340012'
/** Written as libphonenumber writes a Mexican mobile today, without the 1 WhatsApp still uses. */
const NEW_3 = '525512340013'
const BLOCKED = '5215512340014'

const LIST = [
  'nombre,teléfono,idioma',
  `Ana,+${ANSWERED},es`,
  `Beto,+${OPTED_OUT},es`,
  `Carla,+${ERASED},es`,
  `Dani,+${UNANSWERED},es`,
  `Eva,+${NEW_1},es`,
  `Fer,+${NEW_2},es`,
  `Gil,+52 55 1234 0013,es`,
  `Eva otra vez,+${NEW_1},es`,
  `Hugo,+${BLOCKED},es`,
  'Iván,12345,es',
].join('\r\n')

function request(overrides: Partial<PlanRequest> = {}): PlanRequest {
  const list = parseContactList(Buffer.from(LIST, 'utf8'), 'clientes.csv', { defaultCountry: 'MX' })
  return {
    source: 'clientes.csv',
    clients: list.clients,
    invalid: list.invalid,
    doNotContact: [BLOCKED],
    includeKnown: false,
    faster: false,
    dryRun: false,
    ...overrides,
  }
}

/** The clients the bot already knows: one answered, one wrote BAJA, one had their data erased, one never answered. */
async function knownClients(b: RealWhatsAppBot): Promise<void> {
  await chat(b, ANSWERED, 'hola', 'sí', 'no', 'whatsapp')
  await chat(b, OPTED_OUT, 'hola', 'BAJA')
  await chat(b, ERASED, 'hola', 'sí', 'no', 'whatsapp', 'BORRAR', 'sí')
  await chat(b, UNANSWERED, 'hola')
}

/** What the campaign sent, per jid, with the clock's time of each send. */
function invitations(b: RealWhatsAppBot, from: number): Map<string, string[]> {
  const byJid = new Map<string, string[]>()
  for (const m of b.fake.sent.slice(from)) byJid.set(m.jid, [...(byJid.get(m.jid) ?? []), m.text])
  return byJid
}

describe('a campaign on a linked device', () => {
  it('dry run: counts who is written to and who is skipped and why, with the invalid and repeated lines; nothing is sent', async () => {
    const b = await bot()
    await knownClients(b)
    const sent = b.fake.sent.length
    const summary = await b.bot.campaigns.plan(request({ dryRun: true }))
    expect(summary.toMessage).toBe(3)
    expect(summary.skipped).toEqual({
      invalid: 1,
      duplicate: 1,
      'do-not-contact': 1,
      'opted-out': 1,
      erased: 1,
      answered: 1,
      known: 1,
      // Asked of WhatsApp only when their turn comes, not in a dry run.
      'not-on-whatsapp': 0,
    })
    expect(summary.rows).toEqual([
      { line: 9, reason: 'duplicate', message: 'the same number as line 6' },
      { line: 11, reason: 'invalid', message: expect.stringMatching(/too short|not a valid/) },
    ])
    expect(summary.id).toBeUndefined()
    expect(b.fake.sent.length).toBe(sent)
    expect(await b.bot.campaigns.list()).toEqual([])
  })

  it('writes the notice and the first question to each new client once, from when every Mexican zone is open, 30 s apart; an answer goes on as a normal conversation', async () => {
    const b = await bot()
    await knownClients(b)
    const before = b.fake.sent.length
    const summary = await b.bot.campaigns.plan(request())
    expect(summary.id).toMatch(/^2026-12-03-[a-z0-9]{4}$/)
    await b.bot.campaignRunner.finished()

    const sent = invitations(b, before)
    // The Mexican mobile written without its 1 (as libphonenumber writes it) is written to at the address WhatsApp uses.
    expect(summary.toMessage).toBe(3)
    expect([...sent.keys()]).toEqual([jidOf(NEW_1), jidOf(NEW_2), jidOf(`521${NEW_3.slice(2)}`)])
    for (const texts of sent.values()) {
      expect(texts).toHaveLength(3)
      expect(texts[0]).toMatch(/Te escribe el asistente de \*Tienda Ejemplo\*/)
      expect(texts[1]).toMatch(/cómo usamos tus datos/)
      expect(texts[2]).toMatch(/¿Aceptas que usemos tus datos para \*atender esta conversación/)
    }
    const campaign = (await b.bot.campaigns.get(summary.id!))!
    expect(campaign.status.status).toBe('done')
    expect(campaign.counts).toMatchObject({ sent: 3, planned: 0, sending: 0, failed: 0 })
    // Not before 10:00 in Tijuana (18:00 UTC on Thursday), the last zone of Mexico to open; then every 30 s.
    const stored = await readStore(b.dataDir)
    const times = [NEW_1, NEW_2, '5215512340013'].map((p) => stored.contacts[p]!.invited!.at)
    expect(times).toEqual(['2026-12-03T18:00:00.000Z', '2026-12-03T18:00:30.000Z', '2026-12-03T18:01:00.000Z'])

    // Eva answers the question the invitation asked: the conversation goes on, she is not greeted again.
    const [next] = await chat(b, NEW_1, 'sí')
    expect(next).toMatch(/enviarte ofertas/)
    const figures = (await b.bot.campaigns.get(summary.id!))!.figures
    expect(figures).toMatchObject({ answered: 1, given: 1, refused: 0, noAnswer: 2 })
    expect((await readStore(b.dataDir)).ledger.at(-1)).toMatchObject({ event: 'given', purposes: ['service'] })
  })

  it('with --known also writes to a client who never answered; a client who writes BAJA before their turn is not written to', async () => {
    const b = await bot()
    await knownClients(b)
    const before = b.fake.sent.length
    // Fer writes BAJA while the campaign waits for its next slot.
    during = async (n) => {
      if (n === 2) await chat(b, NEW_2, 'BAJA')
    }
    const summary = await b.bot.campaigns.plan(request({ includeKnown: true }))
    expect(summary.toMessage).toBe(4)
    await b.bot.campaignRunner.finished()
    const campaign = (await b.bot.campaigns.get(summary.id!))!
    expect(campaign.counts).toMatchObject({ sent: 3, skipped: 1 })
    const sent = invitations(b, before)
    // Dani is greeted and asked again; Fer got only the answer to his BAJA, no invitation.
    expect(sent.get(jidOf(UNANSWERED))!.at(-1)).toMatch(/¿Aceptas que usemos tus datos/)
    expect(sent.get(jidOf(NEW_2))!.join('\n')).not.toMatch(/¿Aceptas que usemos tus datos/)
  })

  it('asks WhatsApp first: a number without an account is not written to, and counted apart', async () => {
    const b = await bot()
    await knownClients(b)
    const before = b.fake.sent.length
    b.fake.notOnWhatsApp.add(NEW_2)
    const summary = await b.bot.campaigns.plan(request())
    await b.bot.campaignRunner.finished()
    const campaign = (await b.bot.campaigns.get(summary.id!))!
    expect(campaign.counts).toMatchObject({ sent: 2, skipped: 1 })
    expect([...invitations(b, before).keys()]).toEqual([jidOf(NEW_1), jidOf(`521${NEW_3.slice(2)}`)])
    // Nothing is kept of someone the bot never wrote to.
    expect((await readStore(b.dataDir)).contacts[NEW_2]).toBeUndefined()
  })

  it('stops when WhatsApp disconnects, keeping the client not reached; --resume writes to the rest and to nobody twice', async () => {
    const b = await bot()
    const vendor = (b.fake.whatsapp.provider as unknown as { vendor: { sendMessage: (...a: unknown[]) => Promise<unknown> } }).vendor
    const send = vendor.sendMessage
    let calls = 0
    vendor.sendMessage = async (...args: unknown[]) => {
      // The second invitation's first text: Baileys refuses it, the socket is closed.
      if (++calls === 4) throw new Boom('Connection Closed', { statusCode: 428 })
      return send(...args)
    }
    const summary = await b.bot.campaigns.plan(request())
    await b.bot.campaignRunner.finished()
    let campaign = (await b.bot.campaigns.get(summary.id!))!
    expect(campaign.status).toMatchObject({
      status: 'paused',
      reason: expect.stringMatching(/WhatsApp is disconnected.*npm run campaign -- --resume/),
    })
    expect(campaign.counts).toMatchObject({ sent: 1, planned: 6 })

    await b.bot.campaigns.resume(summary.id!)
    await b.bot.campaignRunner.finished()
    campaign = (await b.bot.campaigns.get(summary.id!))!
    expect(campaign.status.status).toBe('done')
    expect(campaign.counts).toMatchObject({ sent: 7, planned: 0 })
    // Everyone on the list (but the blocked, the repeated and the invalid) asked once, the one refused by the closed socket too.
    const questions = b.fake.sent.filter((m) => /¿Aceptas que usemos tus datos/.test(m.text)).map((m) => m.jid)
    expect(questions.sort()).toEqual([ANSWERED, OPTED_OUT, ERASED, UNANSWERED, NEW_1, NEW_2, `521${NEW_3.slice(2)}`].map(jidOf).sort())
  })

  it('a campaign cut off by a restart waits for --resume, and the daily cap counts what it sent before', async () => {
    const b = await bot()
    const summary = await b.bot.campaigns.plan(request())
    // The bot stops at once (before the first slot): the campaign is paused, saying how to go on.
    await b.bot.close()
    const reopened = await open({ clock, campaignWait, random: () => 0.5, campaignProvider: 'whatsapp', dataDir: b.dataDir })
    const campaign = (await reopened.bot.campaigns.get(summary.id!))!
    expect(campaign.status).toMatchObject({ status: 'paused', reason: expect.stringMatching(/--resume/) })
    expect(reopened.bot.campaignRunner.current).toBeUndefined()
  })
})
