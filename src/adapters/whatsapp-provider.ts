/**
 * The WhatsApp provider: BuilderBot's Baileys provider, tamed.
 *
 * - Its session folder and log are written to the working directory: the caller runs the
 *   process from `<data dir>/runtime` (git-ignored, private to the owner).
 * - Its constructor removes every SIGINT/SIGTERM/uncaughtException/unhandledRejection handler
 *   and installs its own: ours are put back so Ctrl-C flushes the database before exiting.
 * - Its log would hold message text: only its connection lines reach our log.
 * - It is started without BuilderBot's HTTP server (which would listen on every interface).
 * - Senders it reports as `…@lid` carry no phone number; replies to them go to the raw jid,
 *   which the provider's own sendMessage would mangle.
 */
import { Console } from 'node:console'
import { Writable } from 'node:stream'
import qrcode from 'qrcode-terminal'
import type { ProviderClass } from '@builderbot/bot'
import type { Logger } from '../app/logger.js'
import type { Messenger } from '../ports/messenger.js'

const GUARDED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'uncaughtException', 'unhandledRejection'] as const

interface BaileysInternals {
  initVendor(): Promise<unknown>
  listenOnEvents(vendor: unknown): void
  vendor?: { sendMessage(jid: string, content: { text: string }): Promise<unknown>; end?(error?: Error): void }
  logger: Console
  logStream?: { end(): void }
  cleanup?(): void
}

export interface WhatsAppOptions {
  /** Link by a code sent to this number instead of a QR code. */
  pairingPhone?: string
  logger: Logger
  /** Where the QR code is drawn (the terminal). */
  terminal: NodeJS.WritableStream
}

export interface WhatsApp {
  provider: ProviderClass
  messenger: Messenger
  /** Connects to WhatsApp (QR code or pairing code on first run). */
  connect(): Promise<void>
  stop(): void
}

export async function createWhatsApp(options: WhatsAppOptions): Promise<WhatsApp> {
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

  return {
    provider,
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
    async connect() {
      const events = await provider.initVendor()
      if (events) provider.listenOnEvents(events)
    },
    stop() {
      try {
        provider.vendor?.end?.(undefined)
      } catch {
        // already closed
      }
    },
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
