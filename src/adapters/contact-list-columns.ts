/**
 * What the columns of the owner's contact list mean: which header names the phone, name and
 * language columns, and what a phone or language cell says. Cells are read as a spreadsheet
 * leaves them, so the problems found are told in the owner's terms (a column to format as Text,
 * a country code to add), never as a parser's.
 */
import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js'
import { isLanguage, LANGUAGES, type Language } from '../domain/language.js'
import { nearest } from '../domain/names.js'

/** Lower case, no accents, punctuation as spaces: "Teléfono:" and "TELEFONO" name one column. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/**
 * The names a phone column goes by, the likeliest to hold a WhatsApp number first: a list with
 * both a "Teléfono" (often a landline) and a "Celular" is read from the mobile one.
 */
const PHONE_NAMES = [
  ['whatsapp', 'número de whatsapp'],
  ['mobile', 'mobile number', 'mobile phone', 'cell', 'cell phone', 'cellphone'],
  ['celular', 'número de celular', 'teléfono celular', 'móvil', 'teléfono móvil', 'cel'],
  ['phone', 'phone number', 'telephone', 'tel', 'teléfono', 'número de teléfono'],
  ['number', 'número'],
]
const NAME_NAMES = ['name', 'full name', 'nombre', 'nombre completo']
const LANGUAGE_NAMES = ['language', 'lang', 'idioma', 'lengua']

/** As the owner is told them when no column is recognised. */
const ACCEPTED_PHONE_NAMES = 'phone, telephone, tel, number, mobile, whatsapp, teléfono, número, celular, móvil, cel'

export interface Columns {
  phone?: number
  name?: number
  language?: number
  /** Other columns that name a phone too, left aside for `phone` (their header text). */
  otherPhones: string[]
}

export function findColumns(header: readonly string[]): Columns {
  const folded = header.map(fold)
  const find = (names: readonly string[]) => {
    const wanted = new Set(names.map(fold))
    const index = folded.findIndex((h) => wanted.has(h))
    return index < 0 ? undefined : index
  }
  const phones = PHONE_NAMES.map(find).filter((i) => i !== undefined)
  // The likeliest kind of name found wins; among columns of one kind, the leftmost.
  const phone = phones[0]
  const otherPhones = folded.flatMap((h, i) => (i !== phone && PHONE_NAMES.flat().some((n) => fold(n) === h) ? [header[i]!.trim()] : []))
  const name = find(NAME_NAMES)
  const language = find(LANGUAGE_NAMES)
  return {
    ...(phone === undefined ? {} : { phone }),
    ...(name === undefined ? {} : { name }),
    ...(language === undefined ? {} : { language }),
    otherPhones,
  }
}

/** The accepted name a header cell was probably meant to be ("Telfono" for "teléfono"). */
function meantPhoneName(header: readonly string[]): { written: string; meant: string } | undefined {
  const names = PHONE_NAMES.flat()
  for (const cell of header) {
    // Short words are near too many others ("mail" is two letters from "móvil").
    const meant = fold(cell).length >= 5 ? nearest(fold(cell), names.map(fold)) : undefined
    if (meant) return { written: cell.trim(), meant: names.find((n) => fold(n) === meant)! }
  }
  return undefined
}

/** Digits and the signs written between them, with no letter: a number, not a column's name. */
export function looksLikeNumber(cell: string): boolean {
  const text = cell.trim()
  return /^[\d\s\-.()+/']*\d[\d\s\-.()+/']*$/.test(text) || /^\d+(?:[.,]\d+)?e\+?\d+$/i.test(text) || /^="[\d\s+]+"$/.test(text)
}

/** What to tell the owner when no header cell names a phone column. */
export function noPhoneColumn(header: readonly string[], headerOptional?: boolean): string {
  const found = header.map((h) => `"${h.trim()}"`).join(', ')
  const meant = meantPhoneName(header)
  const hint = meant ? ` ("${meant.written}" is close to "${meant.meant}": check its spelling)` : ''
  const numbers = headerOptional
    ? ''
    : looksLikeNumber(header[0] ?? '')
      ? '; this line looks like a number: add a line above it naming the columns'
      : ''
  return `no column is named as the phone number (found ${found})${hint}: name the numbers' column in the first line with one of ${ACCEPTED_PHONE_NAMES} (any case, accents or not)${numbers}`
}

// ---- phone cells ------------------------------------------------------------------------------

export type PhoneReading = { phone: string } | { problem: string }

/** "5.21551E+12" (or "5,21551E+12" where the decimal separator is a comma). */
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i
/** What people put between a number's digits: spaces of any width, dashes, dots, parentheses, slashes, commas. */
const SEPARATORS = /^[\d\s\-\u2010-\u2015.(),/+]*$/u

