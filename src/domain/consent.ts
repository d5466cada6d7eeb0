/**
 * The consent record: what a contact agreed to or refused, under which notice, when and how.
 * Modelled on ISO/IEC TS 27560 (consent record information structure) and the Kantara Consent
 * Receipt v1.1. Records are appended, never edited: a withdrawal or a new answer is a new record.
 *
 * A record never holds the contact's phone number or words. It names the contact by a
 * pseudonym (`principal`); what identifies the person lives beside it in `PersonalDetails`,
 * which an erasure removes while the record itself, and the ledger's hash chain, stay intact.
 */
import type { Language } from './language.js'
import type { Channel } from './policy.js'
import type { Terms } from './terms.js'

export type ConsentState = 'given' | 'refused' | 'withdrawn' | 'lapsed'

/**
 * What happened: a consent state changed (`given`…`lapsed`), or the contact exercised a right:
 * `accessed` (MY DATA: they were shown what is stored) or `erased` (their data was deleted);
 * or two addresses turned out to be one person (`merged`: a WhatsApp `…@lid` and its number).
 */
export type ConsentEvent = ConsentState | 'accessed' | 'erased' | 'merged'

export interface ConsentRecord {
  /** Unique id of this record; also the receipt id the contact is given, e.g. `K7QM-3XD9-2F`. */
  id: string
  schema: 'consent-record/2'
  /** The contact (the data principal) as a pseudonym, the same on all their records. */
  principal: string
  /** Who is responsible for the data, as the policy said at the time. */
  controller: { name: string; contact: string }
  notice: {
    policyVersion: string
    /** The public page of the notice, where the policy configures one. */
    url?: string
    /** sha256 of the exact notice text shown, in `language`; the text is kept in the notices file. */
    hash: string
    language: Language
  }
  event: ConsentEvent
  /** The purposes this event is about (empty for an erasure or an access). */
  purposes: string[]
  /** Every purpose's state right after this event: the full picture, not only the change. */
  consents: Record<string, ConsentState>
  /** Kinds of personal data the policy collects, e.g. `phone`, `messages`. */
  personalData: string[]
  /** How long the policy keeps the data, e.g. `2 years`. */
  retention: string
  /**
   * How the event was collected: an answer in the WhatsApp chat (the message id; its words are
   * kept in the personal details), a setting the contact changed in WhatsApp's own interface
   * (`whatsapp-preference`: Meta's "Stop promotions", the setting and its value, e.g.
   * `marketing_messages:stop`), or a rule of the policy (a consent that lapsed).
   */
  collection: { method: 'whatsapp-chat' | 'whatsapp-preference' | 'policy-rule'; messageId?: string; rule?: string; preference?: string }
  /** ISO 8601. */
  at: string
  /**
   * For a `merged` record: the pseudonym of the contact folded into this one. Their earlier
   * records keep that pseudonym; this record ties the two together.
   */
  merged?: { principal: string }
}

/** What ties a record to a person: removed on erasure, leaving only the pseudonymous record. */
export interface PersonalDetails {
  /** Random, per record: without it the digest cannot be matched against a guessed phone number. */
  salt: string
  /** The contact's id at the provider: a phone number, a WhatsApp `…@lid` or a business-scoped user id. */
  contact: string
  /** The answer exactly as the contact wrote it, for events collected in the chat. */
  answer?: string
  /** The person's other address (a merge record: the `…@lid` folded into the number). */
  alias?: string
}

/** The settled answer per purpose, as shown to the contact and kept on the contact. */
export interface PurposeConsent {
  state: ConsentState
  at: string
  /** The ledger record (receipt id) that set it. */
  record: string
  /** The policy version it was given under. */
  policyVersion?: string
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
  /** The pseudonym on this contact's ledger records. */
  principal: string
  language: Language
  firstSeen: string
  lastSeen: string
  /** The policy version of the notice the contact was last shown. */
  policyVersion?: string
  /** The terms of that notice, to tell the contact what changed when the policy does. */
  terms?: Terms
  consents: Record<string, PurposeConsent>
  channel?: ChannelChoice
  /**
   * The person's id without a number, when `id` is their phone number: their WhatsApp `…@lid`
   * (Baileys) or their business-scoped user id (Cloud API). Messages from either address are
   * this contact's, and an erasure removes both.
   */
  lid?: string
  /** How the contact's chat is shared with the business's staff (not consent: kept here, out of the ledger). */
  handover?: HandOver
  /**
   * What became of the latest messages the bot sent them, where the provider reports it (the
   * Cloud API's statuses), newest last: for campaigns and the dashboard. Not consent: kept here.
   */
  deliveries?: Delivery[]
  /**
   * The latest campaign that wrote to them first (after a policy change), and when: saved with
   * the invitation's conversation, before it is sent. Not consent: kept here.
   */
  invited?: { campaign: string; at: string }
  /**
   * When they said STOP (withdrew everything), until they agree to something again: the bot
   * does not write first to them (no campaign does), even if they had agreed to nothing to withdraw.
   */
  stopped?: string
}

/** A message the bot sent and the latest the provider said of it. */
export interface Delivery {
  /** The provider's id of the message. */
  id: string
  status: 'sent' | 'delivered' | 'read' | 'failed'
  /** When the provider reported that status (ISO 8601). */
  at: string
  /** Why it failed: the provider's code (Meta's 131049, 131047…) and title. */
  error?: { code: number; title: string }
}

/**
 * A chat and the business's staff: whether it waits for a person, whether the bot is paused in
 * it (it then answers only commands), and what the contact wrote for the staff. Staff hand-overs
 * are not consent events: they live on the contact, never in the ledger.
 */
export interface HandOver {
  /** Since when the chat waits for a person (ISO 8601); cleared when staff answer or resume the bot. */
  waitingSince?: string
  /** Why it waits: the contact asked for a person, or wrote to the team. */
  reason?: 'asked' | 'message'
  /** When the staff were told of this wait (ISO 8601); absent: told again at the next start. */
  told?: string
  /** The bot answers only commands until then (ISO 8601): a person is handling the chat. */
  pausedUntil?: string
  /** Who started the pause. */
  pausedBy?: 'asked' | 'phone' | 'dashboard' | 'cli'
  /** When staff last wrote to the contact from the business's phone (ISO 8601). */
  lastStaffReply?: string
  /** What the contact wrote for the staff (their first message, or the one that started the wait); cleared once staff answer, and never kept without service consent once the consent questions are done. */
  message?: string
}
