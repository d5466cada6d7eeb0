/**
 * Messages built the way Baileys builds them, fed to our WhatsApp wrapper on a fake socket.
 *
 * Where the shape comes from (node_modules/baileys/lib, 7.0.0-rc.9):
 * - Socket/messages-recv.js `handleMessage`: an incoming `<message>` stanza (a BinaryNode with
 *   attrs id, from, t, type, notify, participant/recipient, sender_pn/sender_lid/addressing_mode,
 *   offline) goes through `decryptMessageNode`, then `cleanMessage`, then
 *   `upsertMessage(msg, node.attrs.offline ? 'append' : 'notify')`.
 * - Utils/decode-wa-message.js `decodeMessageNode` builds the key (remoteJid, remoteJidAlt from
 *   sender_pn/sender_lid, fromMe, id) and `messageTimestamp: +attrs.t`; `decryptMessageNode`'s
 *   `decrypt()` decodes each `enc`/`plaintext` child with `proto.Message.decode` (unwrapping
 *   `deviceSentMessage`), and, when there is none or it fails, sets `messageStubType: CIPHERTEXT`
 *   with "Message absent from node" or the error.
 * - Utils/process-message.js `cleanMessage` normalises the jids (drops the device).
 * - Socket/chats.js `upsertMessage` emits `messages.upsert` `{ messages: [msg], type }`.
 * - Socket/messages-recv.js `handleCall` emits `call` `[{ chatId, from, id, date, offline, status, isVideo, isGroup }]`.
 * - Socket/messages-send.js `sendMessage` builds what the bot sends with Utils/messages.js
 *   `generateWAMessage` and, with `emitOwnEvents`, upserts it as 'append' once relayed (on the
 *   next tick, under the processing mutex): the fake vendor does the same with Baileys' own
 *   `generateWAMessage`. (BuilderBot turns emitOwnEvents off; the echo is the worst case.)
 * Here the content is sent as a `plaintext` child (the branch that needs no Signal session) and
 * run through Baileys' own exported `decryptMessageNode` and `cleanMessage`; only the socket is
 * fake (an EventEmitter returned by the wrapper's `initVendor`, as in whatsapp-provider.test.ts).
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { cleanMessage, decryptMessageNode, generateWAMessage, proto, type BinaryNode, type WAMessage } from 'baileys'
import { afterEach } from 'vitest'
import { createWhatsApp, type WhatsApp } from '../../src/adapters/whatsapp-provider.js'
import { startBot, type BotOptions, type RunningBot } from '../../src/main/bot.js'
import { whatsappOutreach } from '../../src/main/whatsapp-outreach.js'
import { createLogger, silentLogger, type Logger } from '../../src/app/logger.js'
import type { Inbound } from '../../src/ports/inbound-source.js'
import type { StaffMessage } from '../../src/ports/staff.js'
import { ROOT, removeDir, storageFor, tempDir } from './chat.js'

/** The bot's own WhatsApp account (as Baileys keeps it in creds.me): a companion device of the business phone. */
export const ME = { id: '34911222333:7@s.whatsapp.net', lid: '210987654321098:7@lid', phone: '34911222333' }

/** One incoming `<message>` stanza, as WhatsApp's server sends it to a linked device. */
export interface StanzaSpec {
  id: string
  /** The sender (a chat) or the group / broadcast / channel; with a device (`:N`) as the server writes it. */
  from: string
  /** Seconds since the epoch. */
  t?: number
  type?: 'text' | 'media' | 'reaction' | 'poll' | 'event'
  notify?: string
  participant?: string
  /** Set on messages the business's own phone sent to `recipient`. */
  recipient?: string
  sender_pn?: string
  sender_lid?: string
  /** On a message the business sent: the recipient's other address (read into remoteJidAlt when no sender_pn/sender_lid). */
  peer_recipient_pn?: string
  peer_recipient_lid?: string
  addressing_mode?: 'pn' | 'lid'
  /** Delivered from the backlog after a reconnect: Baileys upserts it as 'append'. */
  offline?: boolean
  /**
   * The WAProto message (`proto.Message.fromObject` input); 'absent' for a stanza with nothing to
   * decrypt (Baileys' "Message absent from node"); 'undecryptable' for an `enc` child Signal cannot
   * decrypt (a Bad MAC). Both become CIPHERTEXT stubs.
   */
  content: Record<string, unknown> | 'absent' | 'undecryptable'
}

