/**
 * The WhatsApp provider: BuilderBot's Baileys provider, tamed, and Baileys' socket read by us.
 *
 * - Messages are read from Baileys' socket, not from BuilderBot: its `messages.upsert` handler
 *   ignores the backlog delivered after a reconnect (Baileys' `type: 'append'`), reads text only
 *   from two fields, answers decryption placeholders, and keeps a ten-entry duplicate list; its
 *   `messages.update` (poll votes) and `call` handlers speak for contacts too. Those three are
 *   switched off; BuilderBot keeps the connection, the QR code or pairing code, and sending.
 *   Here every message of every `messages.upsert` batch ('notify' and 'append') is read by
 *   `readBaileysMessage` (baileys-inbound.ts), a call offer becomes a message the bot answers
 *   (it reads text only), and `lid-mapping.update` links a `…@lid` to its phone number. They
 *   reach the engine through `inbound`, an InboundSource.
 * - Its session folder and log are written to the working directory: the caller runs the
 *   process from `<data dir>/runtime` (git-ignored, private to the owner).
 * - Its constructor removes every SIGINT/SIGTERM/uncaughtException/unhandledRejection handler
 *   and installs its own: ours are put back so Ctrl-C flushes the database before exiting.
 * - Its log would hold message text: only its connection lines reach our log.
 * - It is started without BuilderBot's HTTP server (which would listen on every interface).
 * - Senders it reports as `…@lid` carry no phone number; replies to them go to the raw jid,
 *   which the provider's own sendMessage would mangle.
 * - It gives up reconnecting after 10 attempts, and on a logged-out session empties the session
 *   folder and starts over with a new QR code nobody may be watching. Here every disconnect is
 *   retried with capped exponential backoff, forever; a logged-out session tells the owner what
 *   to do and resolves `loggedOut` (the CLI then exits non-zero instead of looping).
 * - The session folder holds the keys to the bot's WhatsApp account: it is kept 0700 and its
 *   files 0600 (a umask of 077 for the process, and existing ones tightened at start).
 */
import { chmodSync, readdirSync, statSync } from 'node:fs'
import { Console } from 'node:console'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import qrcode from 'qrcode-terminal'
import type { ProviderClass } from '@builderbot/bot'
import type { Logger } from '../ports/logger.js'
import type { Messenger } from '../ports/messenger.js'
import type { AddressLink, Inbound, InboundSource } from '../ports/inbound-source.js'
import { readBaileysCall, readBaileysMessage, readLidMapping, type BaileysCall } from './baileys-inbound.js'
import { lidMappingReader } from './baileys-lid-mapping.js'

const GUARDED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'uncaughtException', 'unhandledRejection'] as const

/** Baileys' socket events (its `sock.ev`), as far as the wrapper listens to them. */
interface SocketEvents {
  on(event: 'connection.update', listener: (update: ConnectionUpdate) => void): void
  on(event: 'messages.upsert', listener: (upsert: { messages?: unknown; type?: unknown; requestId?: unknown }) => void): void
  on(event: 'call', listener: (calls: unknown) => void): void
  on(event: 'lid-mapping.update', listener: (mapping: unknown) => void): void
}

/** BuilderBot's handlers of these socket events are not installed: the wrapper reads them itself. */
const EVENTS_READ_HERE = new Set<string | number | symbol>(['messages.upsert', 'messages.update', 'call'])

interface ConnectionUpdate {
  connection?: 'open' | 'connecting' | 'close'
  lastDisconnect?: { error?: { output?: { statusCode?: number } } }
}

interface BaileysInternals {
  initVendor(): Promise<SocketEvents | undefined>
  listenOnEvents(vendor: SocketEvents): void
  // biome-ignore lint/complexity/noBannedTypes: the signature BuilderBot's ProviderClass declares
  busEvents(): { event: string | number | symbol; func: Function }[]
  shouldReconnect(statusCode?: number): boolean
  delayedReconnect(): Promise<void>
  vendor?: { sendMessage(jid: string, content: { text: string }): Promise<unknown>; end?(error?: Error): void }
  logger: Console
  logStream?: { end(): void }
  cleanup?(): void
}

/** Baileys' DisconnectReason codes, named in our log lines. */
const DISCONNECT_REASONS: Record<number, string> = {
  401: 'loggedOut',
  403: 'forbidden',
  408: 'connectionLost',
  411: 'multideviceMismatch',
  428: 'connectionClosed',
  440: 'connectionReplaced',
  500: 'badSession',
  503: 'unavailableService',
  515: 'restartRequired',
}
const LOGGED_OUT = 401

/** The folder Baileys keeps the session in, relative to the working directory (`<name>_sessions`). */
const SESSION_FOLDER = 'bot_sessions'

export interface Backoff {
  /** Wait before the first reconnection attempt; each further one waits twice as long… */
  firstMs: number
  /** …up to this. */
  maxMs: number
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 60_000 }

