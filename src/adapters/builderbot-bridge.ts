/**
 * The bridge between a BuilderBot provider (Baileys, the console, TestTool.TestProvider) and
 * the engine. It listens to the provider's `message` events itself instead of using BuilderBot's
 * keyword flows: those drop a contact's third quick message, run one contact's messages in
 * parallel once a step is slow, and keep their state in memory only.
 */
import { randomUUID } from 'node:crypto'
import type { ProviderClass } from '@builderbot/bot'
import type { DeliveryStatus, Inbound, InboundSource, PreferenceChange } from '../ports/inbound-source.js'
import type { Messenger } from '../ports/messenger.js'
import { silentLogger, type Logger } from '../ports/logger.js'
import type { StaffMessage } from '../ports/staff.js'

/**
 * The part of a provider's message payload the bridge reads. Nothing in it is trusted: any field
 * may be missing or of another type (see test/fixtures/inbound/corpus.json).
 */
export interface ProviderMessage {
  from?: unknown
  body?: unknown
  key?: { id?: unknown; remoteJid?: unknown; fromMe?: unknown } | null
  /** Baileys' message content, when the provider is Baileys. */
  message?: Record<string, unknown> | null
  /** Set by Baileys on a message the phone sent again on request (a placeholder resend). */
  requestId?: unknown
}

// BuilderBot replaces a non-text message's body with one of these markers followed by a uuid.
const EVENT_KINDS: [RegExp, Inbound['kind']][] = [
  [/^_event_media__/, 'media'],
  [/^_event_voice_note__/, 'voice'],
  [/^_event_location__/, 'location'],
  [/^_event_document__/, 'document'],
  [/^_event_(order|template|call|action)__/, 'other'],
]

/**
 * A person writing to the bot: a phone number (Baileys strips `@s.whatsapp.net`; other providers
 * may not, or may add a `+`) or a WhatsApp `…@lid` with no number. Groups, status updates,
 * broadcast lists, channels and anything else are not a contact; neither is a key such as
 * `__proto__`, which would reach into the objects contacts are stored in.
 */
function contactOf(from: unknown): string | undefined {
  if (typeof from !== 'string') return undefined
  const id = from
    .trim()
    .replace(/^\+/, '')
    .replace(/(:\d+)?@(s\.whatsapp\.net|c\.us)$/, '')
  return /^\d{5,20}(@lid)?$/.test(id) ? id : undefined
}

/**
 * Baileys messages that are about other messages, not something the contact said: a deletion or
 * an edit (protocolMessage), a reaction taken back. Answering them would puzzle the contact.
 */
function isHousekeeping(message: ProviderMessage['message']): boolean {
  if (!message || typeof message !== 'object') return false
  if (message.protocolMessage) return true
  // A decoded protobuf reads an absent field as null, not undefined: both mean no reaction.
  const reaction = message.reactionMessage as { text?: unknown } | null | undefined
  return reaction != null && !reaction.text
}

/** Lone UTF-16 surrogates cannot be written as UTF-8 (the database, WhatsApp): they become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Reads a provider payload; undefined for what the bot must ignore (groups, broadcasts, itself, garbage). */
export function toInbound(raw: unknown): Inbound | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const payload = raw as ProviderMessage
  const contact = contactOf(payload.from)
  if (!contact) return undefined
  const key = payload.key && typeof payload.key === 'object' ? payload.key : undefined
  if (key?.fromMe === true || isHousekeeping(payload.message)) return undefined
  // Baileys before 7.0.0-rc12 (BuilderBot pins rc.9) lets anyone forge such a resend with any
  // sender and text (GHSA-qvv5-jq5g-4cgg): a forged "sí" must never become someone's consent.
  if (payload.requestId) return undefined
  const messageId = typeof key?.id === 'string' && key.id.length > 0 && key.id.length <= 128 ? key.id : `local-${randomUUID()}`
  const body = typeof payload.body === 'string' ? payload.body : undefined
  if (body === undefined) return { contact, messageId, kind: 'other' }
  const event = EVENT_KINDS.find(([marker]) => marker.test(body))
  if (event) return { contact, messageId, kind: event[1] }
  return { contact, messageId, text: body.replace(LONE_SURROGATE, '\uFFFD'), kind: 'text' }
}

