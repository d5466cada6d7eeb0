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
 *   (it reads text only), and `lid-mapping.update` links a `…@lid` to its phone number. What the
 *   business's staff send from its own WhatsApp is read by `readBaileysStaffMessage`
 *   (baileys-staff.ts). They reach the engine through `inbound`, an InboundSource.
 * - Every message the bot sends carries an id it made (whatsapp-sent-ids.ts), so that its own
 *   messages are never taken for the staff's, even after a restart.
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
 *
 * The parts have their files: the socket read by us (whatsapp-socket-source.ts), reconnecting
 * (whatsapp-reconnect.ts), the session folder's permissions (whatsapp-session.ts) and the log
 * filter (whatsapp-log.ts). This one builds the provider, tames it and wires them together.
 */
import { join, resolve } from 'node:path'
import qrcode from 'qrcode-terminal'
import type { ProviderClass } from '@builderbot/bot'
import type { Logger } from '../ports/logger.js'
import { NotSent, type Messenger } from '../ports/messenger.js'
import type { InboundSource } from '../ports/inbound-source.js'
import { lidMappingReader } from './baileys-lid-mapping.js'
import type { OwnAccount } from './baileys-staff.js'
import { connectionLog } from './whatsapp-log.js'
import { type Backoff, reconnector } from './whatsapp-reconnect.js'
import { SESSION_FOLDER, tightenSession } from './whatsapp-session.js'
import { SENT_IDS_KEY_FILE, sentIds } from './whatsapp-sent-ids.js'
import { EVENTS_READ_HERE, socketSource, type SocketEvents } from './whatsapp-socket-source.js'

export { type Backoff, DEFAULT_BACKOFF } from './whatsapp-reconnect.js'

const GUARDED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'uncaughtException', 'unhandledRejection'] as const

interface BaileysInternals {
  initVendor(): Promise<SocketEvents | undefined>
  listenOnEvents(vendor: SocketEvents): void
  // biome-ignore lint/complexity/noBannedTypes: the signature BuilderBot's ProviderClass declares
  busEvents(): { event: string | number | symbol; func: Function }[]
  shouldReconnect(statusCode?: number): boolean
  delayedReconnect(): Promise<void>
  vendor?: {
    /** Baileys' `sock.sendMessage`: options are its MiscMessageGenerationOptions (`messageId` among them). */
    sendMessage(jid: string, content: { text: string }, options: { messageId: string }): Promise<unknown>
    /** Baileys' `sock.user` (creds.me): the bot's own account. */
    user?: OwnAccount
    updateProfileStatus?(status: string): Promise<unknown>
    /** Baileys' `sock.onWhatsApp` (lib/Socket/socket.js): the numbers that have an account, each `{ jid, exists: true }`. */
    onWhatsApp?(...phoneNumbers: string[]): Promise<{ jid: string; exists: boolean }[] | undefined>
    end?(error?: Error): void
  }
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
  backoff?: Backoff
  /** Runs `task` after `ms`; returns a cancel function (a timer; injectable for tests). */
  schedule?: (task: () => void, ms: number) => () => void
  /**
   * The profile's About text, set each time the connection opens: the place WhatsApp gives a
   * business to describe itself, so a short form of the notice with its link goes there.
   */
  about?: string
}

/** Baileys' DisconnectReason.connectionClosed: what a send on a closed socket is refused with. */
const CONNECTION_CLOSED = 428

