import type { Contact, ConsentRecord } from '../domain/consent.js'

/** A conversation's persisted XState snapshot, tagged with the flow it was taken under. */
export interface StoredConversation {
  flowVersion: string
  snapshot: unknown
  updatedAt: string
  /** Ids of the contact's latest messages: one delivered twice is handled once. */
  recentMessageIds?: string[]
}

/** The exact notice text a consent refers to, kept once per hash. */
export interface StoredNotice {
  policyVersion: string
  language: string
  text: string
}

/** Everything one inbound message changed, saved together or not at all. */
export interface ContactChange {
  contact: Contact
  conversation: StoredConversation
  records: ConsentRecord[]
  notices: Record<string, StoredNotice>
}

/**
 * Where contacts, their conversations and the consent ledger live.
 * `commit` resolves only once the change is on disk: a confirmation is sent after it.
 */
export interface ConsentStore {
  load(contactId: string): Promise<{ contact?: Contact; conversation?: StoredConversation }>
  commit(change: ContactChange): Promise<void>
  close(): Promise<void>
}