export interface WhatsAppOptions {
  /** Link by a code sent to this number instead of a QR code. */
  pairingPhone?: string
  logger: Logger
  /** Where the QR code is drawn (the terminal). */
  terminal: NodeJS.WritableStream
  backoff?: Backoff
  /** Runs `task` after `ms`; returns a cancel function (a timer; injectable for tests). */
  schedule?: (task: () => void, ms: number) => () => void
}

export interface WhatsApp {
  provider: ProviderClass
  messenger: Messenger
  /** Contacts' messages and calls, read from Baileys' socket, and the address links it learns. */
  inbound: InboundSource
  /** Connects to WhatsApp (QR code or pairing code on first run). */
  connect(): Promise<void>
  /** Resolves, with what to tell the owner, when WhatsApp has logged the bot out: it will not reconnect. */
  loggedOut: Promise<string>
  /** Disconnects and stops reconnecting. */
  stop(): void
}

const timer = (task: () => void, ms: number) => {
  const id = setTimeout(task, ms)
  return () => clearTimeout(id)
}

export async function createWhatsApp(options: WhatsAppOptions): Promise<WhatsApp> {
  // Set before Baileys opens anything (its log file at construction, the session at connect).
  process.umask(0o077)
  const sessionDir = resolve(SESSION_FOLDER)
  tightenSession(sessionDir)
  const { BaileysProvider } = await import('@builderbot/provider-baileys')
  const saved = GUARDED_EVENTS.map((event) => [event, process.listeners(event as NodeJS.Signals)] as const)
  const provider = new BaileysProvider({
    name: 'bot',
    groupsIgnore: true,
    readStatus: false,
    ...(options.pairingPhone ? { usePairingCode: true, phoneNumber: options.pairingPhone } : {}),
  }) as unknown as ProviderClass & BaileysInternals
  for (const [event, listeners] of saved) {
    process.removeAllListeners(event)
    for (const listener of listeners) process.on(event, listener as never)
  }
  const log = options.logger
  provider.logStream?.end()
  provider.logger = connectionLog(log)

  provider.on('require_action', ((payload: { title?: string; instructions?: string[]; payload?: { qr?: string; code?: string } }) => {
    if (payload.payload?.qr) {
      options.terminal.write('\nScan this QR code with WhatsApp (Settings → Linked devices → Link a device):\n')
      qrcode.generate(payload.payload.qr, { small: true }, (drawing: string) => options.terminal.write(`${drawing}\n`))
    } else if (payload.payload?.code) {
      options.terminal.write(`\nOn the phone, WhatsApp → Linked devices → Link with phone number, and enter: ${payload.payload.code}\n`)
    }
    log.info('whatsapp.action_required', { kind: payload.payload?.qr ? 'qr' : 'pairing-code' })
  }) as never)
  provider.on('ready', (() => log.info('whatsapp.ready')) as never)
  provider.on('auth_failure', ((instructions: unknown) => {
    log.error('whatsapp.auth_failure', { detail: Array.isArray(instructions) ? String(instructions[0]) : undefined })
    options.terminal.write(
      '\nWhatsApp could not connect. If the phone unlinked this bot, delete the folder runtime/bot_sessions in the data directory and start again to scan a new QR code.\n',
    )
  }) as never)

  // Reconnecting is ours: Baileys' own loop is switched off (it would stop after 10 attempts,
  // and call it a critical error), and ours listens to every socket Baileys opens.
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const schedule = options.schedule ?? timer
  let attempts = 0
  let cancelRetry: (() => void) | undefined
  let stopped = false
  let reportLoggedOut!: (message: string) => void
  const loggedOut = new Promise<string>((resolve) => (reportLoggedOut = resolve))

  const open = async () => {
    const events = await provider.initVendor()
    // Baileys reports a socket it could not build with auth_failure and returns nothing: try again.
    if (events) provider.listenOnEvents(events)
    else retry(undefined)
  }
  const retry = (status: number | undefined) => {
    if (stopped || cancelRetry) return
    attempts += 1
    const delayMs = Math.min(backoff.firstMs * 2 ** (attempts - 1), backoff.maxMs)
    log.warn('whatsapp.reconnecting', {
      attempt: attempts,
      delayMs,
      status: status ?? null,
      reason: (status && DISCONNECT_REASONS[status]) ?? 'unknown',
    })
    cancelRetry = schedule(() => {
      cancelRetry = undefined
      if (!stopped)
        void open().catch((error: unknown) => {
          log.error('whatsapp.connect_failed', { attempt: attempts, error: (error as Error)?.message ?? String(error) })
          retry(undefined)
        })
    }, delayMs)
  }
  const onConnection = (update: ConnectionUpdate) => {
    if (update.connection === 'open') attempts = 0
    if (update.connection !== 'close' || stopped) return
    const status = update.lastDisconnect?.error?.output?.statusCode
    if (status === LOGGED_OUT) {
      stopped = true
      cancelRetry?.()
      log.error('whatsapp.logged_out', { status })
      reportLoggedOut(loggedOutMessage(sessionDir))
      return
    }
    retry(status)
  }
  provider.shouldReconnect = () => true
  provider.delayedReconnect = async () => {}
  const listenOnEvents = provider.listenOnEvents.bind(provider)
  const busEvents = provider.busEvents.bind(provider)
  provider.busEvents = () => busEvents().filter(({ event }) => !EVENTS_READ_HERE.has(event))
  const inbound = socketSource(log, lidMappingReader(sessionDir))
  provider.listenOnEvents = (events) => {
    listenOnEvents(events)
    events.on('connection.update', onConnection)
    inbound.listen(events)
  }

  return {
    provider,
    inbound: inbound.source,
    loggedOut,
    messenger: {
      async send(contact, text) {
        if (contact.includes('@')) {
          if (!provider.vendor) throw new Error('WhatsApp is not connected')
          await provider.vendor.sendMessage(contact, { text })
        } else {
          await provider.sendMessage(contact, text, {})
        }
      },
    },
    connect: open,
    stop() {
      stopped = true
      cancelRetry?.()
      try {
        provider.vendor?.end?.(undefined)
      } catch {
        // already closed
      }
    },
  }
}

