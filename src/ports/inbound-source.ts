/**
 * Where contacts' messages come from: Baileys' socket, BuilderBot's provider events (the
 * console, test providers), later the Cloud API. Each source reads its own payloads into
 * `Inbound`; the engine never sees a provider's shapes.
 */
import type { StaffMessage } from './staff.js'

/** One message from a contact, as any source delivers it. */
export interface Inbound {
  /**
   * The address the message came from: a phone number (digits only) or a WhatsApp `…@lid`,
   * which carries no number. Replies go back to it.
   */
  contact: string
  /**
   * The same person's other address, when the source gave it beside the sender (Baileys'
   * `key.remoteJidAlt`): a `…@lid` sender's phone number, or a number's `…@lid`.
   */
  alias?: string
  /** The source's id of the message, kept as evidence with a consent it carries. */
  messageId: string
  /** When the contact sent it (ms since the epoch), when the source says: a late redelivery is told by it. */
  sentAt?: number
  /** The text (or the id or label of the button or list option the contact chose); absent for media and the like. */
  text?: string
  kind: 'text' | 'media' | 'voice' | 'location' | 'document' | 'other'
}

/** A `…@lid` address and a phone number the source learned are one person. */
export interface AddressLink {
  lid: string
  phone: string
}

export interface InboundSource {
  /** Calls `listener` for each message a contact sent; returns a function that stops listening. */
  onMessage(listener: (inbound: Inbound) => void): () => void
  /** Calls `listener` whenever the source learns that a `…@lid` and a phone number are one person. */
  onLink?(listener: (link: AddressLink) => void): () => void
  /**
   * Calls `listener` for each message the business's staff sent to a contact from the business's
   * own WhatsApp (not the bot's own messages, which the source tells apart by their ids).
   */
  onStaffMessage?(listener: (message: StaffMessage) => void): () => void
  /** The phone number (digits) the source knows for a `…@lid`, if any: split contacts are merged at start. */
  numberOf?(lid: string): Promise<string | undefined>
}
