/**
 * One person, one contact, and a redelivery never read twice: on a WhatsApp connection, with
 * messages built as WhatsApp's server sends them and decrypted by Baileys' own code
 * (test/support/baileys.ts). A LID-addressed chat carries the number in `sender_pn`, which
 * Baileys' decodeMessageNode turns into `key.remoteJidAlt`; a message's `t` becomes its
 * `messageTimestamp`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { realWhatsAppBots, type StanzaSpec } from '../support/baileys.js'
import { readStore } from '../support/chat.js'
import { LID, PHONE, PN, T } from '../fixtures/baileys/messages.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

const open = realWhatsAppBots()
let count = 0
const nextId = () => `3EB0D${String(++count).padStart(15, '0')}`
let clock = T
/** A text as the contact's phone sends it, one second after the previous one. */
const fromNumber = (body: string, extra: Partial<StanzaSpec> = {}) => ({
  stanza: { id: nextId(), from: PN, t: ++clock, notify: 'Ana', content: { conversation: body }, ...extra },
})
/** The same person after WhatsApp moved the chat to LID addressing. */
const fromLid = (body: string, extra: Partial<StanzaSpec> = {}) =>
  fromNumber(body, { from: LID, addressing_mode: 'lid', sender_pn: PN, ...extra })

describe('a contact whose chat moves to LID addressing', () => {
  it('stays one contact: a STOP from the LID chat withdraws what the number gave, and is answered on the LID chat', async () => {
    const bot = await open()
    await bot.send(PHONE, fromNumber('hola'))
    await bot.send(PHONE, fromNumber('sí'))
    await bot.send(PHONE, fromNumber('sí'))
    const replies = await bot.send(LID, fromLid('STOP'))
    expect(replies.join('\n')).toMatch(/retirado/)
    const data = await readStore(bot.dataDir)
    expect(Object.keys(data.contacts)).toEqual([PHONE])
    expect(Object.values(data.contacts[PHONE]!.consents).map((c) => c.state)).toEqual(['withdrawn', 'withdrawn'])
  })

  it('a newcomer in a LID chat is greeted in the language of their number', async () => {
    const bot = await open()
    const replies = await bot.send(LID, fromLid('ok', { sender_pn: '14155550123@s.whatsapp.net' }))
    expect(replies[0]).toMatch(/^Hi! 👋/)
  })
})

describe('a message WhatsApp delivers again', () => {
  it('is not read again, however many messages came between', async () => {
    const bot = await open()
    await bot.send(PHONE, fromNumber('hola'))
    const yes = fromNumber('sí')
    await bot.send(PHONE, yes)
    await bot.send(PHONE, fromNumber('no'))
    await bot.send(PHONE, fromNumber('whatsapp'))
    await bot.send(PHONE, fromNumber('STOP'))
    for (let i = 0; i < 25; i++) await bot.send(PHONE, fromNumber('hola'))
    const before = (await readStore(bot.dataDir)).ledger.length
    // The very same stanza again (a reconnect, a retry): Baileys builds the same message from it.
    expect(await bot.send(PHONE, yes)).toEqual([])
    const after = await readStore(bot.dataDir)
    expect(after.ledger).toHaveLength(before)
    expect(after.contacts[PHONE]!.consents.service!.state).toBe('withdrawn')
  })
})
