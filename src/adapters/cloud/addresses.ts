/**
 * The two kinds of address the Cloud API knows a contact by: a phone number, and a
 * business-scoped user id (BSUID) for someone whose number Meta does not share (a username).
 *
 * Meta writes a BSUID as a two-letter ISO 3166 country code, a period and up to 128 letters and
 * digits (`US.13491208655302741918`); a parent BSUID has `ENT` in between (`US.ENT.1181…`). Its
 * pages write the same phone number as `16505551234` in one place and `+16505551234` in another
 * (business-scoped-user-ids, webhooks/reference/smb_message_echoes), so numbers are read as digits.
 */

const BSUID = /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/
/** E.164 allows 15 digits; fewer than 6 is no one's WhatsApp number. */
const PHONE_DIGITS = /^\d{6,15}$/

/** The digits of a phone number as a webhook writes it (`16505551234`, `+16505551234`), or undefined when it is not one. */
export function phoneOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const digits = value.trim().replace(/^\+/, '')
  return PHONE_DIGITS.test(digits) ? digits : undefined
}

/** The BSUID as given, or undefined when the value is not one. */
export function bsuidOf(value: unknown): string | undefined {
  return typeof value === 'string' && BSUID.test(value) ? value : undefined
}

/** Whether an address is a BSUID (sent as `recipient`) rather than a phone number (sent as `to`). */
export const isBsuid = (address: string): boolean => bsuidOf(address) !== undefined

/** Whether an address is a phone number's digits. */
export const isPhone = (address: string): boolean => PHONE_DIGITS.test(address)
