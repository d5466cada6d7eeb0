/**
 * What the bot hears of each real shape: stanzas built as WhatsApp sends them, decrypted and
 * cleaned by Baileys' own code (test/support/baileys.ts), emitted on the socket our WhatsApp
 * wrapper listens to, and read out of `whatsapp.inbound`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { proto } from 'baileys'
import { readBaileysMessage } from '../../src/adapters/baileys-inbound.js'
import { baileysMessage, collect, fakeWhatsApp } from '../support/baileys.js'
import { LID_MAPPING, PHONE, PN, SHAPES, T } from '../fixtures/baileys/messages.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

describe('Baileys messages, as the bot reads them', () => {
  it('covers the shapes WhatsApp sends', () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(23)
    expect(new Set(SHAPES.map((s) => s.name)).size).toBe(SHAPES.length)
  })

  it.each(SHAPES.map((shape) => [shape.name, shape] as const))('%s', async (_name, shape) => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    for (const event of shape.events) await fake.emit(event)
    const expected = shape.expected.map((e) =>
      e.messageId === '<generated>' ? { ...e, messageId: expect.stringMatching(/^local-[0-9a-f-]{36}$/) } : e,
    )
    expect(heard.messages).toEqual(expected)
  })

  it('reads every message of a batch, whatever its upsert type', async () => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    const one = await baileysMessage({ id: 'B1', from: PN, t: T, content: { conversation: 'uno' } })
    const two = await baileysMessage({
      id: 'B2',
      from: PN,
      t: T,
      content: { reactionMessage: { key: { remoteJid: PN, id: 'X', fromMe: true }, text: '👍' } },
    })
    const three = await baileysMessage({ id: 'B3', from: PN, t: T, content: { conversation: 'tres' } })
    fake.socket.emit('messages.upsert', { messages: [...one.messages, ...two.messages, ...three.messages], type: 'append' })
    expect(heard.messages.map((m) => m.text)).toEqual(['uno', 'tres'])
  })

  it('keeps reading a batch past a message it cannot read, and logs no content', async () => {
    const lines: string[] = []
    const { createLogger } = await import('../../src/app/logger.js')
    const fake = await fakeWhatsApp(createLogger('debug', (l) => lines.push(l)))
    const heard = collect(fake.whatsapp)
    const good = await baileysMessage({ id: 'G1', from: PN, t: T, content: { conversation: 'sí acepto' } })
    const hostile = {
      key: { remoteJid: PN, id: 'H1', addressingMode: 'pn' },
      get message(): never {
        throw new Error('boom')
      },
    }
    fake.socket.emit('messages.upsert', { messages: [hostile, null, 42, ...good.messages], type: 'notify' })
    fake.socket.emit('messages.upsert', { nonsense: true })
    fake.socket.emit('call', 'not a list')
    expect(heard.messages.map((m) => m.messageId)).toEqual(['G1'])
    expect(lines.some((l) => l.includes('"event":"message.unreadable"'))).toBe(true)
    expect(lines.join('\n')).not.toMatch(/acepto|34612345678/)
  })

  it('learns that a LID and a phone number are one person from lid-mapping.update', async () => {
    const fake = await fakeWhatsApp()
    const heard = collect(fake.whatsapp)
    await fake.emit(LID_MAPPING.event)
    await fake.emit({ lidMapping: { lid: 'not a jid', pn: PN } })
    expect(heard.links).toEqual([LID_MAPPING.expected])
  })

  it('stops BuilderBot from reading messages, poll votes and calls itself', async () => {
    const fake = await fakeWhatsApp()
    const fromBuilderBot: unknown[] = []
    fake.whatsapp.provider.on('message', ((payload: unknown) => fromBuilderBot.push(payload)) as never)
    await fake.emit({ stanza: { id: 'P1', from: PN, t: T, content: { conversation: 'hola' } } })
    await fake.emit({ call: [{ chatId: PN, from: PN, id: 'C1', date: new Date(), offline: false, status: 'offer' }] })
    fake.socket.emit('messages.update', [{ key: { remoteJid: PN, id: 'P1' }, update: { pollUpdates: [{}] } }])
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(fromBuilderBot).toEqual([])
    expect(fake.socket.listenerCount('messages.upsert')).toBe(1)
    expect(fake.socket.listenerCount('messages.update')).toBe(0)
    expect(fake.socket.listenerCount('call')).toBe(1)
  })

  it('drops an upsert of placeholder resends (requestId), which anyone can forge in Baileys rc.9', async () => {
    const lines: string[] = []
    const { createLogger } = await import('../../src/app/logger.js')
    const fake = await fakeWhatsApp(createLogger('debug', (l) => lines.push(l)))
    const heard = collect(fake.whatsapp)
    // Even one with a key as decodeMessageNode builds it: the mark on the upsert is enough.
    const resend = await baileysMessage({ id: 'F2', from: PN, t: T, content: { conversation: 'sí' } })
    fake.socket.emit('messages.upsert', { ...resend, type: 'notify', requestId: '3EB0REQUEST' })
    expect(heard.messages).toEqual([])
    expect(lines.some((l) => l.includes('"event":"whatsapp.resend_ignored"'))).toBe(true)
  })

  it('stops delivering to a listener that stopped listening', async () => {
    const fake = await fakeWhatsApp()
    const heard: string[] = []
    const stop = fake.whatsapp.inbound.onMessage((m) => heard.push(m.messageId))
    await fake.emit({ stanza: { id: 'S1', from: PN, t: T, content: { conversation: 'uno' } } })
    stop()
    await fake.emit({ stanza: { id: 'S2', from: PN, t: T, content: { conversation: 'dos' } } })
    expect(heard).toEqual(['S1'])
  })
})

describe('readBaileysMessage, on what a socket rarely sends', () => {
  // Keys as decodeMessageNode builds them (with addressingMode).
  const base = { key: { remoteJid: PN, fromMe: false, id: 'R1', addressingMode: 'pn' }, messageTimestamp: T }

  it('reads a Long timestamp (history and stored messages carry one)', () => {
    const { messageTimestamp } = proto.WebMessageInfo.decode(proto.WebMessageInfo.encode({ key: {}, messageTimestamp: T }).finish())
    expect(typeof messageTimestamp).toBe('object')
    expect(readBaileysMessage({ ...base, messageTimestamp, message: proto.Message.fromObject({ conversation: 'hola' }) })).toMatchObject({
      sentAt: T * 1000,
      text: 'hola',
    })
  })

  it('replaces lone surrogates, which cannot be stored or sent, with U+FFFD', () => {
    expect(readBaileysMessage({ ...base, message: { conversation: 'sí \uD83D' } })?.text).toBe('sí \uFFFD')
  })

  it('ignores a message the phone sent again on request (requestId): Baileys rc.9 lets anyone forge one', () => {
    expect(readBaileysMessage({ ...base, requestId: 'R-1', message: { conversation: 'sí' } } as never)).toBeUndefined()
  })

  it('ignores a message decoded from bytes a sender chose (a resend, forged or not), even without its requestId', () => {
    // process-message.js, PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE: proto.WebMessageInfo.decode(webMessageInfoBytes).
    const bytes = proto.WebMessageInfo.encode({
      key: { remoteJid: PN, fromMe: false, id: 'F1' },
      messageTimestamp: T,
      message: { conversation: 'sí' },
    }).finish()
    expect(readBaileysMessage(proto.WebMessageInfo.decode(bytes) as never)).toBeUndefined()
  })

  it('ignores messages with nothing in them, and garbage', () => {
    expect(readBaileysMessage({ ...base, message: null })).toBeUndefined()
    expect(
      readBaileysMessage({ ...base, message: proto.Message.fromObject({ messageContextInfo: { messageSecret: new Uint8Array(32) } }) }),
    ).toBeUndefined()
    expect(readBaileysMessage({ key: { remoteJid: '__proto__', id: 'x' }, message: { conversation: 'hola' } })).toBeUndefined()
    expect(readBaileysMessage({ key: { remoteJid: '13135550002@bot', id: 'x' }, message: { conversation: 'hola' } })).toBeUndefined()
    expect(readBaileysMessage(null as never)).toBeUndefined()
  })

  it('answers a view-once photo the phone keeps from linked devices as media', () => {
    expect(readBaileysMessage({ key: { ...base.key, isViewOnce: true }, messageTimestamp: T } as never)).toEqual({
      contact: PHONE,
      messageId: 'R1',
      kind: 'media',
      sentAt: T * 1000,
    })
  })

  it('reads a hosted (Business API) contact by its number', () => {
    expect(
      readBaileysMessage({ ...base, key: { ...base.key, remoteJid: `${PHONE}@hosted` }, message: { conversation: 'hola' } })?.contact,
    ).toBe(PHONE)
  })
})