/**
 * A provider's `staff` event (the console's `/staff <text>`): a message the business's staff sent
 * to the contact in `from`; undefined when `from` is not a contact.
 */
export function toStaffMessage(raw: unknown): StaffMessage | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const payload = raw as ProviderMessage
  const contact = contactOf(payload.from)
  if (!contact) return undefined
  const id = payload.key && typeof payload.key === 'object' ? payload.key.id : undefined
  const messageId = typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : `local-${randomUUID()}`
  return { contact, messageId }
}

export interface Bridge {
  detach(): void
}

/**
 * BuilderBot's provider events (the console, BuilderBot's test provider) as an inbound source:
 * `message` for a contact's messages, `staff` for the staff's (the console's `/staff`).
 */
export function builderbotSource(provider: ProviderClass, log: Logger = silentLogger): InboundSource {
  // The provider calls these from inside its own (async) event handler: anything thrown here
  // would become an unhandled rejection there and stop the process. Nothing is, whatever arrives.
  const subscribe = <T>(event: string, read: (payload: unknown) => T | undefined, listener: (value: T) => void) => {
    const handler = (payload: unknown) => {
      try {
        const value = read(payload)
        if (value) listener(value)
      } catch (error) {
        log.error('message.unreadable', { error: (error as Error)?.message ?? String(error) })
      }
    }
    provider.on(event as never, handler as never)
    return () => void provider.off(event as never, handler as never)
  }
  return {
    onMessage: (listener) => subscribe('message', toInbound, listener),
    onStaffMessage: (listener) => subscribe('staff', toStaffMessage, listener),
  }
}

/** The engine's side of a source: every message handled, every address link learned, every staff message heard. */
export interface InboundHandler {
  handle(inbound: Inbound): Promise<void>
  link?(lid: string, phone: string): Promise<void>
  /** The business's staff wrote to a contact from the business's own WhatsApp. */
  staffReplied?(message: StaffMessage): Promise<void>
  /** The contact changed a preference in WhatsApp itself ("Stop promotions"). */
  preferenceChanged?(change: PreferenceChange): Promise<void>
  /** What became of a message the bot sent. */
  delivered?(status: DeliveryStatus): Promise<void>
}

/**
 * Feeds a source's messages (address links, staff messages, preference changes, statuses) to
 * the engine until detached. Each listener returns the engine's promise (settled, never
 * rejected), so a source that acknowledges delivery can wait for it.
 */
export function attachSource(source: InboundSource, engine: InboundHandler, log: Logger = silentLogger): Bridge {
  const lost = (error: unknown) => log.error('message.lost', { error: (error as Error)?.message ?? String(error) })
  // The engine answers its own errors with an apology; these catches are for a bug in that.
  const stops = [
    source.onMessage((inbound) => engine.handle(inbound).catch(lost)),
    engine.link && source.onLink?.(({ lid, phone }) => engine.link!(lid, phone).catch(lost)),
    engine.staffReplied && source.onStaffMessage?.((message) => engine.staffReplied!(message).catch(lost)),
    engine.preferenceChanged && source.onPreference?.((change) => engine.preferenceChanged!(change).catch(lost)),
    engine.delivered && source.onStatus?.((status) => engine.delivered!(status).catch(lost)),
  ]
  return {
    detach() {
      for (const stop of stops) if (stop) stop()
    },
  }
}

export function attachBridge(provider: ProviderClass, engine: InboundHandler, log: Logger = silentLogger): Bridge {
  return attachSource(builderbotSource(provider, log), engine, log)
}

/** Replies through the provider the message came from. */
export function providerMessenger(provider: Pick<ProviderClass, 'sendMessage'>): Messenger {
  return {
    async send(contact, text) {
      await provider.sendMessage(contact, text, {})
    },
  }
}