export interface WhatsApp {
  provider: ProviderClass
  messenger: Messenger
  /** Contacts' messages and calls, the staff's messages, read from Baileys' socket, and the address links it learns. */
  inbound: InboundSource
  /** Connects to WhatsApp (QR code or pairing code on first run). */
  connect(): Promise<void>
  /** Resolves, with what to tell the owner, when WhatsApp has logged the bot out: it will not reconnect. */
  loggedOut: Promise<string>
  /**
   * Asks WhatsApp whether a number has an account (Baileys' `onWhatsApp`, a USync query): the
   * number as WhatsApp writes it, or null when it has none. NotSent('disconnected') without a
   * connection.
   */
  reach(phone: string): Promise<string | null>
  /** Disconnects and stops reconnecting. */
  stop(): void
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
  provider.on('ready', (() => {
    log.info('whatsapp.ready')
    const about = options.about
    if (about === undefined) return
    // Set again on every connection: it is the owner's text, and a reconnection costs one call.
    void Promise.resolve(provider.vendor?.updateProfileStatus?.(about)).then(
      () => log.info('whatsapp.about_set', { characters: about.length }),
      (error: unknown) => log.warn('whatsapp.about_failed', { error: (error as Error)?.message ?? String(error) }),
    )
  }) as never)
  provider.on('auth_failure', ((instructions: unknown) => {
    log.error('whatsapp.auth_failure', { detail: Array.isArray(instructions) ? String(instructions[0]) : undefined })
    options.terminal.write(
      '\nWhatsApp could not connect. If the phone unlinked this bot, delete the folder runtime/bot_sessions in the data directory and start again to scan a new QR code.\n',
    )
  }) as never)

  // Reconnecting is ours: Baileys' own loop is switched off (it would stop after 10 attempts,
  // and call it a critical error), and ours listens to every socket Baileys opens.
  const open = async () => {
    const events = await provider.initVendor()
    // Baileys reports a socket it could not build with auth_failure and returns nothing: try again.
    if (events) provider.listenOnEvents(events)
    else reconnect.retry(undefined)
  }
  const reconnect = reconnector({ open, log, sessionDir, backoff: options.backoff, schedule: options.schedule })
  provider.shouldReconnect = () => true
  provider.delayedReconnect = async () => {}
  const listenOnEvents = provider.listenOnEvents.bind(provider)
  const busEvents = provider.busEvents.bind(provider)
  provider.busEvents = () => busEvents().filter(({ event }) => !EVENTS_READ_HERE.has(event))
  const ids = sentIds({ keyPath: join(sessionDir, SENT_IDS_KEY_FILE), log })
  const inbound = socketSource(log, lidMappingReader(sessionDir), {
    isBotMessageId: ids.isBotMessageId,
    account: () => provider.vendor?.user,
  })
  provider.listenOnEvents = (events) => {
    listenOnEvents(events)
    events.on('connection.update', reconnect.onConnection)
    inbound.listen(events)
  }

  return {
    provider,
    inbound: inbound.source,
    loggedOut: reconnect.loggedOut,
    messenger: {
      // Straight through Baileys, not BuilderBot's sendMessage: it takes no message id, and would
      // mangle a `…@lid`. Numbers go to `<digits>@s.whatsapp.net`, as BuilderBot writes them.
      // No connection (none yet, or Baileys' "Connection Closed", a Boom with status 428): NotSent,
      // so a campaign stops and says so instead of counting failures.
      async send(contact, text) {
        const vendor = provider.vendor
        if (!vendor) throw new NotSent('disconnected')
        try {
          await vendor.sendMessage(contact.includes('@') ? contact : `${contact}@s.whatsapp.net`, { text }, { messageId: ids.next() })
        } catch (error) {
          if ((error as { output?: { statusCode?: number } })?.output?.statusCode === CONNECTION_CLOSED) throw new NotSent('disconnected')
          throw error
        }
      },
    },
    // Baileys answers only the numbers that have an account ({ jid, exists: true }), in its own form.
    async reach(phone) {
      const vendor = provider.vendor
      if (!vendor?.onWhatsApp) throw new NotSent('disconnected')
      let found: { jid: string; exists: boolean }[] | undefined
      try {
        found = await vendor.onWhatsApp(phone)
      } catch (error) {
        if ((error as { output?: { statusCode?: number } })?.output?.statusCode === CONNECTION_CLOSED) throw new NotSent('disconnected')
        throw error
      }
      const account = found?.find((f) => f.exists)
      return account ? account.jid.split('@')[0]!.split(':')[0]! : null
    },
    connect: open,
    stop() {
      reconnect.stop()
      try {
        provider.vendor?.end?.(undefined)
      } catch {
        // already closed
      }
    },
  }
}
