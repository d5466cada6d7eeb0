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
import type { ConsentState } from '../domain/consent.js'
import type { ConsentData } from '../ports/consent-store.js'

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

// ---- CSV ------------------------------------------------------------------------------------

/** A byte-order mark: without it, Excel reads UTF-8 as Windows-1252 and mangles "sí" and emoji. */
const BOM = '\uFEFF'

/**
 * One CSV cell. Text a spreadsheet would run as a formula (a contact can write "=HYPERLINK(…)"
 * as an answer, or a handle like "+1 415…" or "@name") gets a leading apostrophe, as OWASP
 * advises against CSV injection; every cell with a comma, quote or line break is quoted.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.has(value.charCodeAt(0)) ? `'${value}` : value
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** = + - @ tab and carriage return: what a spreadsheet may take as the start of a formula. */
const FORMULA_START = new Set([...'=+-@\t\r'].map((c) => c.charCodeAt(0)))
const NEEDS_QUOTES = /[",\r\n]/

function csv(header: string[], rows: (string | number | null)[][]): string {
  return `${BOM + [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/** The ledger as CSV: one header row, one row per record, one "… after" column per purpose. */
export function ledgerCsv(rows: LedgerRow[], purposes: string[]): string {
  const header = [
    'seq',
    'receipt',
    'time (UTC)',
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
  return csv(
    header,
    rows.map((r) => [
      r.seq,
      r.receipt,
      r.at,
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
    ]),
  )
}

/** Contacts as CSV: one row per contact, two columns per purpose (its state and since when). */
export function contactsCsv(rows: ContactRow[], purposes: string[]): string {
  const header = [
    'contact',
    'language',
    'first seen (UTC)',
    'last seen (UTC)',
    'policy version',
    ...purposes.flatMap((p) => [p, `${p} since`]),
    'channel',
    'channel handle or link',
    'channel since',
    'step',
    'pseudonym',
  ]
  return csv(
    header,
    rows.map((r) => [
      r.contact,
      r.language,
      r.firstSeen,
      r.lastSeen,
      r.policyVersion,
      ...purposes.flatMap((p) => [r.consents[p]?.state ?? '', r.consents[p]?.since ?? '']),
      r.channel?.channel ?? '',
      r.channel ? (r.channel.handle ?? r.channel.link) : '',
      r.channel?.since ?? '',
      r.step,
      r.pseudonym,
    ]),
  )
}

// ---- JSON -----------------------------------------------------------------------------------

export type ExportPart = 'ledger' | 'contacts'

/** Both parts (or one) as one JSON document. */
export function exportJson(data: ConsentData, parts: ExportPart[], options: ExportOptions & { exportedAt: Date }): string {
  const document = {
    schema: 'consent-export/1',
    exportedAt: options.exportedAt.toISOString(),
    ...(options.since ? { since: options.since.toISOString() } : {}),
    ...(parts.includes('ledger') ? { ledger: ledgerRows(data, options) } : {}),
    ...(parts.includes('contacts') ? { contacts: contactRows(data, options) } : {}),
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

/** One part as CSV. */
export function exportCsv(data: ConsentData, part: ExportPart, options: ExportOptions & { purposes?: string[] } = {}): string {
  const purposes = purposesIn(data, options.purposes)
  return part === 'ledger' ? ledgerCsv(ledgerRows(data, options), purposes) : contactsCsv(contactRows(data, options), purposes)
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