/** Baileys' `call` event entry (lib/Types/Call.d.ts WACallEvent). */
export interface CallSpec {
  chatId: string
  from: string
  id: string
  date: Date
  offline: boolean
  status: 'offer' | 'ringing' | 'timeout' | 'reject' | 'accept' | 'terminate'
  isVideo?: boolean
  isGroup?: boolean
}

export function stanzaOf(spec: StanzaSpec): BinaryNode {
  const attrs: Record<string, string> = { id: spec.id, from: spec.from, t: String(spec.t ?? 1_767_000_000), type: spec.type ?? 'text' }
  const named = [
    'notify',
    'participant',
    'recipient',
    'sender_pn',
    'sender_lid',
    'peer_recipient_pn',
    'peer_recipient_lid',
    'addressing_mode',
  ] as const
  for (const name of named) {
    if (spec[name] !== undefined) attrs[name] = spec[name]!
  }
  if (spec.offline) attrs.offline = '1'
  const content: BinaryNode[] =
    spec.content === 'absent'
      ? []
      : spec.content === 'undecryptable'
        ? [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: new Uint8Array([1, 2, 3, 4]) }]
        : [{ tag: 'plaintext', attrs: {}, content: proto.Message.encode(proto.Message.fromObject(spec.content)).finish() }]
  return { tag: 'message', attrs, content }
}

const quiet = { level: 'silent', trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet }

/**
 * What `decryptMessageNode` touches of Baileys' signal repository for these stanzas: the LID
 * lookup (`getDecryptionJid`), the mapping store and session migration (`storeMappingFromEnvelope`,
 * `enc` only), sender keys riding along, and a decryption that fails as a Bad MAC does.
 */
const repository = {
  lidMapping: { getLIDForPN: async () => undefined, storeLIDPNMappings: async () => {} },
  migrateSession: async () => {},
  processSenderKeyDistributionMessage: async () => {},
  decryptMessage: async () => {
    throw new Error('Bad MAC')
  },
  decryptGroupMessage: async () => {
    throw new Error('No session found to decrypt message')
  },
}

/** The message Baileys would upsert for this stanza, and the upsert's type. */
export async function baileysMessage(spec: StanzaSpec): Promise<{ messages: WAMessage[]; type: 'notify' | 'append' }> {
  const stanza = stanzaOf(spec)
  const { fullMessage, decrypt } = decryptMessageNode(stanza, ME.id, ME.lid, repository as never, quiet as never)
  await decrypt()
  cleanMessage(fullMessage, ME.id, ME.lid)
  return { messages: [fullMessage], type: stanza.attrs.offline ? 'append' : 'notify' }
}

/**
 * A placeholder resend as Baileys rc.9 emits it (lib/Utils/process-message.js,
 * PEER_DATA_OPERATION_REQUEST_RESPONSE_MESSAGE): the WebMessageInfo bytes in the response are
 * decoded as they are, whoever wrote them, and upserted with the request's id. `merged`: as it
 * comes out of the event buffer when merged with other messages, which loses the requestId.
 */
export interface ResendSpec {
  key: { remoteJid: string; fromMe: boolean; id: string }
  t: number
  content: Record<string, unknown>
  merged?: boolean
}

export function resendUpsert(spec: ResendSpec): { messages: WAMessage[]; type: 'notify'; requestId?: string } {
  const bytes = proto.WebMessageInfo.encode({ key: spec.key, messageTimestamp: spec.t, message: spec.content }).finish()
  const message = proto.WebMessageInfo.decode(bytes) as unknown as WAMessage
  return spec.merged ? { messages: [message], type: 'notify' } : { messages: [message], type: 'notify', requestId: '3EB0PDO00000000000001' }
}

/** The jid Baileys is asked to send to for a contact address. */
export const jidOf = (contact: string) => (contact.includes('@') ? contact : `${contact}@s.whatsapp.net`)

