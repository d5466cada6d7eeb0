/**
 * What the Cloud API adds to a conversation, end to end: the bot running with its web server, Meta's
 * documented webhooks (test/fixtures/cloud-api/webhooks.ts) signed and posted to its
 * /webhooks/whatsapp, its replies sent to a fake Graph API that records them and can answer with
 * Meta's error bodies. The whole conversation suite also runs on this provider (vitest project
 * `cloud`); here is what only it has: buttons and lists, Stop promotions, business-scoped user
 * ids, statuses, the 24-hour window, refused signatures.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { SendBody } from '../../src/adapters/cloud/payloads.js'
import { contactRows, ledgerRows } from '../../src/app/export.js'
import { GRAPH_ERRORS } from '../fixtures/cloud-api/graph.js'
import {
  batch,
  buttonReply,
  ERROR_131049,
  incoming,
  listReply,
  preference,
  status,
  text,
  webhook,
  type User,
} from '../fixtures/cloud-api/webhooks.js'
import { recordingLogger } from '../adapters/cloud/support.js'
import { ownerProject, runCli } from '../cli/run-cli.js'
import { MX, readStore, removeDir, ROOT, storageFor, tempDir, US } from '../support/chat.js'
import { CLOUD_SETTINGS, CloudChat, openCloudBot, userIdOf, userOf, type CloudBot } from '../support/cloud-chat.js'
import { signedPost } from '../support/cloud-webhook.js'
import { join } from 'node:path'

const opened: CloudBot[] = []
afterEach(async () => {
  for (const bot of opened.splice(0)) {
    await bot.close().catch(() => {})
    removeDir(bot.dataDir)
  }
})

let now = Date.parse('2026-11-20T10:00:00Z')
const clock = () => new Date(now)

async function open(options: { dataDir?: string; logger?: ReturnType<typeof recordingLogger>; staff?: { whatsapp: string } } = {}) {
  const dataDir = options.dataDir ?? tempDir()
  const bot = await openCloudBot({
    dataDir,
    flowsDir: join(ROOT, 'flows'),
    localesDir: join(ROOT, 'locales'),
    defaultLanguage: 'es',
    storage: await storageFor(dataDir),
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.staff ? { staff: options.staff } : {}),
  })
  opened.push(bot)
  return { bot, chat: (from: string, name = 'Ana') => new CloudChat(bot, clock, from, name) }
}

type Interactive = {
  type: 'button' | 'list'
  body: { text: string }
  action: {
    buttons?: { type: string; reply: { id: string; title: string } }[]
    button?: string
    sections?: { rows: { id: string; title: string }[] }[]
  }
}
/** The interactive part of the last message sent to `address`, if it had one. */
function lastInteractive(bot: CloudBot, address: string): Interactive | undefined {
  const body = bot.graph.sends.filter((s) => s.recipient === address).at(-1)?.body as (SendBody & { interactive?: Interactive }) | undefined
  return body?.interactive
}
const buttonsOf = (i: Interactive | undefined) => i?.action.buttons?.map((b) => [b.reply.id, b.reply.title])
const rowsOf = (i: Interactive | undefined) => i?.action.sections?.flatMap((s) => s.rows.map((r) => [r.id, r.title]))

