/**
 * The Baileys provider is built without connecting (no network here): these check what our
 * wrapper promises around it. Connection events are fake sockets' `connection.update` events,
 * shaped as Baileys emits them; reconnection delays go through an injected scheduler.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { NotSent } from '../../src/ports/messenger.js'
import { generateMessageIDV2, useMultiFileAuthState } from 'baileys'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWhatsApp, type WhatsAppOptions } from '../../src/adapters/whatsapp-provider.js'
import { SENT_IDS_KEY_FILE, sentIds } from '../../src/adapters/whatsapp-sent-ids.js'
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

  it('answers a …@lid sender on its raw jid and a phone number on its number jid, each with an id the bot made', async () => {
    const whatsapp = await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
    const sent: [string, unknown, { messageId?: string }][] = []
    const internals = whatsapp.provider as unknown as { vendor: unknown }
    internals.vendor = {
      sendMessage: async (jid: string, content: unknown, options: { messageId?: string }) => void sent.push([jid, content, options]),
    }
    await whatsapp.messenger.send('123456789012345@lid', 'hola')
    await whatsapp.messenger.send('5215512345678', 'adiós')
    expect(sent.map(([jid, content]) => [jid, content])).toEqual([
      ['123456789012345@lid', { text: 'hola' }],
      ['5215512345678@s.whatsapp.net', { text: 'adiós' }],
    ])
    // Baileys' own id shape (generateMessageIDV2: '3EB0' and 18 hex digits), a new one each time.
    const ids = sent.map(([, , options]) => options.messageId)
    for (const id of ids) expect(id).toMatch(/^3EB0[0-9A-F]{18}$/)
    expect(new Set(ids).size).toBe(2)
    // Tagged under a key kept in the session folder (the working directory's, as in the bot).
    expect((statSync(join('bot_sessions', SENT_IDS_KEY_FILE)).mode & 0o777).toString(8)).toBe('600')
    expect(sentIds({ keyPath: join('bot_sessions', SENT_IDS_KEY_FILE) }).isBotMessageId(ids[0])).toBe(true)
  })

  it('refuses with NotSent (disconnected) when WhatsApp is not connected: a campaign stops, a reply is logged as not sent', async () => {
    const whatsapp = await createWhatsApp({ logger: silentLogger, terminal: new PassThrough() })
    for (const to of ['5215512345678', '123456789012345@lid']) {
      const refused = whatsapp.messenger.send(to, 'hola')
      await expect(refused).rejects.toBeInstanceOf(NotSent)
      await expect(refused).rejects.toMatchObject({ reason: 'disconnected' })
    }
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

describe("the ids of the bot's messages", () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const session = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sent-ids-'))
    dirs.push(dir)
    return join(dir, 'bot_sessions', SENT_IDS_KEY_FILE)
  }
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

  it('are recognised from the key in the session folder, created 0600 at first use, even after a restart', () => {
    const keyPath = session()
    const ids = sentIds({ keyPath })
    expect(existsSync(keyPath)).toBe(false)
    const mine = Array.from({ length: 50 }, () => ids.next())
    expect(mode(keyPath)).toBe('600')
    expect(mode(dirname(keyPath))).toBe('700')
    expect(readFileSync(keyPath)).toHaveLength(32)
    for (const id of mine) expect(ids.isBotMessageId(id)).toBe(true)

    // A new process remembers nothing but the key.
    const restarted = sentIds({ keyPath })
    for (const id of mine) expect(restarted.isBotMessageId(id)).toBe(true)
    expect(new Set(mine).size).toBe(mine.length)
  })

  it('do not include ids the bot did not make, in any shape', () => {
    const ids = sentIds({ keyPath: session() })
    const mine = ids.next()
    for (let i = 0; i < 200; i++) expect(ids.isBotMessageId(generateMessageIDV2('34911222333:7@s.whatsapp.net'))).toBe(false)
    const forged = `${mine.slice(0, 14)}${mine.slice(14) === '00000000' ? '00000001' : '00000000'}`
    for (const id of [forged, mine.toLowerCase(), 'A5B1000000000000000000000000001', '3A1B2C3D4E5F60718293', '', undefined, 42, null])
      expect(ids.isBotMessageId(id)).toBe(false)
    // Another session's key makes other ids.
    expect(sentIds({ keyPath: session() }).isBotMessageId(mine)).toBe(false)
  })

  it('agree on one key when two processes start at once', () => {
    const keyPath = session()
    const first = sentIds({ keyPath })
    const second = sentIds({ keyPath })
    const a = first.next()
    const b = second.next()
    expect(first.isBotMessageId(b)).toBe(true)
    expect(second.isBotMessageId(a)).toBe(true)
    expect(readdirSync(dirname(keyPath))).toEqual([SENT_IDS_KEY_FILE])
  })

  it('get a new key when the kept one is damaged', () => {
    const keyPath = session()
    mkdirSync(dirname(keyPath), { recursive: true })
    writeFileSync(keyPath, 'not a key')
    const ids = sentIds({ keyPath })
    expect(ids.isBotMessageId(ids.next())).toBe(true)
    expect(readFileSync(keyPath)).toHaveLength(32)
    expect(mode(keyPath)).toBe('600')
  })

  it('are still told for this run when the key cannot be kept, and it is logged', () => {
    const lines: string[] = []
    const blocker = session()
    mkdirSync(dirname(dirname(blocker)), { recursive: true })
    writeFileSync(dirname(blocker), 'a file where the session folder should be')
    const ids = sentIds({ keyPath: blocker, log: createLogger('info', (line) => lines.push(line)) })
    const mine = ids.next()
    expect(ids.isBotMessageId(mine)).toBe(true)
    expect(lines.some((line) => line.includes('"event":"whatsapp.sent_ids_key_unavailable"'))).toBe(true)
  })
})