/** The business's own jid as the server writes it on what its phone sent: the phone is device 0, written without `:0`. */
const businessJid = (lid: boolean) => (lid ? `${ME.lid.split(':')[0]}@lid` : `${ME.phone}@s.whatsapp.net`)

/**
 * A message the business's staff sent from its phone to `contact` (digits or a jid), as the server
 * hands it to this linked device: `from` the business's own jid (its LID in a LID chat),
 * `recipient` the contact, and the content as the phone encrypts it for its own devices, in a
 * `deviceSentMessage { destinationJid, message }` (what Baileys itself does for its own devices,
 * Socket/messages-send.js `relayMessage` `meMsg`; decode-wa-message.js `decrypt()` unwraps it).
 * `content`: a text, or a WAProto message. `alt`: the contact's other address, as the server
 * adds it (`peer_recipient_lid` / `peer_recipient_pn`, read into key.remoteJidAlt).
 */
export function staffStanza(
  contact: string,
  content: string | Record<string, unknown>,
  id: string,
  extra: Partial<StanzaSpec> & { alt?: string } = {},
): StanzaSpec {
  const { alt, ...rest } = extra
  const recipient = jidOf(contact)
  const lid = recipient.endsWith('@lid')
  const message = typeof content === 'string' ? { conversation: content } : content
  return {
    id,
    from: businessJid(lid),
    recipient,
    t: 1_767_000_000,
    content: { deviceSentMessage: { destinationJid: recipient, message } },
    ...(alt ? (lid ? { peer_recipient_pn: jidOf(alt) } : { peer_recipient_lid: alt }) : {}),
    ...rest,
  }
}

/** An event on Baileys' socket: a message stanza, a placeholder resend, a call, or a LID learned. */
export type SocketEvent =
  | { stanza: StanzaSpec }
  | { resend: ResendSpec }
  | { call: CallSpec[] }
  | { lidMapping: { lid: string; pn: string } }
  /** A text the staff sent from the business's phone (staffStanza). */
  | { staff: { contact: string; text: string; id: string } }

export interface FakeWhatsApp {
  whatsapp: WhatsApp
  socket: EventEmitter
  /** Everything sent through Baileys' `sendMessage`: the jid, the text and the message id the bot chose. */
  sent: { jid: string; text: string; id?: string }[]
  /** Emits the event on the socket as Baileys would (messages decrypted and cleaned by Baileys' own code). */
  emit(event: SocketEvent): Promise<void>
  /** Resolves once the socket has echoed every message sent so far (as emitOwnEvents does). */
  echoed(): Promise<void>
  /** Numbers WhatsApp knows no account for: `onWhatsApp` leaves them out of its answer. */
  notOnWhatsApp: Set<string>
}

/**
 * Our WhatsApp wrapper, connected to a fake socket; replies are recorded and echoed on the socket
 * as Baileys' emitOwnEvents does, nothing reaches the network. It runs in the working directory
 * (each test worker has its own, test/setup/cwd.ts), whose session folder holds the sent-ids key.
 */
