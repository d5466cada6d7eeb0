/**
 * The Baileys provider is built without connecting (no network here): these check what our
 * wrapper promises around it.
 */
import { describe, expect, it } from 'vitest'
import { createWhatsApp } from '../../src/adapters/whatsapp-provider.js'
import { createLogger, silentLogger } from '../../src/app/logger.js'
import { PassThrough } from 'node:stream'

describe('the WhatsApp provider wrapper', () => {
  it('keeps the process\'s own SIGINT and SIGTERM handlers, which Baileys removes on construction', async () => {
    const onSigint = () => {}
    const onSigterm = () => {}
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    const before = { int: process.listeners('SIGINT'), term: process.listeners('SIGTERM') }
    try {
      await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
      expect(process.listeners('SIGINT')).toEqual(before.int)
      expect(process.listeners('SIGTERM')).toEqual(before.term)
    } finally {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
    }
  })

  it('answers a …@lid sender on its raw jid, and a phone number through the provider', async () => {
    const whatsapp = await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
    const toVendor: string[] = []
    const toProvider: string[] = []
    const internals = whatsapp.provider as unknown as { vendor: unknown; sendText: (jid: string, text: string) => Promise<unknown> }
    internals.vendor = { sendMessage: async (jid: string) => void toVendor.push(jid) }
    internals.sendText = async (jid: string) => void toProvider.push(jid)
    await whatsapp.messenger.send('123456789012345@lid', 'hola')
    await whatsapp.messenger.send('5215512345678', 'hola')
    expect(toVendor).toEqual(['123456789012345@lid'])
    expect(toProvider).toEqual(['5215512345678@s.whatsapp.net'])
  })

  it('draws the QR code in the terminal when WhatsApp asks for a link', async () => {
    const terminal = new PassThrough()
    let drawn = ''
    terminal.on('data', (chunk) => (drawn += chunk))
    const whatsapp = await createWhatsApp({ logger: silentLogger, terminal })
    whatsapp.provider.emit('require_action', { title: 'x', instructions: [], payload: { qr: '2@abcdefghijklmnopqrstuvwxyz' } } as never)
    expect(drawn).toMatch(/Scan this QR code with WhatsApp/)
    expect(drawn).toMatch(/[▀▄█]/)
  })

  it('passes Baileys\' connection lines to our log, and never its lines about messages', async () => {
    const lines: string[] = []
    const whatsapp = await createWhatsApp({ logger: createLogger('info', (l) => lines.push(l)), terminal: new PassThrough() })
    const baileysLog = (whatsapp.provider as unknown as { logger: Console }).logger
    baileysLog.log('[2026-11-25T10:00:00.000Z] Connection closed. Status: 428, Reason: Connection Terminated')
    baileysLog.log('[2026-11-25T10:00:01.000Z] Message received from phone, id=ABC', { pushName: 'Ana', message: { conversation: 'sí, acepto' } })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/"event":"whatsapp.connection","detail":"Connection closed. Status: 428/)
    expect(lines.join('')).not.toMatch(/acepto|Ana/)
  })
})
