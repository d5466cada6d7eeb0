/**
 * The handle a channel needs to reach the contact (an email address, a phone number, a user
 * name), and how a typed one is checked and written down.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import type { Channel } from './policy.js'

export type HandleKind = 'email' | 'phone' | 'username' | 'lineId'

/** What each channel asks for when the business gave no link. WhatsApp needs nothing. */
export const HANDLE_KIND: Record<Exclude<Channel, 'whatsapp'>, HandleKind> = {
  email: 'email',
  sms: 'phone',
  call: 'phone',
  signal: 'phone',
  telegram: 'username',
  line: 'lineId',
}

export function handleKindOf(channel: Channel): HandleKind | undefined {
  return channel === 'whatsapp' ? undefined : HANDLE_KIND[channel]
}

// Deliberately plain: one @, a dotted domain, no spaces. The read-back catches typos a regex cannot.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/
const TELEGRAM_USER = /^@?([a-z][a-z0-9_]{4,31})$/i
const LINE_ID = /^@?([a-z0-9._-]{4,20})$/i

/**
 * The handle written the way it will be stored and read back, or undefined when the text is not
 * a valid handle of that kind. Phone numbers without a country code take the contact's own.
 */
export function parseHandle(kind: HandleKind, text: string, country?: CountryCode): string | undefined {
  // Invisible characters (zero-width, direction overrides, controls) pasted along with a handle
  // would be stored and read back unseen: the contact would confirm an address that fails.
  const value = text.replace(/[\p{Cc}\p{Cf}]/gu, '').trim()
  switch (kind) {
    case 'email':
      return value.length <= 254 && EMAIL.test(value) ? value.toLowerCase() : undefined
    case 'phone': {
      const number = parsePhoneNumberFromString(value, country)
      if (number?.isValid()) return number.number // E.164, e.g. +525512345678
      // Mexican mobiles are still written (and shown by WhatsApp) with the old "1" after +52.
      const mexican = number?.number.startsWith('+521') ? parsePhoneNumberFromString(`+52${number.number.slice(4)}`) : undefined
      return mexican?.isValid() ? mexican.number : undefined
    }
    case 'username': {
      const match = TELEGRAM_USER.exec(value)
      return match ? `@${match[1]}` : undefined
    }
    case 'lineId': {
      const match = LINE_ID.exec(value)
      return match ? match[1]!.toLowerCase() : undefined
    }
  }
}
