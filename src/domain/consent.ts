/**
 * The consent record: what a contact agreed to or refused, under which notice, when and how.
 * Modelled on ISO/IEC TS 27560 and the Kantara consent receipt. Records are appended, never
 * edited: a withdrawal or a new answer is a new record.
 */
import type { Language } from './language.js'
import type { Channel } from './policy.js'

export type ConsentState = 'given' | 'refused' | 'withdrawn'

export interface ConsentRecord {
  /** Unique id of this record (also the receipt id). */
  id: string
  schema: 'consent-record/1'
  /** The contact (the data principal), as the messaging provider identifies them. */
  contact: string
  event: ConsentState
  purposes: string[]
  notice: {
    policyVersion: string
    /** sha256 of the exact notice text shown, in `language`; the text is kept under `notices`. */
    hash: string
    language: Language
  }
  /** How the answer was collected: the chat message that carried it, word for word. */
  collection: { method: 'whatsapp-chat'; messageId: string; text: string }
  /** ISO 8601. */
  at: string
}

/** The settled answer per purpose, as shown to the contact and kept on the contact. */
export interface PurposeConsent {
  state: ConsentState
  at: string
  record: string
}

export interface ChannelChoice {
  channel: Channel
  handle?: string
  link?: string
  at: string
}

/** What the bot knows about one contact, kept current; the ledger keeps the history. */
export interface Contact {
  id: string
  language: Language
  firstSeen: string
  lastSeen: string
  policyVersion?: string
  consents: Record<string, PurposeConsent>
  channel?: ChannelChoice
}