describe('consent questions as reply buttons', () => {
  it('asks each purpose with SÍ / NO / INFO buttons whose ids are the answers; a tap is recorded with its label', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    const greeting = await ana.say('hola')
    expect(greeting).toHaveLength(3)
    // The greeting and the notice are plain texts; the question carries the buttons.
    expect(bot.graph.sends.slice(0, 2).map((s) => (s.body as { type: string }).type)).toEqual(['text', 'text'])
    const question = lastInteractive(bot, MX)
    expect(question?.type).toBe('button')
    expect(question?.body.text).toMatch(/¿Aceptas que usemos tus datos para \*atender/)
    expect(buttonsOf(question)).toEqual([
      ['consent.service|yes', 'Sí'],
      ['consent.service|no', 'No'],
      ['consent.service|info', 'Más info'],
    ])

    const next = await ana.tap(buttonReply('consent.service|yes', 'Sí'))
    expect(next[0]).toMatch(/enviarte ofertas/)
    expect(buttonsOf(lastInteractive(bot, MX))?.map(([id]) => id)).toEqual([
      'consent.marketing|yes',
      'consent.marketing|no',
      'consent.marketing|info',
    ])
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes, r.personal?.answer])).toEqual([['given', ['service'], 'Sí']])
    expect(db.ledger[0]!.collection).toMatchObject({ method: 'whatsapp-chat', messageId: expect.stringMatching(/^wamid\./) })
  })

  it('reads the id, not the label: a NO button labelled "Sí" is a no', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    await ana.say('hola')
    await ana.tap(buttonReply('consent.service|yes', 'Sí'))
    const replies = await ana.tap(buttonReply('consent.marketing|no', 'Sí'))
    expect(replies[0]).toBe('De acuerdo, no te enviaremos ofertas.')
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents.marketing!.state).toBe('refused')
  })

  it('a button of an earlier question answers nothing: the hint to the open question comes with that question’s buttons', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    await ana.say('hola')
    await ana.tap(buttonReply('consent.service|yes', 'Sí'))
    // The service question's SÍ, tapped again while the marketing question is open.
    const replies = await ana.tap(buttonReply('consent.service|yes', 'Sí'))
    expect(replies).toEqual([expect.stringMatching(/^Perdona, no te he entendido. Responde \*SÍ\*/)])
    expect(buttonsOf(lastInteractive(bot, MX))?.[0]).toEqual(['consent.marketing|yes', 'Sí'])
    expect((await readStore(bot.dataDir)).ledger.map((r) => r.purposes.join())).toEqual(['service'])
  })

  it('labels the buttons in the contact’s language', async () => {
    const { bot, chat } = await open()
    await chat(US, 'Sam').say('hello')
    expect(buttonsOf(lastInteractive(bot, US))?.map(([, title]) => title)).toEqual(['Yes', 'No', 'More info'])
  })

  it('still takes typed answers, and the interactive message says them in words too', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    await ana.say('hola')
    expect(lastInteractive(bot, MX)?.body.text).toMatch(/SÍ/)
    expect((await ana.say('sí'))[0]).toMatch(/enviarte ofertas/)
  })
})

describe('the channel choice and the menu as list messages', () => {
  it('lists the policy’s channels; the row’s id is the choice, then the address is confirmed with buttons', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    await ana.say('hola')
    await ana.say('sí')
    await ana.say('sí')
    const list = lastInteractive(bot, MX)
    expect(list?.type).toBe('list')
    expect(list?.action.button).toBe('Ver opciones')
    expect(rowsOf(list)).toEqual([
      ['channel.choose|channel:whatsapp', 'WhatsApp (seguir aquí)'],
      ['channel.choose|channel:telegram', 'Telegram'],
      ['channel.choose|channel:signal', 'Signal'],
      ['channel.choose|channel:line', 'LINE'],
      ['channel.choose|channel:sms', 'SMS'],
      ['channel.choose|channel:email', 'Correo electrónico'],
      ['channel.choose|channel:call', 'Llamada de teléfono'],
    ])
    const ask = await ana.tap(listReply('channel.choose|channel:email', 'Correo electrónico'))
    expect(ask[0]).toMatch(/dirección de correo/)
    expect(buttonsOf(lastInteractive(bot, MX))).toEqual([['channel.ask.email|back', 'Otro canal']])
    await ana.say('ana@example.com')
    expect(buttonsOf(lastInteractive(bot, MX))).toEqual([
      ['channel.confirm|yes', 'Sí'],
      ['channel.confirm|no', 'No'],
      ['channel.confirm|back', 'Otro canal'],
    ])
    const saved = await ana.tap(buttonReply('channel.confirm|yes', 'Sí'))
    expect(saved[0]).toMatch(/Guardado: te contactaremos por \*Correo electrónico\*/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'email', handle: 'ana@example.com' })
  })

  it('shows the numbered menu as a list, and a row picks its option', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    for (const body of ['hola', 'sí', 'sí', 'whatsapp']) await ana.say(body)
    await ana.say('menú')
    const rows = rowsOf(lastInteractive(bot, MX))
    expect(rows).toHaveLength(7)
    expect(rows?.[2]).toEqual(['menu.options|seeData', 'Ver mis datos'])
    const data = await ana.tap(listReply('menu.options|seeData', 'Ver mis datos'))
    expect(data[0]).toMatch(/Esto es lo que guardamos sobre ti/)
  })
})