export async function fakeWhatsApp(logger: Logger = silentLogger): Promise<FakeWhatsApp> {
  const whatsapp = await createWhatsApp({ logger, terminal: new PassThrough(), schedule: () => () => {} })
  const sent: FakeWhatsApp['sent'] = []
  const echoes: Promise<void>[] = []
  const notOnWhatsApp = new Set<string>()
  const socket = new EventEmitter()
  const internals = whatsapp.provider as unknown as { initVendor(): Promise<EventEmitter>; vendor: unknown }
  internals.initVendor = async () => socket
  internals.vendor = {
    user: { id: ME.id, lid: ME.lid, name: 'Tienda' },
    // Baileys' onWhatsApp (lib/Socket/socket.js): a USync query whose answer lists only the numbers
    // with an account, `{ jid, exists: true }`, in WhatsApp's form (a Mexican mobile with its 1).
    onWhatsApp: async (...numbers: string[]) =>
      numbers
        .map((n) => n.replace('+', '').split('@')[0]!)
        .filter((n) => !notOnWhatsApp.has(n))
        .map((n) => ({ jid: `${/^52\d{10}$/.test(n) ? `521${n.slice(2)}` : n}@s.whatsapp.net`, exists: true })),
    sendMessage: async (jid: string, content: { text: string }, options?: { messageId?: string }) => {
      sent.push({ jid, text: content.text, id: options?.messageId })
      const message = await generateWAMessage(jid, content, { userJid: ME.id, messageId: options?.messageId } as never)
      echoes.push(
        new Promise<void>((resolve) =>
          process.nextTick(() => {
            socket.emit('messages.upsert', { type: 'append', messages: [message] })
            resolve()
          }),
        ),
      )
      return { key: { remoteJid: jid, fromMe: true, id: options?.messageId } }
    },
  }
  await whatsapp.connect()
  return {
    whatsapp,
    socket,
    sent,
    notOnWhatsApp,
    async emit(event) {
      if ('stanza' in event) socket.emit('messages.upsert', await baileysMessage(event.stanza))
      else if ('staff' in event)
        socket.emit('messages.upsert', await baileysMessage(staffStanza(event.staff.contact, event.staff.text, event.staff.id)))
      else if ('resend' in event) socket.emit('messages.upsert', resendUpsert(event.resend))
      else if ('call' in event) socket.emit('call', event.call)
      else socket.emit('lid-mapping.update', event.lidMapping)
    },
    async echoed() {
      await Promise.all(echoes)
    },
  }
}

/** Collects what `whatsapp.inbound` delivers. */
export function collect(whatsapp: WhatsApp): { messages: Inbound[]; links: { lid: string; phone: string }[]; staff: StaffMessage[] } {
  const messages: Inbound[] = []
  const links: { lid: string; phone: string }[] = []
  const staff: StaffMessage[] = []
  whatsapp.inbound.onMessage((inbound) => messages.push(inbound))
  whatsapp.inbound.onLink?.((link) => links.push(link))
  whatsapp.inbound.onStaffMessage?.((message) => staff.push(message))
  return { messages, links, staff }
}

export interface RealWhatsAppBot {
  bot: RunningBot
  fake: FakeWhatsApp
  dataDir: string
  logLines: string[]
  /** Emits the events on the socket, waits until the bot has handled them, and returns what it sent to `contact`. */
  send(contact: string, ...events: SocketEvent[]): Promise<string[]>
}

/**
 * The real bot (owner files flows/ and locales/, a temporary data directory) on our WhatsApp
 * wrapper with a fake socket; closed and removed after each test.
 */
export function realWhatsAppBots(
  options: { flowsDir?: string; localesDir?: string } = {},
): (overrides?: Partial<Omit<BotOptions, 'provider'>>) => Promise<RealWhatsAppBot> {
  const opened: { bot: RunningBot; dataDir: string }[] = []
  afterEach(async () => {
    for (const { bot, dataDir } of opened.splice(0)) {
      await bot.close().catch(() => {})
      removeDir(dataDir)
    }
  })
  // `overrides`: another clock, the data folder of a bot closed before (a restart), staff settings.
  return async (overrides = {}) => {
    const logLines: string[] = []
    const logger = createLogger('debug', (line) => logLines.push(line))
    const fake = await fakeWhatsApp(logger)
    const dataDir = overrides.dataDir ?? tempDir()
    const bot = await startBot({
      flowsDir: options.flowsDir ?? join(ROOT, 'flows'),
      localesDir: options.localesDir ?? join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider: fake.whatsapp.provider,
      inbound: fake.whatsapp.inbound,
      messenger: fake.whatsapp.messenger,
      // As npm start -- --provider whatsapp wires it.
      outreach: () => whatsappOutreach(fake.whatsapp),
      logger,
      // The project's store (the data folder's files, or a database of this folder's own).
      storage: await storageFor(dataDir),
      ...overrides,
    })
    opened.push({ bot, dataDir })
    return {
      bot,
      fake,
      dataDir,
      logLines,
      async send(contact, ...events) {
        const before = fake.sent.length
        for (const event of events) await fake.emit(event)
        await bot.settled()
        return fake.sent
          .slice(before)
          .filter((m) => m.jid === jidOf(contact))
          .map((m) => m.text)
      },
    }
  }
}
