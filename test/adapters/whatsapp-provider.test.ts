/**
 * The Baileys provider is built without connecting (no network here): these check what our
 * wrapper promises around it. Connection events are fake sockets' `connection.update` events,
 * shaped as Baileys emits them; reconnection delays go through an injected scheduler.
 */
import { EventEmitter } from 'node:events'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { useMultiFileAuthState } from 'baileys'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWhatsApp, type WhatsAppOptions } from '../../src/adapters/whatsapp-provider.js'
import { createLogger, silentLogger } from '../../src/app/logger.js'

// createWhatsApp sets the process's umask, as it must in the bot: put the test runner's back.
const ORIGINAL_UMASK = process.umask(0o022)
process.umask(ORIGINAL_UMASK)
afterEach(() => void process.umask(ORIGINAL_UMASK))
// Baileys writes its log and the session into the working directory (a scratch one in tests).
afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

describe('the WhatsApp provider wrapper', () => {
  it("keeps the process's own SIGINT and SIGTERM handlers, which Baileys removes on construction", async () => {
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

  it("passes Baileys' connection lines to our log, and never its lines about messages", async () => {
    const lines: string[] = []
    const whatsapp = await createWhatsApp({ logger: createLogger('info', (l) => lines.push(l)), terminal: new PassThrough() })
    const baileysLog = (whatsapp.provider as unknown as { logger: Console }).logger
    baileysLog.log('[2026-11-25T10:00:00.000Z] Connection closed. Status: 428, Reason: Connection Terminated')
    baileysLog.log('[2026-11-25T10:00:01.000Z] Message received from phone, id=ABC', {
      pushName: 'Ana',
      message: { conversation: 'sí, acepto' },
    })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/"event":"whatsapp.connection","detail":"Connection closed. Status: 428/)
    expect(lines.join('')).not.toMatch(/acepto|Ana/)
  })
})

const BOT_PHONE = '34612345678'

/** The bits of the Baileys provider the wrapper takes over, seen from a test. */
interface Internals {
  initVendor(): Promise<EventEmitter | undefined>
  shouldReconnect(status?: number): boolean
  delayedReconnect(): Promise<void>
  reconnectAttempts: number
}

/** A wrapper whose sockets are fake and whose reconnection timer is run by hand. */
async function supervised(extra: Partial<WhatsAppOptions> = {}) {
  const lines: string[] = []
  const scheduled: { ms: number; run: () => void; cancelled: boolean }[] = []
  const whatsapp = await createWhatsApp({
    logger: createLogger('debug', (l) => lines.push(l)),
    terminal: new PassThrough(),
    pairingPhone: BOT_PHONE,
    schedule: (run, ms) => {
      const entry = { ms, run, cancelled: false }
      scheduled.push(entry)
      return () => void (entry.cancelled = true)
    },
    ...extra,
  })
  const internals = whatsapp.provider as unknown as Internals
  const sockets: EventEmitter[] = []
  internals.initVendor = async () => {
    const socket = new EventEmitter()
    sockets.push(socket)
    return socket
  }
  const authFailures: unknown[] = []
  whatsapp.provider.on('auth_failure', ((detail: unknown) => authFailures.push(detail)) as never)
  const close = (status: number) =>
    sockets.at(-1)!.emit('connection.update', { connection: 'close', lastDisconnect: { error: { output: { statusCode: status } } } })
  /** Runs the pending reconnection and waits until its new socket is listened to. */
  const runScheduled = async () => {
    const before = sockets.length
    scheduled.at(-1)!.run()
    while (sockets.length === before) await new Promise<void>((r) => setImmediate(r))
    await new Promise<void>((r) => setImmediate(r))
  }
  return { whatsapp, internals, lines, scheduled, sockets, authFailures, close, runScheduled }
}

describe('a lost WhatsApp connection', () => {
  it('is retried for ever with capped exponential backoff, where Baileys gives up after 10 attempts', async () => {
    const { whatsapp, internals, lines, scheduled, sockets, authFailures, close, runScheduled } = await supervised()
    await whatsapp.connect()
    for (let i = 0; i < 15; i++) {
      close(i % 2 ? 428 : 408)
      await runScheduled()
    }
    expect(scheduled.map((s) => s.ms)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000,
    ])
    expect(sockets).toHaveLength(16)

    // Baileys' own close handler asks these two after every close: its loop must do nothing,
    // not even after its 10 attempts (when it would report a critical error and stop).
    internals.reconnectAttempts = 10
    expect(internals.shouldReconnect(428)).toBe(true)
    await internals.delayedReconnect()
    expect(sockets).toHaveLength(16)
    expect(authFailures).toEqual([])

    // Each attempt is logged, with nothing about the account or any contact.
    const attempts = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'whatsapp.reconnecting')
    expect(attempts.map((a) => a.attempt)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    expect(attempts[0]).toMatchObject({ level: 'warn', delayMs: 1_000, status: 408, reason: 'connectionLost' })
    expect(attempts[1]).toMatchObject({ status: 428, reason: 'connectionClosed' })
    expect(lines.join('\n')).not.toContain(BOT_PHONE)
  })

  it('starts again from the shortest wait once a connection has opened', async () => {
    const { whatsapp, scheduled, sockets, close, runScheduled } = await supervised()
    await whatsapp.connect()
    close(503)
    await runScheduled()
    close(503)
    await runScheduled()
    sockets.at(-1)!.emit('connection.update', { connection: 'open' })
    close(515)
    expect(scheduled.map((s) => s.ms)).toEqual([1_000, 2_000, 1_000])
  })

  it("reads contacts' messages from each new socket, once", async () => {
    const { whatsapp, sockets, close, runScheduled } = await supervised()
    const heard: string[] = []
    whatsapp.inbound.onMessage((m) => heard.push(`${m.messageId}:${m.text}`))
    await whatsapp.connect()
    close(428)
    await runScheduled()
    expect(sockets).toHaveLength(2)
    // A message as Baileys upserts it (decodeMessageNode's key, a decoded proto.Message).
    const message = {
      key: { remoteJid: '34612345678@s.whatsapp.net', fromMe: false, id: 'M1', addressingMode: 'pn' },
      messageTimestamp: 1_767_000_000,
      message: { conversation: 'hola' },
    }
    sockets.at(-1)!.emit('messages.upsert', { messages: [message], type: 'notify' })
    expect(heard).toEqual(['M1:hola'])
    expect(sockets.map((s) => s.listenerCount('messages.upsert'))).toEqual([1, 1])
  })

  it('is not retried once the bot is stopping', async () => {
    const { whatsapp, scheduled, close } = await supervised()
    await whatsapp.connect()
    close(428)
    whatsapp.stop()
    expect(scheduled[0]!.cancelled).toBe(true)
    close(428)
    expect(scheduled).toHaveLength(1)
  })
})

describe('a logged-out session', () => {
  it('tells the owner to delete the session folder and link again, and is not retried', async () => {
    const { whatsapp, internals, lines, scheduled, sockets, close } = await supervised()
    await whatsapp.connect()
    close(401)
    const message = await whatsapp.loggedOut
    expect(message).toMatch(/^WhatsApp has logged this bot out/)
    expect(message).toContain(`Delete the folder ${resolve('bot_sessions')}`)
    expect(message).toMatch(/scan the new QR code/)
    expect(message).toMatch(/--pairing-code/)
    // Baileys empties the folder and calls its reconnect after a logout: nothing happens.
    await internals.delayedReconnect()
    expect(scheduled).toEqual([])
    expect(sockets).toHaveLength(1)
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes('"event":"whatsapp.logged_out"'))).toBe(true)
  })
})

describe('the WhatsApp session folder', () => {
  beforeEach(() => {
    rmSync('bot_sessions', { recursive: true, force: true })
    rmSync('baileys.log', { force: true })
  })
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

  it('is written by Baileys as 0700, its files 0600', async () => {
    await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
    // What Baileys does on connect and on every key change, without the network.
    const { state, saveCreds } = await useMultiFileAuthState('bot_sessions')
    await saveCreds()
    await state.keys.set({ 'pre-key': { '1': { public: Buffer.alloc(32), private: Buffer.alloc(32) } } })
    expect(mode('bot_sessions')).toBe('700')
    expect(mode(join('bot_sessions', 'creds.json'))).toBe('600')
    expect(mode(join('bot_sessions', 'pre-key-1.json'))).toBe('600')
    expect(mode('baileys.log')).toBe('600')
  })

  it('is made private again if it was written more openly before', async () => {
    mkdirSync('bot_sessions', { mode: 0o755 })
    writeFileSync(join('bot_sessions', 'creds.json'), '{}', { mode: 0o644 })
    process.umask(0o022)
    await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
    expect(mode('bot_sessions')).toBe('700')
    expect(mode(join('bot_sessions', 'creds.json'))).toBe('600')
  })
})
