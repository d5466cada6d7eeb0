/**
 * The languages the bot speaks, and the first guess for a new contact: the language of the
 * country their phone number belongs to, else the deployment's default.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

export const LANGUAGES = ['es', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

// Countries where Spanish is the language a business would write in first.
const SPANISH: ReadonlySet<string> = new Set([
  'ES', 'MX', 'AR', 'CO', 'CL', 'PE', 'VE', 'EC', 'GT', 'CU', 'BO', 'DO', 'HN', 'PY', 'SV', 'NI',
  'CR', 'PA', 'UY', 'GQ', 'PR',
])
const ENGLISH: ReadonlySet<string> = new Set([
  'US', 'GB', 'CA', 'AU', 'NZ', 'IE', 'ZA', 'JM', 'TT', 'BS', 'BB', 'BZ', 'GY', 'NG', 'GH', 'KE',
  'SG', 'PH', 'IN', 'GG', 'JE', 'IM',
])

/** The country of a WhatsApp sender id (digits with country code), if it is a phone number. */
export function countryOf(contactId: string): CountryCode | undefined {
  if (!/^\+?\d{6,15}$/.test(contactId)) return undefined // `…@lid` senders carry no number
  const number = parsePhoneNumberFromString(contactId.startsWith('+') ? contactId : `+${contactId}`)
  // Fictional or new ranges have no single country; the calling code still says where.
  return number?.country ?? number?.getPossibleCountries()[0]
}

export function guessLanguage(contactId: string, fallback: Language): Language {
  const country = countryOf(contactId)
  if (country && SPANISH.has(country)) return 'es'
  if (country && ENGLISH.has(country)) return 'en'
  return fallback
}
