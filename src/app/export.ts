/**
 * The owner's export: the consent ledger (one row per record) and the current state of every
 * contact, shaped from the stored data. Pure: `npm run export` and the dashboard's downloads both
 * use it, so a spreadsheet and a download always agree.
 *
 * The export includes the contact's phone number (and their answer, word for word) where it has
 * not been erased: it is the owner's own evidence, asked for by an authority or a client. Erased
 * records keep only their pseudonym. The files are the owner's copies: `npm run export` writes them
 * outside the data folder (exports/), where an erasure does not reach and is not expected to.
 */
import type { CampaignProgress } from '../domain/campaign.js'
import type { ConsentState } from '../domain/consent.js'
import type { ConsentData } from '../ports/consent-store.js'
import { wallParts } from '../domain/time-zone.js'

export interface LedgerRow {
  seq: number
  /** The receipt id the contact was given. */
  receipt: string
  at: string
  event: string
  purposes: string[]
  /** Every purpose's state right after this record. */
  consents: Record<string, ConsentState>
  policyVersion: string
  noticeHash: string
  language: string
  collectionMethod: string
  messageId: string | null
  /** The phone number (or WhatsApp id); null once the contact's data was erased. */
  contact: string | null
  /** The contact's answer as written; null once erased or for records not collected in the chat. */
  answer: string | null
  /** The contact's pseudonym: follows one person's records, erased or not. */
  pseudonym: string
}

export interface ContactRow {
  contact: string
  pseudonym: string
  language: string
  firstSeen: string
  lastSeen: string
  policyVersion: string | null
  consents: Record<string, { state: ConsentState; since: string; receipt: string }>
  channel: { channel: string; handle: string | null; link: string | null; since: string } | null
  /** Where the contact's conversation stands, e.g. `askMarketing` or `channelDetails.handle`. */
  step: string | null
}

export interface ExportOptions {
  /** Only ledger records at or after this moment, and contacts last seen at or after it. */
  since?: Date
}

/** Ledger records, in the order they were written. */
export function ledgerRows(data: ConsentData, options: ExportOptions = {}): LedgerRow[] {
  const since = options.since?.getTime()
  return data.ledger
    .filter((entry) => since === undefined || Date.parse(entry.record.at) >= since)
    .map(({ seq, record, personal }) => ({
      seq,
      receipt: record.id,
      at: record.at,
      event: record.event,
      purposes: [...record.purposes],
      consents: { ...record.consents },
      policyVersion: record.notice.policyVersion,
      noticeHash: record.notice.hash,
      language: record.notice.language,
      collectionMethod: record.collection.method,
      messageId: record.collection.messageId ?? null,
      contact: personal?.contact ?? null,
      answer: personal && record.collection.method === 'whatsapp-chat' ? (personal.answer ?? null) : null,
      pseudonym: record.principal,
    }))
}

/** Every contact as it stands now, first seen first. */
export function contactRows(data: ConsentData, options: ExportOptions = {}): ContactRow[] {
  const since = options.since?.getTime()
  return Object.values(data.contacts)
    .filter((contact) => since === undefined || Date.parse(contact.lastSeen) >= since)
    .sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0))
    .map((contact) => ({
      contact: contact.id,
      pseudonym: contact.principal,
      language: contact.language,
      firstSeen: contact.firstSeen,
      lastSeen: contact.lastSeen,
      policyVersion: contact.policyVersion ?? null,
      consents: Object.fromEntries(
        Object.entries(contact.consents).map(([purpose, c]) => [purpose, { state: c.state, since: c.at, receipt: c.record }]),
      ),
      channel: contact.channel
        ? {
            channel: contact.channel.channel,
            handle: contact.channel.handle ?? null,
            link: contact.channel.link ?? null,
            since: contact.channel.at,
          }
        : null,
      step: stepOf(data.conversations[contact.id]?.snapshot),
    }))
}

/**
 * Where a persisted conversation stands: XState keeps the step as a string, or as an object for
 * a step with sub-steps (`{ channelDetails: 'handle' }` → `channelDetails.handle`).
 */
export function stepOf(snapshot: unknown): string | null {
  const path = (value: unknown): string | null => {
    if (typeof value === 'string') return value
    if (value && typeof value === 'object') {
      const [key, inner] = Object.entries(value)[0] ?? []
      if (key === undefined) return null
      const rest = path(inner)
      return rest ? `${key}.${rest}` : key
    }
    return null
  }
  return path((snapshot as { value?: unknown } | undefined)?.value)
}

/**
 * The purposes that appear in the data, in the order first met (the ledger follows the order
 * purposes are asked in), after any `preferred` order (the current policy's).
 */
export function purposesIn(data: ConsentData, preferred: string[] = []): string[] {
  const seen = new Set(preferred)
  // Plain loops: this runs over every record of a ledger that may hold hundreds of thousands.
  for (const { record } of data.ledger) {
    for (const purpose of record.purposes) seen.add(purpose)
    for (const purpose in record.consents) seen.add(purpose)
  }
  for (const id in data.contacts) for (const purpose in data.contacts[id]!.consents) seen.add(purpose)
  return [...seen]
}

