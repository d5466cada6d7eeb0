import type { Contact, ConsentRecord, PersonalDetails } from '../domain/consent.js'
import type { LedgerEntry } from '../domain/ledger.js'

/** A conversation's persisted XState snapshot, tagged with the flow it was taken under. */
export interface StoredConversation {
  flowVersion: string
  snapshot: unknown
  updatedAt: string
  /** Ids of the contact's latest messages (and preference changes): one delivered twice is handled once. At most RECENT_MESSAGE_IDS. */
  recentMessageIds?: string[]
  /**
   * When the newest message handled was sent (ms, the sender's clock as WhatsApp reports it): a
   * redelivery older than it is not read as a new answer, however many messages came between.
   */
  lastSentAt?: number
}

/** The exact notice text a consent refers to, kept once per hash. */
export interface StoredNotice {
  policyVersion: string
  language: string
  text: string
}

/** A record to append to the ledger, with what ties it to the person (kept apart, erasable). */
export interface NewRecord {
  record: ConsentRecord
  /** null for a record that concerns nobody identifiable (the proof of an erasure). */
  personal: PersonalDetails | null
}

/** Everything one inbound message changed, saved together or not at all. */
export interface ContactChange {
  contact: Contact
  conversation: StoredConversation
  /** Appended to the ledger in this order, each chained to the one before. */
  records: NewRecord[]
  notices: Record<string, StoredNotice>
  /**
   * Another address whose contact this change absorbs (a `…@lid` merged into its number's
   * contact): its entry is removed in the same write, so the person is never two contacts.
   */
  replaces?: string
}

/**
 * Where contacts, their conversations and the consent ledger live.
 * `commit` and `erase` resolve only once the change is durable on disk: a confirmation is sent after.
 */
export interface ConsentStore {
  /**
   * A contact by address. A `…@lid` that a stored contact carries as its `lid` loads that
   * contact (whose `id` is the number): one person, one contact, whichever address wrote.
   */
  load(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }>
  commit(change: ContactChange): Promise<void>
  /**
   * The right to erasure: removes the contact, their conversation and the personal details of
   * their ledger entries (under either address, number and `…@lid`) from every file the store
   * keeps (backups included), then appends
   * `proof`, the record that the erasure was requested and done (it has no personal details).
   */
  erase(contactId: string, proof: ConsentRecord): Promise<void>
  /** Every contact with their conversation, for sweeps such as marking unanswered consents lapsed. */
  scan(): AsyncIterable<{ contact: Contact; conversation?: StoredConversation }>
  close(): Promise<void>
}

/** Everything stored, as the owner's tools (export, dashboard, receipts) read it. */
export interface ConsentData {
  contacts: Record<string, Contact>
  conversations: Record<string, StoredConversation>
  ledger: LedgerEntry[]
  notices: Record<string, StoredNotice>
}

/** Why the disk refuses the store's writes for now: full, read-only, forbidden, or failing. */
export type StoreFaultReason = 'full' | 'readOnly' | 'forbidden' | 'failing'

/**
 * The reason a store's write failed when the disk refused it for now (the same write may work
 * later: the message waits and is tried again), or undefined for any other error. Read off the
 * error's code, as Node gives it and as stores pass it on.
 */
export function storeFaultReason(error: unknown): StoreFaultReason | undefined {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'full'
    case 'EROFS':
      return 'readOnly'
    case 'EACCES':
    case 'EPERM':
      return 'forbidden'
    case 'EIO':
      return 'failing'
    default:
      return undefined
  }
}

/** How many message ids a conversation remembers to drop redeliveries (older ones: by their time). */
export const RECENT_MESSAGE_IDS = 20
