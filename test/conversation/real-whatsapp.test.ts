/**
 * The real bot on a WhatsApp connection, end to end: messages built as WhatsApp's server sends
 * them and decrypted by Baileys' own code (test/support/baileys.ts), read by our wrapper off the
 * socket, handled by the engine on the real owner files, and answered through Baileys'
 * sendMessage. Each test checks what the contact would notice: a reply, or none.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { realWhatsAppBots, type RealWhatsAppBot } from '../support/baileys.js'
import { readStore } from '../support/chat.js'
import { BUSINESS_PHONE, GROUP, LID, PHONE, PN, T } from '../fixtures/baileys/messages.js'
import type { SocketEvent, StanzaSpec } from '../support/baileys.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

const open = realWhatsAppBots()
let count = 0
const nextId = () => `3EB0C${String(++count).padStart(15, '0')}`

/** A stanza from the Spanish contact, as a phone sends it. */
const from = (content: StanzaSpec['content'], extra: Partial<StanzaSpec> = {}): SocketEvent & { stanza: StanzaSpec } => ({
  stanza: { id: nextId(), from: PN, t: T, notify: 'Ana', content, ...extra },
})
const text = (body: string, extra: Partial<StanzaSpec> = {}) => from({ conversation: body }, extra)

const GREETING = /Te escribe el asistente de \*Tienda Ejemplo\*/
const FIRST_QUESTION = /¿Aceptas que usemos tus datos para \*atender esta conversación/
const TEXT_ONLY = /solo puedo leer mensajes de texto/
const MARKETING_QUESTION = /enviarte ofertas/

async function greeted(): Promise<RealWhatsAppBot> {
  const bot = await open()
  const replies = await bot.send(PHONE, text('hola'))
  expect(replies.join('\n')).toMatch(FIRST_QUESTION)
  return bot
}

describe('a Spanish contact on WhatsApp', () => {
  it('says hola and is greeted, told how data is used, and asked the first question, on their own chat', async () => {
    const bot = await open()
    const replies = await bot.send(PHONE, text('hola'))
    expect(replies).toHaveLength(3)
    expect(replies[0]).toMatch(GREETING)
    expect(replies[1]).toMatch(/BAJA/)
    expect(replies[2]).toMatch(FIRST_QUESTION)
    // Every reply went to the contact's chat, and nowhere else.
    expect(new Set(bot.fake.sent.map((m) => m.jid))).toEqual(new Set([PN]))
  })

  it('consents by writing "sí", recorded with the WhatsApp message id as evidence', async () => {
    const bot = await greeted()
    const yes = text('sí')
    expect((await bot.send(PHONE, yes))[0]).toMatch(MARKETING_QUESTION)
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([['given', ['service']]])
    expect(db.ledger[0]!.collection.messageId).toBe(yes.stanza.id)
    expect(db.ledger[0]!.personal).toMatchObject({ contact: PHONE, answer: 'sí' })
    expect(db.contacts[PHONE]!.consents.service!.state).toBe('given')
  })

  it('consents by tapping a button: the label they tapped is their answer', async () => {
    const bot = await greeted()
    const tap = from({ buttonsResponseMessage: { selectedButtonId: 'btn_0', selectedDisplayText: 'Sí, acepto', type: 'DISPLAY_TEXT' } })
    expect((await bot.send(PHONE, tap))[0]).toMatch(MARKETING_QUESTION)
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([['given', ['service']]])
    expect(db.ledger[0]!.personal).toMatchObject({ answer: 'Sí, acepto' })
    expect(db.ledger[0]!.collection.messageId).toBe(tap.stanza.id)
  })

  it('gets no reply to a reaction, nor to taking it back, nor to editing a message, and the edit changes no consent', async () => {
    const bot = await greeted()
    const yes = text('sí')
    await bot.send(PHONE, yes)
    const botMessage = { remoteJid: PN, fromMe: true, id: 'BAE5F00000000001' }
    expect(
      await bot.send(PHONE, from({ reactionMessage: { key: botMessage, text: '👍', senderTimestampMs: T * 1000 } }, { type: 'reaction' })),
    ).toEqual([])
    expect(
      await bot.send(PHONE, from({ reactionMessage: { key: botMessage, text: '', senderTimestampMs: T * 1000 } }, { type: 'reaction' })),
    ).toEqual([])
    const edited = {
      key: { remoteJid: PN, fromMe: false, id: yes.stanza.id },
      type: 'MESSAGE_EDIT',
      editedMessage: { conversation: 'no' },
      timestampMs: T * 1000,
    }
    expect(await bot.send(PHONE, from({ editedMessage: { message: { protocolMessage: edited } } }))).toEqual([])
    expect(await bot.send(PHONE, from({ protocolMessage: edited }))).toEqual([])
    expect(
      await bot.send(PHONE, from({ protocolMessage: { key: { remoteJid: PN, fromMe: false, id: yes.stanza.id }, type: 'REVOKE' } })),
    ).toEqual([])
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.consents.service!.state).toBe('given')
    // The conversation goes on where it was: the next answer is to the marketing question.
    expect(await bot.send(PHONE, text('no'))).not.toEqual([])
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.consents).toMatchObject({
      service: { state: 'given' },
      marketing: { state: 'refused' },
    })
  })

  it('sends a photo and is told the bot reads text only', async () => {
    const bot = await greeted()
    const replies = await bot.send(PHONE, from({ imageMessage: { mimetype: 'image/jpeg', fileLength: 48213 } }, { type: 'media' }))
    expect(replies.join('\n')).toMatch(TEXT_ONLY)
    expect((await readStore(bot.dataDir)).ledger).toEqual([])
  })

  it('writes BAJA as a photo caption, and is answered as if they had written it', async () => {
    const captioned = await greeted()
    await captioned.send(PHONE, text('sí'))
    const toCaption = await captioned.send(PHONE, from({ imageMessage: { mimetype: 'image/jpeg', caption: 'BAJA' } }, { type: 'media' }))
    const written = await greeted()
    await written.send(PHONE, text('sí'))
    const toText = await written.send(PHONE, text('BAJA'))
    expect(toCaption.length).toBeGreaterThan(0)
    expect(toCaption.join('\n')).not.toMatch(TEXT_ONLY)
    // Receipt codes differ from one withdrawal to another; the rest is the same.
    const unreceipted = (replies: string[]) => replies.map((r) => r.replace(/\*[0-9A-Z]{4}(-[0-9A-Z]{2,4})+\*/g, '*…*'))
    expect(unreceipted(toCaption)).toEqual(unreceipted(toText))
    const states = async (bot: RealWhatsAppBot) =>
      Object.entries((await readStore(bot.dataDir)).contacts[PHONE]?.consents ?? {}).map(([purpose, c]) => [purpose, c?.state])
    expect(await states(captioned)).toEqual(await states(written))
    expect(await states(captioned)).not.toContainEqual(['service', 'given'])
  })

  it('calls the bot and is told it reads text only', async () => {
    const bot = await greeted()
    const call = {
      chatId: PN,
      from: PN,
      id: 'C0FFEE000000000000000000000000A',
      date: new Date(),
      offline: false,
      status: 'offer' as const,
      isVideo: false,
      isGroup: false,
    }
    expect((await bot.send(PHONE, { call: [call] })).join('\n')).toMatch(TEXT_ONLY)
    expect(await bot.send(PHONE, { call: [{ ...call, status: 'terminate' as const }] })).toEqual([])
  })
})