// ---- Tables: what the CSV files and the spreadsheet hold ----------------------------------

/**
 * A moment as a spreadsheet should read it, a date cell: its wall-clock text in a time zone
 * (`2026-11-20 04:00:00`, or a day `2026-11-20`). Every other text is kept as text.
 */
export interface WallTime {
  wall: string
}

export type TableValue = string | number | null | WallTime

export interface Table {
  /** The sheet's name in the spreadsheet. */
  name: string
  header: string[]
  rows: TableValue[][]
}

/** The time zone of the local-time columns when none is given: the machine's (the TZ variable, if set). */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

export { isTimeZone } from '../domain/time-zone.js'

/** A moment's wall-clock time in a zone, as `2026-11-20 04:00:00`. */
export function wallClock(at: string | Date, zone: string): string {
  const { year, month, day, hour, minute, second } = wallParts(zone, new Date(at).getTime())
  const two = (n: number) => String(n).padStart(2, '0')
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)}:${two(second)}`
}

/** A stored moment (ISO 8601, UTC) as two cells: in UTC and in the local zone. */
export function moments(at: string | null | undefined, zone: string): [WallTime | null, WallTime | null] {
  if (!at || Number.isNaN(Date.parse(at))) return [null, null]
  return [{ wall: wallClock(at, 'UTC') }, { wall: wallClock(at, zone) }]
}

/** A local-time column's title, naming its zone. */
export const local = (what: string, zone: string) => `${what} (local, ${zone})`

/** The ledger: one header row, one row per record, one "… after" column per purpose. */
export function ledgerTable(rows: LedgerRow[], purposes: string[], zone = machineTimeZone()): Table {
  const header = [
    'seq',
    'receipt',
    'time (UTC)',
    local('time', zone),
    local('day', zone),
    'event',
    'purposes',
    ...purposes.map((p) => `${p} after`),
    'policy version',
    'notice hash',
    'language',
    'collection method',
    'message id',
    'contact',
    'answer',
    'pseudonym',
  ]
  return {
    name: 'Ledger',
    header,
    rows: rows.map((r) => {
      const [utc, there] = moments(r.at, zone)
      return [
        r.seq,
        r.receipt,
        utc,
        there,
        there && { wall: there.wall.slice(0, 10) },
        r.event,
        r.purposes.join(' '),
        ...purposes.map((p) => r.consents[p] ?? ''),
        r.policyVersion,
        r.noticeHash,
        r.language,
        r.collectionMethod,
        r.messageId,
        r.contact,
        r.answer,
        r.pseudonym,
      ]
    }),
  }
}

/** Contacts: one row per contact, a state and since when (UTC and local) per purpose. */
export function contactsTable(rows: ContactRow[], purposes: string[], zone = machineTimeZone()): Table {
  const header = [
    'contact',
    'language',
    'first seen (UTC)',
    local('first seen', zone),
    'last seen (UTC)',
    local('last seen', zone),
    'policy version',
    ...purposes.flatMap((p) => [p, `${p} since (UTC)`, local(`${p} since`, zone)]),
    'channel',
    'channel handle or link',
    'channel since (UTC)',
    local('channel since', zone),
    'step',
    'pseudonym',
  ]
  return {
    name: 'Contacts',
    header,
    rows: rows.map((r) => [
      r.contact,
      r.language,
      ...moments(r.firstSeen, zone),
      ...moments(r.lastSeen, zone),
      r.policyVersion,
      ...purposes.flatMap((p) => [r.consents[p]?.state ?? '', ...moments(r.consents[p]?.since, zone)]),
      r.channel?.channel ?? '',
      r.channel ? (r.channel.handle ?? r.channel.link) : '',
      ...moments(r.channel?.since, zone),
      r.step,
      r.pseudonym,
    ]),
  }
}

// ---- CSV ------------------------------------------------------------------------------------

/**
 * A byte-order mark: without it, Excel reads UTF-8 as Windows-1252 and mangles "sí" and emoji.
 * (LibreOffice's import without its dialog ignores it: the .xlsx export is for LibreOffice.)
 */
const BOM = '\uFEFF'

/**
 * One CSV cell, read by a spreadsheet as what it is.
 *
 * CSV has no types: Excel, LibreOffice and Google Sheets guess them, and turn a phone number into
 * a number (`5.21551E+12`), a policy version into a date, and text starting with `=` `+` `-` `@`
 * into a formula (a contact can write "=HYPERLINK(…)" as an answer). Such text is written as the
 * one formula that cannot do anything, a text constant: `="5215512345678"`, which all three show
 * as the text itself (no visible apostrophe), and which a contact's words cannot escape (a `"`
 * inside is doubled; line breaks become CHAR(10)). Text no spreadsheet would misread is written
 * as it is, quoted when it holds a comma, quote or line break. A date and time (`WallTime`) is
 * written bare, for the spreadsheet to read as a date.
 */
