/**
 * Reads one verified Cloud API webhook payload into the ports' events: every entry, every change,
 * every message, status, preference and echo in it (Meta batches up to 1,000 updates in one POST,
 * webhooks/create-webhook-endpoint). Nothing in a payload is trusted: a field of another type
 * counts as absent, and what cannot be read is counted (by reason, never by content) for the log.
 *
 * Who a message is from: the phone number (`from`) when Meta shares it, else the business-scoped
 * user id (`from_user_id`, or the `user_id` of the matching `contacts` entry); when both are there,
 * the other one is the alias and the pair is an AddressLink (business-scoped-user-ids). A parent
 * id (`…_parent_user_id`, `US.ENT.…`) is never an address: the portfolio's own BSUID always comes
 * with it, and filing one person under two ids would split them.
 */
import { createHash } from 'node:crypto'
import type { AddressLink, DeliveryStatus, Inbound, PreferenceChange } from '../../ports/inbound-source.js'
import type { StaffMessage } from '../../ports/staff.js'
import { bsuidOf, phoneOf } from './addresses.js'
import { readContent } from './message-content.js'

export interface WebhookEvents {
  links: AddressLink[]
  messages: Inbound[]
  statuses: DeliveryStatus[]
  preferences: PreferenceChange[]
  staffMessages: StaffMessage[]
  /** What was read and left, by reason (`reaction`, `other_number`, …): counts only, for the log. */
  skipped: Record<string, number>
  /** Meta's error codes about the account or webhook (`value.errors`), for the log. */
  errorCodes: number[]
}

type Fields = Record<string, unknown>

const object = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined
const list = (value: unknown): Fields[] => (Array.isArray(value) ? value.map(object).filter((item) => item !== undefined) : [])
const string = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/** Unix seconds (Meta writes them as a string in messages and statuses, a number in preferences) in ms. */
export function secondsToMs(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value
  return typeof text === 'string' && /^\d{1,12}$/.test(text) ? Number(text) * 1000 : undefined
}

/** Whether the payload is a WhatsApp Business Account webhook at all. */
export function isWhatsAppPayload(payload: unknown): boolean {
  return object(payload)?.object === 'whatsapp_business_account'
}

/** A name of Meta's (a field, a type) made safe as a log key: it is Meta's word, but the payload is not trusted. */
const reasonName = (prefix: string, name: unknown) =>
  typeof name === 'string' && /^[a-z_]{1,40}$/.test(name) ? `${prefix}${name}` : `${prefix}unknown`

/** The phone and the BSUID a person is known by, as one address and its alias. */
interface Person {
  contact: string
  alias?: string
  link?: AddressLink
}
function person(phone: string | undefined, userId: string | undefined): Person | undefined {
  if (phone && userId) return { contact: phone, alias: userId, link: { lid: userId, phone } }
  const only = phone ?? userId
  return only ? { contact: only } : undefined
}
const withAlias = <T extends object>(value: T, who: Person): T & { contact: string; alias?: string } => ({
  ...value,
  contact: who.contact,
  ...(who.alias ? { alias: who.alias } : {}),
})

