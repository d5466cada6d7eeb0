/**
 * What one incoming Cloud API message says, by its `type` (webhooks/reference/messages/*), the
 * way the Baileys reader says it for the same thing sent from a phone (baileys-inbound.ts):
 *
 * - `text` → its body; a tapped reply button or list row (`interactive.button_reply`,
 *   `interactive.list_reply`) or template quick-reply (`button`) → its id as `choice` (the answer
 *   itself) and its label as `text`.
 * - image, video, sticker → `media`; audio → `voice` (a recording; an audio file Meta marks
 *   `voice: false` is `media`); document → `document`; location → `location`. A caption is what
 *   the contact wrote: a photo captioned "STOP" is a STOP, so it reads as text.
 * - Not something the contact said, so nothing to answer: a reaction (answering a 👍 would puzzle
 *   them), an edit or deletion of an earlier message, a `request_welcome` (they opened the chat
 *   and wrote nothing yet), a system message (a number change: counted, and its new number and
 *   BSUID linked), and unsupported types that are reactions, votes, pins and the like.
 * - Anything else they sent (a contact card, an order, a type Cloud API does not support or one
 *   added later) is `other`: the flow answers it as a message the bot cannot read.
 */
import type { Inbound } from '../../ports/inbound-source.js'
import { bsuidOf, phoneOf } from './addresses.js'

type Fields = Record<string, unknown>

export type Content =
  | {
      said: Pick<Inbound, 'kind' | 'text' | 'choice'>
      /** The contact's own number, shared on the business's request (a contacts message with `origin: contact_request`). */
      ownPhone?: string
    }
  | {
      /** Why it is not a message to answer, for the log's counts. */
      skip: string
      /** A system message's new number and BSUID (the same person from now on). */
      changed?: { phone?: string; userId?: string }
    }

const object = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined
const string = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/** Unsupported types (webhooks/reference/messages/unsupported) that are about other messages or the chat, not something said. */
const NOT_SAID = new Set(['reaction', 'poll_update', 'keep_in_chat', 'pin', 'edit', 'revoke'])

const said = (kind: Inbound['kind'], text?: string, choice?: string): Content => ({
  said: { kind, ...(text !== undefined ? { text } : {}), ...(choice !== undefined ? { choice } : {}) },
})
const captioned = (kind: Inbound['kind'], media: Fields | undefined): Content => {
  const caption = string(media?.caption)
  return caption ? said('text', caption) : said(kind)
}
/** A tapped option: its id is the answer; without one it is a message the bot cannot read. */
const tapped = (id: unknown, label: unknown): Content => {
  const choice = string(id)
  return choice ? said('text', string(label) ?? choice, choice) : said('other')
}

export function readContent(message: Fields): Content {
  const type = message.type
  switch (type) {
    case 'text': {
      const body = object(message.text)?.body
      return typeof body === 'string' ? said('text', body) : said('other')
    }
    case 'interactive': {
      const interactive = object(message.interactive)
      const reply = object(interactive?.button_reply) ?? object(interactive?.list_reply)
      return reply ? tapped(reply.id, reply.title) : said('other')
    }
    case 'button': {
      const button = object(message.button)
      return tapped(button?.payload, button?.text)
    }
    case 'image':
    case 'video':
      return captioned('media', object(message[type]))
    case 'sticker':
      return said('media')
    case 'audio':
      return said(object(message.audio)?.voice === false ? 'media' : 'voice')
    case 'document':
      return captioned('document', object(message.document))
    case 'location':
      return said('location')
    case 'contacts': {
      const shared = Array.isArray(message.contacts) ? object(message.contacts[0]) : undefined
      const phone = shared?.origin === 'contact_request' && Array.isArray(shared.phones) ? object(shared.phones[0]) : undefined
      const ownPhone = phoneOf(phone?.wa_id) ?? phoneOf(phone?.phone)
      return { ...said('other'), ...(ownPhone ? { ownPhone } : {}) }
    }
    case 'reaction':
    case 'edit':
    case 'revoke':
    case 'request_welcome':
      return { skip: type }
    case 'system': {
      const system = object(message.system)
      const kind = typeof system?.type === 'string' && /^[a-z_]{1,40}$/.test(system.type) ? system.type : 'unknown'
      return { skip: `system_${kind}`, changed: { phone: phoneOf(system?.wa_id), userId: bsuidOf(system?.user_id) } }
    }
    case 'unsupported': {
      const what = object(message.unsupported)?.type
      return typeof what === 'string' && NOT_SAID.has(what) ? { skip: `unsupported_${what}` } : said('other')
    }
    default:
      return said('other')
  }
}