/**
 * Contacts' messages, calls and address links from every socket Baileys opens, for whoever
 * listens. Nothing thrown while reading one message stops the others (Baileys emits a batch),
 * nor reaches Baileys' event loop; a log line says one was lost, without its content.
 */
function socketSource(
  log: Logger,
  numberOf: (lid: string) => Promise<string | undefined>,
): { source: InboundSource; listen(events: SocketEvents): void } {
  const messageListeners = new Set<(inbound: Inbound) => void>()
  const linkListeners = new Set<(link: AddressLink) => void>()
  const deliver = (read: () => Inbound | undefined) => {
    try {
      const inbound = read()
      if (!inbound) return false
      for (const listener of messageListeners) listener(inbound)
      return true
    } catch (error) {
      log.error('message.unreadable', { error: (error as Error)?.message ?? String(error) })
      return false
    }
  }
  return {
    source: {
      onMessage(listener) {
        messageListeners.add(listener)
        return () => void messageListeners.delete(listener)
      },
      onLink(listener) {
        linkListeners.add(listener)
        return () => void linkListeners.delete(listener)
      },
      numberOf,
    },
    listen(events) {
      events.on('messages.upsert', (upsert) => {
        // A placeholder resend (the phone sending again a message hidden from linked devices)
        // carries a requestId: Baileys before 7.0.0-rc12 (BuilderBot pins rc.9) lets anyone forge
        // one with any sender and text (GHSA-qvv5-jq5g-4cgg), and a forged "sí" must never become
        // someone's consent. readBaileysMessage also tells it by its key.
        if (upsert?.requestId !== undefined && upsert?.requestId !== null) {
          log.warn('whatsapp.resend_ignored', { messages: Array.isArray(upsert.messages) ? upsert.messages.length : 0 })
          return
        }
        const messages: unknown[] = Array.isArray(upsert?.messages) ? upsert.messages : []
        let read = 0
        for (const message of messages) if (deliver(() => readBaileysMessage(message as never))) read += 1
        log.debug('whatsapp.messages', { type: String(upsert?.type), received: messages.length, read })
      })
      events.on('call', (calls) => {
        for (const call of Array.isArray(calls) ? calls : []) deliver(() => readBaileysCall(call as BaileysCall))
      })
      events.on('lid-mapping.update', (mapping) => {
        try {
          const link = readLidMapping(mapping)
          if (link) for (const listener of linkListeners) listener(link)
        } catch (error) {
          log.error('link.unreadable', { error: (error as Error)?.message ?? String(error) })
        }
      })
    },
  }
}

/** What the owner reads when WhatsApp has logged the bot out. */
function loggedOutMessage(sessionDir: string): string {
  return [
    'WhatsApp has logged this bot out: the phone unlinked it (Linked devices → Log out), or the session expired.',
    'The saved session can no longer be used, and the bot has stopped. To link it again:',
    `  1. Delete the folder ${sessionDir} (if it is still there).`,
    '  2. Start the bot again and scan the new QR code with WhatsApp (Settings → Linked devices → Link a device),',
    "     or start it with --pairing-code <the bot's number> to link it with a code instead.",
    'Consents, channels and conversations are kept: only the link to WhatsApp was lost.',
  ].join('\n')
}

/** A session folder written before (or by another umask) is made private again. */
function tightenSession(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) return
  } catch {
    return // not there yet: Baileys creates it under our umask
  }
  chmodSync(dir, 0o700)
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    chmodSync(path, statSync(path).isDirectory() ? 0o700 : 0o600)
  }
}

/**
 * Baileys' own log, reduced to the lines about the connection (opened, closed with a status,
 * logged out, retrying), which say nothing about contacts. Everything else, which can include
 * whole messages, is dropped.
 */
function connectionLog(log: Logger): Console {
  const CONNECTION = /(Connection (update|closed|opened)[^\n]*|Logged out[^\n]*|Critical error[^\n]*|[Rr]econnect[^\n]*)/
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = CONNECTION.exec(String(chunk))?.[1]
      if (line) log.info('whatsapp.connection', { detail: line.slice(0, 200) })
      done()
    },
  })
  return new Console({ stdout: sink, stderr: sink })
}
