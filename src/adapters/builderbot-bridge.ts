/**
 * The bridge between a BuilderBot provider (Baileys, the console, TestTool.TestProvider) and
 * the engine. It listens to the provider's `message` events itself instead of using BuilderBot's
 * keyword flows: those drop a contact's third quick message, run one contact's messages in
 * parallel once a step is slow, and keep their state in memory only.
 */
import { randomUUID } from 'node:crypto'
import type { ProviderClass } from '@builderbot/bot'
import type { Inbound } from '../app/engine.js'
import type { Messenger } from '../ports/messenger.js'

/** The part of a provider's message payload the bridge reads. */
export interface ProviderMessage {
  from?: string
  body?: string
  key?: { id?: string | null; remoteJid?: string | null; fromMe?: boolean | null }
}

// BuilderBot replaces a non-text message's body with one of these markers followed by a uuid.
const EVENT_KINDS: [RegExp, Inbound['kind']][] = [
  [/^_event_media__/, 'media'],
  [/^_event_voice_note__/, 'voice'],
  [/^_event_location__/, 'location'],
  [/^_event_document__/, 'document'],
  [/^_event_(order|template|call|action)__/, 'other'],
]

/** Reads a provider payload; undefined for what the bot must ignore (groups, broadcasts, itself). */
export function toInbound(payload: ProviderMessage): Inbound | undefined {
  const from = payload.from?.trim()
  if (!from || /@(g\.us|broadcast|newsletter)$/.test(from) || from === 'status') return undefined
  if (payload.key?.fromMe) return undefined
  const messageId = payload.key?.id || `local-${randomUUID()}`
  const body = typeof payload.body === 'string' ? payload.body : undefined
  if (body === undefined) return { contact: from, messageId, kind: 'other' }
  const event = EVENT_KINDS.find(([marker]) => marker.test(body))
  if (event) return { contact: from, messageId, kind: event[1] }
  return { contact: from, messageId, text: body, kind: 'text' }
}

export interface Bridge {
  detach(): void
}

export function attachBridge(provider: ProviderClass, engine: { handle(inbound: Inbound): Promise<void> }): Bridge {
  const onMessage = (payload: ProviderMessage) => {
    const inbound = toInbound(payload)
    // The engine answers its own errors; nothing reaches BuilderBot as an unhandled rejection.
    if (inbound) void engine.handle(inbound)
  }
  provider.on('message', onMessage as never)
  return { detach: () => provider.off('message', onMessage as never) }
}

/** Replies through the provider the message came from. */
export function providerMessenger(provider: Pick<ProviderClass, 'sendMessage'>): Messenger {
  return {
    async send(contact, text) {
      await provider.sendMessage(contact, text, {})
    },
  }
}