/** Reads every event of a payload addressed to `phoneNumberId`; changes for another number are counted and left. */
export function readWebhook(payload: unknown, phoneNumberId: string): WebhookEvents {
  const events: WebhookEvents = { links: [], messages: [], statuses: [], preferences: [], staffMessages: [], skipped: {}, errorCodes: [] }
  const skip = (reason: string) => {
    events.skipped[reason] = (events.skipped[reason] ?? 0) + 1
  }
  const link = (who: Person | undefined) => {
    if (who?.link) events.links.push(who.link)
  }

  for (const entry of list(object(payload)?.entry)) {
    for (const change of list(entry.changes)) {
      const value = object(change.value)
      if (!value) {
        skip('unreadable')
        continue
      }
      if (string(object(value.metadata)?.phone_number_id) !== phoneNumberId) {
        skip('other_number')
        continue
      }
      for (const error of list(value.errors)) if (typeof error.code === 'number') events.errorCodes.push(error.code)
      const contacts = list(value.contacts)
      /** The `contacts` entry about the same person: matched by number or by BSUID. */
      const contactOf = (phone: string | undefined, userId: string | undefined) =>
        contacts.find((c) => (phone && phoneOf(c.wa_id) === phone) || (userId && bsuidOf(c.user_id) === userId))
      /** A person from the ids an item carries, completed by their `contacts` entry. */
      const whoIs = (phoneField: unknown, userField: unknown) => {
        let phone = phoneOf(phoneField)
        let userId = bsuidOf(userField)
        const known = contactOf(phone, userId)
        phone ??= phoneOf(known?.wa_id)
        userId ??= bsuidOf(known?.user_id)
        return person(phone, userId)
      }

      switch (change.field) {
        case 'messages':
          for (const message of list(value.messages)) readMessage(message, whoIs, contacts.length === 1 ? contacts[0] : undefined)
          for (const status of list(value.statuses)) readStatus(status, whoIs)
          break
        case 'user_preferences':
          for (const preference of list(value.user_preferences)) readPreference(preference, whoIs)
          break
        case 'smb_message_echoes':
          for (const echo of list(value.message_echoes)) readEcho(echo, whoIs)
          break
        case 'user_id_update':
          // A contact's BSUID changed (business-scoped-user-ids): the new one and their number are one person.
          for (const update of list(value.user_id_update)) {
            const who = person(phoneOf(update.wa_id), bsuidOf(object(update.user_id)?.current))
            if (who?.link) link(who)
            else skip('user_id_update')
          }
          break
        default:
          // history, smb_app_state_sync, account and template fields: nothing the conversation hears.
          skip(reasonName('field_', change.field))
      }
    }
  }
  return events

  function readMessage(message: Fields, whoIs: (phone: unknown, user: unknown) => Person | undefined, onlyContact: Fields | undefined) {
    const id = string(message.id)
    if (!id) return skip('unreadable')
    // The bot answers people one to one; a group is not a conversation it holds.
    if (message.group_id !== undefined) return skip('group')
    const who =
      message.from === undefined && message.from_user_id === undefined && onlyContact
        ? whoIs(onlyContact.wa_id, onlyContact.user_id)
        : whoIs(message.from, message.from_user_id)
    if (!who) return skip('no_sender')
    link(who)
    const content = readContent(message)
    if ('skip' in content) {
      // A number change (system) is counted for the log; its new number and BSUID are one person.
      if (content.changed) link(person(content.changed.phone, content.changed.userId))
      return skip(content.skip)
    }
    const sentAt = secondsToMs(message.timestamp)
    events.messages.push(withAlias({ messageId: id, ...(sentAt !== undefined ? { sentAt } : {}), ...content.said }, who))
    // Someone known only by a BSUID who shares their own number on request: the two are one person.
    if (content.ownPhone && !who.alias && bsuidOf(who.contact)) events.links.push({ lid: who.contact, phone: content.ownPhone })
  }

  function readStatus(status: Fields, whoIs: (phone: unknown, user: unknown) => Person | undefined) {
    const id = string(status.id)
    const at = secondsToMs(status.timestamp)
    if (!id || at === undefined) return skip('unreadable')
    if (status.recipient_type === 'group') return skip('group')
    const state = status.status
    if (state !== 'sent' && state !== 'delivered' && state !== 'read' && state !== 'failed') {
      // `played` is for voice messages, which the bot does not send.
      return skip(reasonName('status_', state))
    }
    const who = whoIs(status.recipient_id, status.recipient_user_id)
    if (!who) return skip('no_recipient')
    link(who)
    const error = list(status.errors)[0]
    const failure =
      state === 'failed'
        ? {
            error: {
              code: typeof error?.code === 'number' ? error.code : 0,
              title: string(error?.title) ?? string(error?.message) ?? 'unknown',
            },
          }
        : {}
    events.statuses.push(withAlias({ messageId: id, status: state, at, ...failure }, who))
  }

  function readPreference(preference: Fields, whoIs: (phone: unknown, user: unknown) => Person | undefined) {
    const at = secondsToMs(preference.timestamp)
    const value = preference.value
    if (preference.category !== 'marketing_messages') return skip(reasonName('preference_', preference.category))
    if ((value !== 'stop' && value !== 'resume') || at === undefined) return skip('unreadable')
    const who = whoIs(preference.wa_id, preference.user_id)
    if (!who) return skip('no_sender')
    link(who)
    // Meta retries a webhook it did not see answered: one change keeps one id however often it comes.
    const id = `pref-${createHash('sha256').update(`user_preferences\n${who.contact}\n${at}\n${value}`).digest('hex').slice(0, 32)}`
    events.preferences.push(withAlias({ value, at, id }, who))
  }

  function readEcho(echo: Fields, whoIs: (phone: unknown, user: unknown) => Person | undefined) {
    const id = string(echo.id)
    if (!id) return skip('unreadable')
    const who = whoIs(echo.to, echo.to_user_id)
    if (!who) return skip('no_recipient')
    link(who)
    const sentAt = secondsToMs(echo.timestamp)
    events.staffMessages.push(withAlias({ messageId: id, ...(sentAt !== undefined ? { sentAt } : {}) }, who))
  }
}
