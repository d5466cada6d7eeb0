/**
 * What the bot hears of the business's staff: stanzas built as WhatsApp hands the phone's messages
 * to a linked device, decrypted and cleaned by Baileys' own code (test/support/baileys.ts), emitted
 * on the socket our WhatsApp wrapper listens to, and read out of `whatsapp.inbound.onStaffMessage`.
 * The bot's own sends come back as Baileys echoes them (generateWAMessage, upserted as 'append').
 */
import { rmSync } from 'node:fs'
import { generateMessageIDV2, type WAMessage } from 'baileys'
import { afterAll, describe, expect, it } from 'vitest'
import { readBaileysStaffMessage } from '../../src/adapters/baileys-staff.js'
import { createLogger } from '../../src/app/logger.js'
import { baileysMessage, collect, fakeWhatsApp, ME, staffStanza } from '../support/baileys.js'
import { LID, PHONE, PN, SENT_AT } from '../fixtures/baileys/messages.js'
import { STAFF_SHAPES } from '../fixtures/baileys/staff.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

describe("the staff's messages, as the bot reads them", () => {
  it('covers what the business sends', () => {
    expect(STAFF_SHAPES.length).toBeGreaterThanOrEqual(20)
    expect(new Set(STAFF_SHAPES.map((s) => s.name)).size).toBe(STAFF_SHAPES.length)
  })

  it.each(STAFF_SHAPES.map((shape) => [shape.name, shape] as const))('%s', async (_name, shape) => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    for (const event of shape.events) await fake.emit(event)
    expect(heard.staff).toEqual(shape.staff)
    // What the staff said is never read as the contact's own words.
    if (shape.staff.length > 0) expect(heard.messages).toEqual([])
  })

  it('is never a message from the contact, which the bot reads as theirs', async () => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    await fake.emit({ stanza: { id: '3EB0A0000000000000098', from: PN, t: 1_767_000_000, content: { conversation: 'hola' } } })
    await fake.emit({
      stanza: { id: '3EB0A0000000000000097', from: LID, sender_pn: PN, t: 1_767_000_000, content: { conversation: 'hola' } },
    })
    expect(heard.staff).toEqual([])
    expect(heard.messages.map((m) => m.contact)).toEqual([PHONE, LID])
  })

  it('reads the contact and the message, and logs neither', async () => {
    const lines: string[] = []
    const fake = await fakeWhatsApp(createLogger('debug', (line) => lines.push(line)))
    const heard = collect(fake.whatsapp)
    await fake.emit({ staff: { contact: PHONE, text: 'Hola Ana, soy Luis', id: 'A5B1000000000000000000000000031' } })
    expect(heard.staff).toEqual([{ contact: PHONE, messageId: 'A5B1000000000000000000000000031', sentAt: SENT_AT }])
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(logged.filter((line) => line.event === 'whatsapp.staff_message')).toEqual([
      expect.objectContaining({ level: 'debug', type: 'notify' }),
    ])
    expect(lines.join('\n')).not.toMatch(/Luis|34612345678/)
  })

  it('stops telling a listener once it stops listening', async () => {
    const fake = await fakeWhatsApp()
    const heard: string[] = []
    const stop = fake.whatsapp.inbound.onStaffMessage!((message) => heard.push(message.messageId))
    await fake.emit({ staff: { contact: PHONE, text: 'uno', id: 'A5B1000000000000000000000000032' } })
    stop()
    await fake.emit({ staff: { contact: PHONE, text: 'dos', id: 'A5B1000000000000000000000000033' } })
    expect(heard).toEqual(['A5B1000000000000000000000000032'])
  })

  it("takes no alias when the bot's own account is unknown: it could be the business's own address", async () => {
    const { messages } = await baileysMessage(staffStanza(PN, 'hola', 'A5B1000000000000000000000000034', { alt: LID }))
    expect(readBaileysStaffMessage(messages[0]!)).toEqual({ contact: PHONE, messageId: 'A5B1000000000000000000000000034', sentAt: SENT_AT })
    expect(readBaileysStaffMessage(messages[0]!, { id: ME.id, lid: ME.lid })).toMatchObject({ alias: LID })
  })

  it('reads nothing from what is not a message', () => {
    for (const nonsense of [null, 42, 'x', {}, { key: null }, { key: { fromMe: true } }, { key: { fromMe: true, remoteJid: PN } }])
      expect(readBaileysStaffMessage(nonsense as unknown as WAMessage)).toBeUndefined()
  })
})

describe("the bot's own messages", () => {
  it('are not the staff, as the socket echoes them', async () => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    const echoed: WAMessage[] = []
    fake.socket.on('messages.upsert', (upsert: { messages: WAMessage[] }) => echoed.push(...upsert.messages))
    await fake.whatsapp.messenger.send(PHONE, 'Hola, ¿aceptas?')
    await fake.whatsapp.messenger.send(LID, 'Hola, ¿aceptas?')
    await fake.echoed()
    // The echo is there, as generateWAMessage builds it: fromMe, the id the bot chose, no addressingMode.
    expect(echoed.map((m) => [m.key.remoteJid, m.key.fromMe, m.key.id, m.key.addressingMode])).toEqual([
      [PN, true, fake.sent[0]!.id, undefined],
      [LID, true, fake.sent[1]!.id, undefined],
    ])
    expect(heard.staff).toEqual([])
    expect(heard.messages).toEqual([])
  })

  it("are not the staff when another of the business's devices relays them, even after a restart", async () => {
    const before = await fakeWhatsApp()
    await before.whatsapp.messenger.send(PHONE, 'Hola, ¿aceptas?')
    await before.whatsapp.messenger.send(LID, 'Hola, ¿aceptas?')
    const [toNumber, toLid] = before.sent.map((m) => m.id!)
    before.whatsapp.stop()

    // A new provider on the same session folder (a restart) hears the bot's ids as stanzas from
    // the business's own account: the key in the session folder tells them, with nothing remembered.
    const after = await fakeWhatsApp()
    const heard = collect(after.whatsapp)
    await after.emit({ stanza: staffStanza(PN, 'Hola, ¿aceptas?', toNumber!) })
    await after.emit({ stanza: staffStanza(LID, 'Hola, ¿aceptas?', toLid!) })
    expect(heard.staff).toEqual([])

    // An id of Baileys' shape that the bot did not make is the staff.
    const theirs = generateMessageIDV2(ME.id)
    await after.emit({ stanza: staffStanza(PN, 'Soy Luis, te atiendo yo', theirs) })
    expect(heard.staff).toEqual([{ contact: PHONE, messageId: theirs, sentAt: SENT_AT }])
  })
})