describe('Meta’s "Stop promotions"', () => {
  it('withdraws every optional purpose, with its own collection method, and tells nobody; a redelivery counts once', async () => {
    const { bot, chat } = await open()
    const ana = chat(MX)
    for (const body of ['hola', 'sí', 'sí', 'whatsapp']) await ana.say(body)
    const sends = bot.graph.sends.length
    now += 60_000
    const stop = webhook(preference(userOf(MX), 'stop', { timestamp: Math.floor(now / 1000) }))
    expect((await bot.post(stop)).status).toBe(200)
    expect((await bot.post(stop)).status).toBe(200)

    expect(bot.graph.sends.length).toBe(sends)
    const db = await readStore(bot.dataDir)
    const withdrawn = db.ledger.filter((r) => r.event === 'withdrawn')
    expect(withdrawn).toHaveLength(1)
    expect(withdrawn[0]).toMatchObject({
      purposes: ['marketing'],
      consents: { service: 'given', marketing: 'withdrawn' },
      collection: { method: 'whatsapp-preference', preference: 'marketing_messages:stop' },
      at: new Date(Math.floor(now / 1000) * 1000).toISOString(),
    })
    expect(db.contacts[MX]!.consents.service!.state).toBe('given')
    // Nothing in the chat changed: the contact's next message is read where they were.
    expect(await ana.say('gracias')).toEqual([])
  })

  it('keeps someone the bot never met with their withdrawal, and greets them as new when they write; a resume records nothing', async () => {
    const { bot, chat } = await open()
    await bot.post(webhook(preference(userOf(US), 'stop', { timestamp: Math.floor(now / 1000) })))
    await bot.post(webhook(preference(userOf(US), 'resume', { timestamp: Math.floor(now / 1000) + 60 })))
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes, r.collection.method])).toEqual([['withdrawn', ['marketing'], 'whatsapp-preference']])
    expect(bot.graph.sends).toEqual([])
    const replies = await chat(US, 'Sam').say('hello')
    expect(replies[0]).toMatch(/This is the assistant/)
  })
})

