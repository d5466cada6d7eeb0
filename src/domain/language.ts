/**
 * The languages the bot speaks, and the first guess for a new contact: the language of the
 * country their phone number belongs to, else the deployment's default.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

export const LANGUAGES = ['es', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

// Countries where Spanish is the language a business would write in first.
const SPANISH: ReadonlySet<string> = new Set([
  'ES',
  'MX',
  'AR',
  'CO',
  'CL',
  'PE',
  'VE',
  'EC',
  'GT',
  'CU',
  'BO',
  'DO',
  'HN',
  'PY',
  'SV',
  'NI',
  'CR',
  'PA',
  'UY',
  'GQ',
  'PR',
])
const ENGLISH: ReadonlySet<string> = new Set([
  'US',
  'GB',
  'CA',
  'AU',
  'NZ',
  'IE',
  'ZA',
  'JM',
  'TT',
  'BS',
  'BB',
  'BZ',
  'GY',
  'NG',
  'GH',
  'KE',
  'SG',
  'PH',
  'IN',
  'GG',
  'JE',
  'IM',
])

/** The country of a WhatsApp sender id (digits with country code), if it is a phone number. */
export function countryOf(contactId: string): CountryCode | undefined {
  // A Cloud API business-scoped user id starts with the user's country (`MX.1502…`).
  const scoped = /^([A-Z]{2})\./.exec(contactId)?.[1]
  if (scoped) return isSupportedCountry(scoped) ? scoped : undefined
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

/**
 * Everyday words that belong to one of the languages only (accents and case dropped, as
 * `tokenize` leaves them). Words both share ("no", "ok", "stop", "info") say nothing.
 */
const COMMON_WORDS: Record<Language, readonly string[]> = {
  es: [
    'hola',
    'buenas',
    'buenos',
    'dias',
    'tardes',
    'noches',
    'gracias',
    'si',
    'quiero',
    'necesito',
    'tengo',
    'que',
    'como',
    'cuanto',
    'cuando',
    'donde',
    'porque',
    'por',
    'favor',
    'para',
    'pero',
    'esta',
    'estoy',
    'usted',
    'ustedes',
    'mi',
    'tu',
    'una',
    'uno',
    'del',
    'los',
    'las',
    'el',
    'la',
    'con',
    'sin',
    'bien',
    'vale',
    'claro',
    'perdon',
    'disculpa',
    'ayuda',
    'informacion',
    'precio',
    'cita',
    'pedido',
    'hay',
    'quisiera',
    'saber',
    'tienen',
    'acepto',
    'nada',
    'mas',
  ],
  en: [
    'hi',
    'hello',
    'hey',
    'thanks',
    'thank',
    'you',
    'yes',
    'yeah',
    'yep',
    'want',
    'need',
    'have',
    'what',
    'how',
    'much',
    'when',
    'where',
    'please',
    'for',
    'but',
    'are',
    'the',
    'my',
    'your',
    'with',
    'without',
    'good',
    'morning',
    'afternoon',
    'evening',
    'sorry',
    'help',
    'price',
    'appointment',
    'order',
    'there',
    'would',
    'like',
    'know',
    'agree',
    'accept',
    'sure',
    'nothing',
    'more',
  ],
}

export type Vocabularies = Record<Language, ReadonlySet<string>>

/** Each language's words: the everyday ones above and the owner's answer words (as tokens). */
export function vocabularies(answerTokens: Record<Language, Iterable<string>>): Vocabularies {
  const sets = Object.fromEntries(LANGUAGES.map((l) => [l, new Set([...COMMON_WORDS[l], ...answerTokens[l]])])) as Record<
    Language,
    Set<string>
  >
  // A word of both languages tells nothing.
  for (const word of [...sets.es]) if (sets.en.has(word)) for (const l of LANGUAGES) sets[l].delete(word)
  return sets
}

/**
 * The language a message is clearly written in: most of its words belong to that
 * language only, and none to the other (single letters say nothing). "hola" is Spanish, "yes
 * please" English; "ok", "sí yes", "👍" or "$t(notice.full)" neither.
 */
export function languageOfTokens(tokens: readonly string[], words: Vocabularies): Language | undefined {
  const meaningful = tokens.filter((t) => t.length > 1)
  const counts = LANGUAGES.map((l) => meaningful.filter((t) => words[l].has(t)).length)
  const found = LANGUAGES.filter((_, i) => counts[i]! > 0)
  if (found.length !== 1) return undefined
  return counts[LANGUAGES.indexOf(found[0]!)]! * 2 > meaningful.length ? found[0] : undefined
}
