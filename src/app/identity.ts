/**
 * One person, one contact. WhatsApp moves chats to LID addressing (`…@lid`, no number in it),
 * and gives the number beside it when it knows it (Baileys' `key.remoteJidAlt`, its LID
 * mapping). The Cloud API does the same with business-scoped user ids (`US.1349…`): a contact
 * who takes a username may withhold their number, and the id is then all the bot gets. A
 * person's contact is filed under their number whenever it is known, and carries their id
 * without a number (`lid`); a contact first met by that id alone is folded into the number's
 * once the two are known to be one person.
 */
import type { Contact } from '../domain/consent.js'
import type { StoredConversation } from '../ports/consent-store.js'

/** A WhatsApp `…@lid` (Baileys' linked-device addressing). */
export const isLid = (address: string): boolean => address.endsWith('@lid')

/**
 * A Cloud API business-scoped user id: a two-letter country code, a dot, then letters and
 * digits (`US.13491208655302741918`; a parent id has `ENT.` after the country).
 */
export const isUserId = (address: string): boolean => /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/.test(address)

/** An address that carries no phone number: a `…@lid` or a business-scoped user id. */
export const isNumberless = (address: string): boolean => isLid(address) || isUserId(address)

/** A phone number as the bot keeps it: digits only, with the country code. */
export const isPhoneNumber = (address: string): boolean => /^\d{5,20}$/.test(address)

/** The id without a number (`lid`) and the number an inbound message names, when it names both (in either order). */
export function addressesOf(contact: string, alias: string | undefined): { lid?: string; number?: string } {
  const both = alias === undefined ? [contact] : [contact, alias]
  const lid = both.find(isNumberless)
  const number = both.find((a) => !isNumberless(a))
  return { ...(lid ? { lid } : {}), ...(number ? { number } : {}) }
}

export interface Stored {
  contact: Contact
  conversation?: StoredConversation
}

/**
 * The contact two addresses of one person make: the number's (if any) and the LID's, each as
 * stored. Each purpose keeps its latest answer, the channel its latest choice; the conversation
 * goes on where the person last wrote; the number's pseudonym stays (the LID's is tied to it by
 * the merge record).
 */
export function mergeContacts(
  number: string,
  byNumber: Stored | undefined,
  byLid: Stored,
): { contact: Contact; conversation?: StoredConversation } {
  const n = byNumber?.contact
  const l = byLid.contact
  const newer = !n || l.lastSeen > n.lastSeen ? byLid : byNumber!
  const consents = { ...(n?.consents ?? {}) }
  for (const [purpose, consent] of Object.entries(l.consents)) {
    const mine = consents[purpose]
    if (!mine || consent.at > mine.at) consents[purpose] = consent
  }
  const channel = [n?.channel, l.channel]
    .filter((c) => c !== undefined)
    .sort((a, b) => a.at.localeCompare(b.at))
    .at(-1)
  const contact: Contact = {
    ...newer.contact,
    id: number,
    lid: l.id,
    principal: n?.principal ?? l.principal,
    firstSeen: n && n.firstSeen < l.firstSeen ? n.firstSeen : l.firstSeen,
    lastSeen: n && n.lastSeen > l.lastSeen ? n.lastSeen : l.lastSeen,
    consents,
  }
  if (channel) contact.channel = channel
  else delete contact.channel
  const conversations = [byNumber?.conversation, byLid.conversation].filter((c) => c !== undefined)
  const latest = conversations.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt)).at(-1)
  if (!latest) return { contact }
  const recent = [...new Set(conversations.flatMap((c) => c.recentMessageIds ?? []))]
  const sentAt = Math.max(...conversations.map((c) => c.lastSentAt ?? 0))
  return { contact, conversation: { ...latest, recentMessageIds: recent, ...(sentAt > 0 ? { lastSentAt: sentAt } : {}) } }
}

/**
 * The forms one WhatsApp number takes (digits, no +): Mexican mobiles are written with and
 * without the "1" after 52 that the country dropped in 2019 and WhatsApp still uses.
 */
export function numberForms(digits: string): string[] {
  if (digits.startsWith('521') && digits.length === 13) return [digits, `52${digits.slice(3)}`]
  if (digits.startsWith('52') && digits.length === 12) return [digits, `521${digits.slice(2)}`]
  return [digits]
}