describe('business-scoped user ids', () => {
  const bsuid = userIdOf('hidden', 'MX')
  const usernameOnly: User = { userId: bsuid, username: '@ana.cliente', name: 'Ana' }

  it('a contact whose number Meta withholds is one contact under their user id, answered at it, with their rights intact', async () => {
    const { bot } = await open()
    const say = async (content: ReturnType<typeof text>) => {
      const before = bot.graph.sends.length
      await bot.post(webhook(incoming(usernameOnly, content, { timestamp: Math.floor(now / 1000) })))
      return bot.textsTo(bsuid, before)
    }
    // Spanish from the user id's country (MX), as a Mexican number would say.
    expect((await say(text('hola')))[0]).toMatch(/Te escribe el asistente/)
    expect(bot.graph.sends.at(-1)!.body).toMatchObject({ recipient: bsuid })
    expect(bot.graph.sends.at(-1)!.body).not.toHaveProperty('to')
    await say(buttonReply('consent.service|yes', 'Sí'))
    await say(buttonReply('consent.marketing|no', 'No'))
    const asked = await say(text('sms'))
    // No number to offer as "the same one".
    expect(asked[0]).not.toMatch(/MISMO/)

    const db = await readStore(bot.dataDir)
    expect(Object.keys(db.contacts)).toEqual([bsuid])
    expect(db.ledger.map((r) => r.personal?.contact)).toEqual([bsuid, bsuid])
    // The export, as the owner's command builds it (its data as stored: the ledger's entries).
    const stored = { ...db, ledger: db.entries }
    expect(contactRows(stored).map((row) => row.contact)).toEqual([bsuid])
    expect(ledgerRows(stored).map((row) => row.contact)).toEqual([bsuid, bsuid])
    await bot.close()
    // The owner's command, on the store this run keeps the data in (files, or the postgres project's database).
    const storage = await storageFor(bot.dataDir)
    const env = storage.kind === 'postgres' ? { DATABASE_URL: storage.url } : {}
    const run = await runCli('receipt.ts', [db.ledger[0]!.id, '--data-dir', bot.dataDir], ownerProject(), env)
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toMatchObject({ piiPrincipalId: bsuid, event: 'given', eventPurposes: ['service'] })
  })

  it('one person stays one contact when their number appears beside their user id', async () => {
    const { bot } = await open()
    const at = () => ({ timestamp: Math.floor(now / 1000) })
    await bot.post(webhook(incoming(usernameOnly, text('hola'), at())))
    await bot.post(webhook(incoming(usernameOnly, buttonReply('consent.service|yes', 'Sí'), at())))
    // Later Meta shares the number too (the contact is in the business's contact book).
    const both: User = { ...usernameOnly, phone: MX }
    const before = bot.graph.sends.length
    await bot.post(webhook(incoming(both, buttonReply('consent.marketing|yes', 'Sí'), at())))
    expect(bot.textsTo(MX, before)[0]).toMatch(/Gracias! Te enviaremos solo ofertas/)

    const db = await readStore(bot.dataDir)
    expect(Object.keys(db.contacts)).toEqual([MX])
    expect(db.contacts[MX]).toMatchObject({ lid: bsuid, consents: { service: { state: 'given' }, marketing: { state: 'given' } } })
    expect(db.ledger.map((r) => r.event)).toEqual(['given', 'merged', 'given'])
  })
})

describe('statuses of what the bot sent', () => {
  it('are kept on the contact: the furthest each message got, and Meta’s code when it failed', async () => {
    const { bot, chat } = await open()
    await chat(MX).say('hola')
    const [greeting, notice, question] = bot.graph.sent().map((s) => s.wamid!)
    const user = userOf(MX)
    const t = Math.floor(now / 1000)
    await bot.post(
      batch(
        [status(user, greeting!, 'sent', { timestamp: t }), status(user, greeting!, 'read', { timestamp: t + 5 })],
        // Out of order, as Meta may deliver them: delivered after read does not step back.
        [status(user, greeting!, 'delivered', { timestamp: t + 3 }), status(user, notice!, 'delivered', { timestamp: t + 3 })],
        [status(user, question!, 'failed', { timestamp: t + 4, error: ERROR_131049 })],
      ),
    )
    const deliveries = (await readStore(bot.dataDir)).contacts[MX]!.deliveries
    expect(deliveries?.map((d) => [d.id, d.status, d.error?.code])).toEqual([
      [greeting, 'read', undefined],
      [notice, 'delivered', undefined],
      [question, 'failed', 131049],
    ])
  })

  it('of someone the bot does not know keep nothing', async () => {
    const { bot } = await open()
    await bot.post(webhook(status(userOf(US), 'wamid.UNKNOWN', 'delivered', { timestamp: Math.floor(now / 1000) })))
    expect((await readStore(bot.dataDir)).contacts).toEqual({})
  })
})