describe('messages WhatsApp delivers in other ways', () => {
  it('a message Baileys could not decrypt gets no reply; the same message sent again is answered', async () => {
    const bot = await open()
    const id = nextId()
    expect(await bot.send(PHONE, { stanza: { id, from: PN, t: T, content: 'undecryptable' } })).toEqual([])
    expect(await bot.send(PHONE, { stanza: { id, from: PN, t: T, content: 'absent' } })).toEqual([])
    expect((await readStore(bot.dataDir)).contacts[PHONE]).toBeUndefined()
    const replies = await bot.send(PHONE, { stanza: { id, from: PN, t: T, content: { conversation: 'hola' } } })
    expect(replies[0]).toMatch(GREETING)
    expect(replies.join('\n')).toMatch(FIRST_QUESTION)
  })

  it('the backlog delivered after a reconnect (append) is answered', async () => {
    const bot = await open()
    const replies = await bot.send(PHONE, text('hola', { offline: true, t: T - 600 }))
    expect(replies[0]).toMatch(GREETING)
    expect((await bot.send(PHONE, text('sí', { offline: true, t: T - 540 })))[0]).toMatch(MARKETING_QUESTION)
    expect((await readStore(bot.dataDir)).contacts[PHONE]!.consents.service!.state).toBe('given')
  })

  it("a group message, a status update and the business's own messages get no reply", async () => {
    const bot = await open()
    expect(await bot.send(GROUP, text('hola', { from: GROUP, participant: PN }))).toEqual([])
    expect(await bot.send('status@broadcast', text('hola', { from: 'status@broadcast', participant: PN }))).toEqual([])
    expect(await bot.send(PHONE, text('Hola Ana, ¿en qué te ayudo?', { from: BUSINESS_PHONE, recipient: PN }))).toEqual([])
    expect(bot.fake.sent).toEqual([])
    // The staff's message starts a chat the bot stays out of: kept only as a pause, with no consent and no record.
    const data = await readStore(bot.dataDir)
    expect(Object.keys(data.contacts)).toEqual([PHONE])
    expect(data.contacts[PHONE]).toMatchObject({ consents: {}, handover: { pausedBy: 'phone' } })
    expect(data.ledger).toEqual([])
  })

  it('a contact known only by a LID is answered on that LID', async () => {
    const bot = await open()
    const replies = await bot.send(LID, text('hola', { from: LID, addressing_mode: 'lid' }))
    expect(replies.join('\n')).toMatch(FIRST_QUESTION)
  })
})