export function csvCell(value: TableValue | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object') return value.wall
  let text = value
  if (misread(value)) {
    const formula = textFormula(value)
    // Beyond what a formula may hold (8,192 characters, in Excel): the old guard, an apostrophe.
    text = formula ?? `'${value}`
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** = + - @ tab, carriage return and line feed: what a spreadsheet may take as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r\n]/
/** Digits with no letter but an exponent's e: a number, date, time, fraction, percentage or amount to a spreadsheet. */
const NUMBER_LIKE = /^[^A-DF-Za-df-z]*\d[^A-DF-Za-df-z]*$/
/** Words a spreadsheet reads as true or false. */
const BOOLEAN = /^\s*(true|false|verdadero|falso|wahr|falsch|vrai|faux|vero|falso)\s*$/i
/** "1 nov", "Nov 1, 2026", "1-ene": dates to a spreadsheet. */
const MONTH_DATE = /^[\s\d.,/-]*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|abr|ago|dic)[a-z]*\.?[\s\d.,/-]*$/i
const NEEDS_QUOTES = /[",\r\n]/

/** Whether a spreadsheet's import would read this text as something else than this text. */
export function misread(text: string): boolean {
  if (text === '') return false
  return FORMULA_START.test(text) || NUMBER_LIKE.test(text) || BOOLEAN.test(text) || (/\d/.test(text) && MONTH_DATE.test(text))
}

/**
 * A text constant as a formula: `="…"`, in pieces of at most 255 characters (Excel's limit for
 * one) joined by `&`, control characters as CHAR(n). Undefined when longer than a formula may be.
 */
export function textFormula(text: string): string | undefined {
  const pieces: string[] = []
  let literal = ''
  let length = 0
  const flush = () => {
    if (literal) pieces.push(`"${literal}"`)
    literal = ''
    length = 0
  }
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 0x20 || code === 0x7f) {
      flush()
      if (code !== 0) pieces.push(`CHAR(${code})`)
      continue
    }
    const escaped = ch === '"' ? '""' : ch
    if (length + escaped.length > 255) flush()
    literal += escaped
    length += escaped.length
  }
  flush()
  const formula = `=${pieces.length > 0 ? pieces.join('&') : '""'}`
  return formula.length <= 8192 ? formula : undefined
}

/** A table as CSV: UTF-8 with a byte-order mark, one header row, CRLF line ends. */
export function tableCsv(table: Table): string {
  return `${BOM + [table.header, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/** The ledger as CSV. */
export function ledgerCsv(rows: LedgerRow[], purposes: string[], zone?: string): string {
  return tableCsv(ledgerTable(rows, purposes, zone))
}

/** Contacts as CSV. */
export function contactsCsv(rows: ContactRow[], purposes: string[], zone?: string): string {
  return tableCsv(contactsTable(rows, purposes, zone))
}

// ---- JSON -----------------------------------------------------------------------------------

export type ExportPart = 'ledger' | 'contacts'

/** Both parts (or one) as one JSON document, with the campaigns when given (export-campaigns.ts). */
export function exportJson(
  data: ConsentData,
  parts: ExportPart[],
  options: ExportOptions & { exportedAt: Date; campaigns?: CampaignProgress[] },
): string {
  const document = {
    schema: 'consent-export/1',
    exportedAt: options.exportedAt.toISOString(),
    ...(options.since ? { since: options.since.toISOString() } : {}),
    ...(parts.includes('ledger') ? { ledger: ledgerRows(data, options) } : {}),
    ...(parts.includes('contacts') ? { contacts: contactRows(data, options) } : {}),
    ...(options.campaigns ? { campaigns: options.campaigns } : {}),
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

/** What the CSV and spreadsheet exports take besides the range: the purposes' order, the local time zone. */
export interface TableOptions extends ExportOptions {
  /** The current policy's purposes, in its order; others found in the data follow. */
  purposes?: string[]
  /** The time zone of the local-time columns (default: the machine's). */
  timeZone?: string
}

/** One part as a table. */
export function exportTable(data: ConsentData, part: ExportPart, options: TableOptions = {}): Table {
  const purposes = purposesIn(data, options.purposes)
  const zone = options.timeZone ?? machineTimeZone()
  return part === 'ledger'
    ? ledgerTable(ledgerRows(data, options), purposes, zone)
    : contactsTable(contactRows(data, options), purposes, zone)
}

/** One part as CSV. */
export function exportCsv(data: ConsentData, part: ExportPart, options: TableOptions = {}): string {
  return tableCsv(exportTable(data, part, options))
}

/**
 * `--since` as an owner types it: a day (`2026-11-01`, midnight UTC) or a moment in ISO 8601
 * (`2026-11-01T09:30:00Z`). Undefined when it is neither.
 */
export function parseSince(text: string): Date | undefined {
  const trimmed = text.trim()
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed)
  if (day) {
    const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])))
    // Rejects 2026-02-31 rather than rolling it over into March.
    return date.toISOString().slice(0, 10) === trimmed ? date : undefined
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) return undefined
  const date = new Date(trimmed)
  return Number.isNaN(date.getTime()) ? undefined : date
}
