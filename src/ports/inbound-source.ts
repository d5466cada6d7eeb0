/**
 * Where contacts' messages come from: Baileys' socket, BuilderBot's provider events (the
 * console, test providers), the Cloud API's webhook. Each source reads its own payloads into
 * `Inbound` (and the Cloud API's statuses and preference changes into their own events); the
 * engine never sees a provider's shapes.
 *
 * An address is a phone number (digits only, with the country code), or an id that carries no
 * number: a WhatsApp `…@lid` (Baileys) or a Cloud API business-scoped user id (`US.1349…`, a
 * contact who hides their number behind a username). A person's contact is filed under their
 * number whenever it is known, with the other id beside it (app/identity.ts).
 */
import type { StaffMessage } from './staff.js'

/** One message from a contact, as any source delivers it. */
export interface Inbound {
  /**
   * The address the message came from: a phone number (digits only), a WhatsApp `…@lid` or a
   * business-scoped user id. Replies go back to it.
   */
  contact: string
  /**
   * The same person's other address, when the source gave it beside the sender (Baileys'
   * `key.remoteJidAlt`, the Cloud API's `from_user_id` beside `from`): a number's id, or an
   * id's number.
   */
  alias?: string
  /** The source's id of the message, kept as evidence with a consent it carries. */
  messageId: string
  /** When the contact sent it (ms since the epoch), when the source says: a late redelivery is told by it. */
  sentAt?: number
  /** The text (or the label of the button or list option the contact tapped); absent for media and the like. */
  text?: string
  kind: 'text' | 'media' | 'voice' | 'location' | 'document' | 'other'
  /**
   * The id of the reply button, list row or template quick-reply button the contact tapped: the
   * answer itself, as the bot gave it (app/reply-choices.ts), whatever its label says.
   */
  choice?: string
}

/** An id that carries no number (a `…@lid`, a business-scoped user id) and a phone number the source learned are one person. */
export interface AddressLink {
  lid: string
  phone: string
}

/**
 * The contact changed a preference in WhatsApp's own interface, not in the chat: Meta's "Stop
 * promotions" (a `user_preferences` webhook, category `marketing_messages`).
 */
export interface PreferenceChange {
  contact: string
  alias?: string
  /** `stop`: no more marketing messages; `resume`: they allowed them again. */
  value: 'stop' | 'resume'
  /** When they changed it (ms since the epoch). */
  at: number
  /** Stable for one change however often it is delivered (Meta retries). */
  id: string
}

/** What became of a message the bot sent, as the provider reports it. */
export interface DeliveryStatus {
  /** The recipient: their number, or their business-scoped user id when the number is withheld. */
  contact: string
  alias?: string
  /** The provider's id of the message sent (as `Messenger.send` resolved it). */
  messageId: string
  status: 'sent' | 'delivered' | 'read' | 'failed'
  /** When (ms since the epoch). */
  at: number
  /** Why it failed: the provider's error code (Meta's: 131047, 131049, …) and its title. */
  error?: { code: number; title: string }
}

export interface InboundSource {
  /**
   * Calls `listener` for each message a contact sent; returns a function that stops listening.
   * The listener's promise (if it returns one) settles once the message is handled: a source that must
   * acknowledge delivery (the Cloud API's webhook) may wait for it.
   */
  onMessage(listener: (inbound: Inbound) => unknown): () => void
  /** Calls `listener` whenever the source learns that a `…@lid` and a phone number are one person. */
  onLink?(listener: (link: AddressLink) => unknown): () => void
  /**
   * Calls `listener` for each message the business's staff sent to a contact from the business's
   * own WhatsApp (not the bot's own messages, which the source tells apart by their ids).
   */
  onStaffMessage?(listener: (message: StaffMessage) => unknown): () => void
  /** The phone number (digits) the source knows for a `…@lid`, if any: split contacts are merged at start. */
  numberOf?(lid: string): Promise<string | undefined>
  /** Calls `listener` for each preference a contact changed outside the chat (Cloud API: "Stop promotions"). */
  onPreference?(listener: (change: PreferenceChange) => unknown): () => void
  /** Calls `listener` for each status of a message the bot sent (Cloud API: sent, delivered, read, failed). */
  onStatus?(listener: (status: DeliveryStatus) => unknown): () => void
}