describe('Meta’s refusals and the 24-hour window', () => {
  it('a throughput limit (130429) is waited out: the reply arrives', async () => {
    const { bot, chat } = await open()
    bot.graph.failNext(GRAPH_ERRORS[130429], { times: 2 })
    const replies = await chat(MX).say('hola')
    expect(replies).toHaveLength(3)
    expect(bot.graph.sends.filter((s) => s.status !== 200)).toHaveLength(2)
  })

  it('a message Meta delivers after its window closed is recorded, not answered, and the log says why', async () => {
    const logger = recordingLogger()
    const { bot, chat } = await open({ logger })
    await chat(MX).say('hola')
    // Meta retries an unacknowledged webhook for days: this answer was sent 25 hours ago.
    now += 25 * 3_600_000
    const late = incoming(userOf(MX), text('sí'), { timestamp: Math.floor((now - 25 * 3_600_000) / 1000) + 60 })
    const before = bot.graph.sends.length
    expect((await bot.post(webhook(late))).status).toBe(200)
    expect(bot.graph.sends.length).toBe(before)
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents.service!.state).toBe('given')
    expect(logger.events()).toContain('reply.not_sent')
    expect(logger.lines.find((l) => l.event === 'cloud.outside_window')?.fields).toMatchObject({ reason: 'window_closed' })
  })

  it('a note to the staff’s WhatsApp goes only while the staff wrote to the business in the last 24 hours', async () => {
    const staff = '34911000111'
    const { bot, chat } = await open({ staff: { whatsapp: staff } })
    await bot.post(webhook(incoming(userOf(staff, 'Equipo'), text('buenos días'), { timestamp: Math.floor(now / 1000) })))
    // The staff's own message is not a client's: nothing answers it.
    expect(bot.textsTo(staff)).toEqual([])
    await chat(MX).say('quiero hablar con una persona')
    await bot.bot.engine.staffNotesSettled()
    expect(bot.textsTo(staff)).toEqual([expect.stringMatching(/pide hablar con una persona/)])

    now += 26 * 3_600_000
    await chat(US, 'Sam').say('I want to talk to a person')
    await bot.bot.engine.staffNotesSettled()
    expect(bot.textsTo(staff)).toHaveLength(1)
    const db = await readStore(bot.dataDir)
    // Not told: kept waiting, and told again at the next start.
    expect(db.contacts[MX]!.handover?.told).toBeDefined()
    expect(db.contacts[US]!.handover).toMatchObject({ waitingSince: expect.any(String) })
    expect(db.contacts[US]!.handover?.told).toBeUndefined()
  })
})

describe('the webhook', () => {
  it('refuses a post without the app’s signature with 401, and nothing is stored or answered', async () => {
    const { bot } = await open()
    const payload = webhook(incoming(userOf(MX), text('hola'), { timestamp: Math.floor(now / 1000) }))
    const forged = await signedPost(bot.webhookUrl, payload, 'f'.repeat(32))
    const unsigned = await signedPost(bot.webhookUrl, payload, CLOUD_SETTINGS.appSecret, { signature: null })
    expect([forged.status, unsigned.status]).toEqual([401, 401])
    await bot.bot.settled()
    expect(bot.graph.sends).toEqual([])
    expect((await readStore(bot.dataDir)).contacts).toEqual({})
  })

  it('answers every message of a batch of several entries, each contact in turn', async () => {
    const { bot } = await open()
    const t = Math.floor(now / 1000)
    await bot.post(
      batch([incoming(userOf(MX), text('hola'), { timestamp: t })], [incoming(userOf(US, 'Sam'), text('hello'), { timestamp: t })]),
    )
    expect(bot.textsTo(MX)).toHaveLength(3)
    expect(bot.textsTo(US)[0]).toMatch(/This is the assistant/)
  })
})