/**
 * A phone cell as E.164 digits without the `+` (the form the bot keys contacts by), or what is
 * wrong with it, told without the whole number (messages may reach a log).
 *
 * Mexico: WhatsApp still keys Mexican mobiles as 52 1 + 10 digits, the "1" the country dropped in
 * 2019; libphonenumber writes 52 + 10 and calls the 521 form invalid (too long). A 521 number whose
 * 52 form is valid is taken, and each number keeps the digits libphonenumber's E.164 gives it
 * (521… as written, 52… otherwise): the planner matches both forms (`numberForms`), so rewriting
 * one into the other here would only hide from the owner what their file says.
 */
export function readPhone(cell: string, country?: CountryCode): PhoneReading {
  const text = unwrap(cell)
  if (text === '') return { problem: 'no number: the phone cell is empty; write the number, or delete the row' }
  if (SCIENTIFIC.test(text))
    return {
      problem: `"${text}" is a number the spreadsheet wrote in scientific notation, which has lost its last digits: format the phone column as Text, type the numbers again in full, and save the CSV again`,
    }
  if (!SEPARATORS.test(text))
    return {
      problem: `"${masked(text)}" is not a phone number (it has letters or signs in it): write only the number, with + and its country code`,
    }
  let digits = text.replace(/\D/g, '')
  if (digits === '') return { problem: `"${text}" has no digits: write the number, or delete the row` }
  // `+` or `00`: the country code follows (00 is the international prefix of most countries).
  const international = text.startsWith('+') || digits.startsWith('00')
  if (digits.startsWith('00')) digits = digits.slice(2)
  const plus = e164(`+${digits}`)
  if (international) return plus ? { phone: plus } : { problem: notValid(text, digits, `+${digits}`) }
  if (country) {
    const national = parsePhoneNumberFromString(digits, country)
    if (national?.isValid()) return { phone: national.number.slice(1) }
  }
  // A spreadsheet's number cell drops the `+` (Google Sheets reads "+52…" as a positive number).
  if (plus) return { phone: plus }
  return { problem: country ? notValid(text, digits, digits, country) : noCountryCode(text, digits) }
}

function e164(international: string): string | undefined {
  const number = parsePhoneNumberFromString(international)
  if (number?.isValid()) return number.number.slice(1)
  const mexican = number?.number.startsWith('+521') ? parsePhoneNumberFromString(`+52${number.number.slice(4)}`) : undefined
  return mexican?.isValid() ? number!.number.slice(1) : undefined
}

/** A formula's text constant (`="5215512345678"`, as this project's exports write numbers) or an apostrophe's text (`'5215…`). */
function unwrap(cell: string): string {
  const text = cell.replace(/[\p{Cc}\p{Cf}]/gu, '').trim()
  const formula = /^="(.*)"$/s.exec(text)?.[1]
  return (formula ?? text.replace(/^'/, '')).trim()
}

/** The text with all but its first two and last two digits hidden: enough to find the row, not a number to log. */
export function masked(text: string): string {
  const total = text.replace(/\D/g, '').length
  if (total < 6) return text
  let seen = 0
  return text.replace(/\d/g, (d) => (seen++ < 2 || seen > total - 2 ? d : '•'))
}

function notValid(text: string, digits: string, parsed: string, country?: CountryCode): string {
  const shown = `"${masked(text)}" (${digits.length} digits)`
  const code = country ? getCountryCallingCode(country) : parsePhoneNumberFromString(parsed)?.countryCallingCode
  const where = country ? ` in ${country} (+${code})` : code ? ` with country code +${code}` : ''
  switch (validatePhoneNumberLength(parsed, country)) {
    case 'TOO_SHORT':
      return `${shown} is too short for a phone number${where}: check it, and write it in full with its country code`
    case 'TOO_LONG':
      return `${shown} is too long for a phone number${where}: check it; a row holds one number`
    case 'INVALID_COUNTRY':
      return `${shown} does not start with any country's code: check it, and write it with + and its country code`
    default:
      return `${shown} is not a valid phone number${where}: check its digits and its country code`
  }
}

function noCountryCode(text: string, digits: string): string {
  return `"${masked(text)}" (${digits.length} digits) has no country code: write it with + and its country code (+52 for Mexico, +34 for Spain…)`
}

// ---- language cells ---------------------------------------------------------------------------

const LANGUAGE_WORDS: Readonly<Record<string, Language>> = {
  espanol: 'es',
  spanish: 'es',
  castellano: 'es',
  spa: 'es',
  ingles: 'en',
  english: 'en',
  eng: 'en',
}

/**
 * A language cell: a code (`es`, `en-US`, `es_MX`: the base language) or a name in either
 * language ("Español", "inglés"), one the bot speaks. `unknown` is what to tell the owner of.
 */
export function readLanguage(cell: string): { language?: Language; unknown?: string } {
  const text = cell.trim()
  const word = fold(text).split(' ')[0] ?? ''
  if (word === '') return {}
  const language = isLanguage(word) ? word : LANGUAGE_WORDS[word]
  return language
    ? { language }
    : { unknown: `the language "${text}" is not one the bot speaks (${LANGUAGES.join(', ')}): the client is kept, with no language` }
}
