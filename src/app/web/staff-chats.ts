/**
 * Chats handed to the business's staff, as the dashboard and `npm run staff -- list` show them:
 * those waiting for a person (oldest first), those the bot is paused in while nobody waits
 * (a person is writing), and how many chats the staff have answered.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import type { Contact, HandOver } from '../../domain/consent.js'
import { isPaused } from '../../domain/handover.js'

export interface StaffChat {
  /** The contact's id as stored: digits of a phone number, a `…@lid` or a business-scoped user id. */
  contact: string
  /** Since when it waits for a person (ISO 8601); absent for a chat only paused. */
  waitingSince?: string
  reason?: HandOver['reason']
  /** Until when the bot answers only commands (ISO 8601); absent when it answers as usual. */
  pausedUntil?: string
  pausedBy?: HandOver['pausedBy']
  /** What the contact wrote for the staff: there only when it may be kept. */
  message?: string
}

export interface StaffOverview {
  /** Waiting for a person, oldest first. */
  waiting: StaffChat[]
  /** The bot paused and nobody waiting: a person is handling these; soonest to end first. */
  paused: StaffChat[]
  /** Contacts the staff have written to (`lastStaffReply`): in the last 30 days, and in all. */
  handled: { recent: number; all: number }
}

const RECENT_MS = 30 * 86_400_000

export function staffOverview(contacts: Iterable<Contact>, now: Date): StaffOverview {
  const waiting: StaffChat[] = []
  const paused: StaffChat[] = []
  const handled = { recent: 0, all: 0 }
  for (const contact of contacts) {
    const handover = contact.handover
    if (!handover) continue
    if (handover.lastStaffReply) {
      handled.all++
      if (now.getTime() - Date.parse(handover.lastStaffReply) <= RECENT_MS) handled.recent++
    }
    // A pause whose end has passed is over: the bot answers again, whatever the field still says.
    const pausedUntil = isPaused(handover, now) ? handover.pausedUntil : undefined
    const chat: StaffChat = {
      contact: contact.id,
      ...(handover.waitingSince ? { waitingSince: handover.waitingSince } : {}),
      ...(handover.reason ? { reason: handover.reason } : {}),
      ...(pausedUntil ? { pausedUntil } : {}),
      ...(pausedUntil && handover.pausedBy ? { pausedBy: handover.pausedBy } : {}),
      ...(handover.message ? { message: handover.message } : {}),
    }
    if (handover.waitingSince) waiting.push(chat)
    else if (pausedUntil) paused.push(chat)
  }
  waiting.sort((a, b) => Date.parse(a.waitingSince!) - Date.parse(b.waitingSince!))
  paused.sort((a, b) => Date.parse(a.pausedUntil!) - Date.parse(b.pausedUntil!))
  return { waiting, paused, handled }
}

/**
 * A contact as the owner reads it: a phone number in international form (`+52 55 1234 5678`),
 * a WhatsApp `…@lid` or a business-scoped user id as it is (WhatsApp did not say the number).
 */
export function shownContact(id: string): string {
  if (!/^\d+$/.test(id)) return id
  const number = parsePhoneNumberFromString(`+${id}`)
  if (number?.isValid()) return number.formatInternational()
  // WhatsApp still names Mexican mobiles with the "1" after +52 that the country dropped in 2019.
  const mexican = id.startsWith('521') ? parsePhoneNumberFromString(`+52${id.slice(3)}`) : undefined
  return mexican?.isValid() ? mexican.formatInternational() : `+${id}`
}
