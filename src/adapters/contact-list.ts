/**
 * The owner's list of clients for a notice campaign (`npm run campaign -- --contacts clients.csv`),
 * and their do-not-contact list: a CSV file as a spreadsheet saves it, read row by row so that
 * every row left out is told to the owner with its line.
 *
 * The owner does not choose a CSV dialect knowingly, so every one a spreadsheet writes is read
 * alike (test/fixtures/contact-lists/README.md names each): Excel's "CSV UTF-8" starts with a
 * byte-order mark and, where the decimal separator is a comma, puts ";" between cells; Excel's
 * plain "CSV" is Windows-1252; Google Sheets and LibreOffice write UTF-8 without a mark.
 */
import { readFile } from 'node:fs/promises'
import { CsvError, parse } from 'csv-parse/sync'
import { isSupportedCountry } from 'libphonenumber-js'
import type { Language } from '../domain/language.js'
import { type Columns, findColumns, looksLikeNumber, noPhoneColumn, readLanguage, readPhone } from './contact-list-columns.js'

export interface ListedClient {
  /** The row's line in the file (1 is the header; a row whose quoted cell spans lines: its first). */
  line: number
  /** E.164 digits without the `+` (34612345678; Mexican mobiles as written, 52… or 521…). */
  phone: string
  name?: string
  language?: Language
}

/** A row left out, with its line in the file (1 = the header) and why, for the owner. */
export interface ListProblem {
  line: number
  message: string
}

export interface ContactList {
  /** Every row with a valid number, in file order (duplicates INCLUDED: the planner reports them). */
  clients: ListedClient[]
  /** Rows whose number is not a valid phone number (or empty): what was found (digits masked) and how to mend it. */
  invalid: ListProblem[]
  /**
   * Rows kept with something ignored (a language the bot does not speak), and, on the header's
   * line, a second phone column left aside.
   */
  notes: ListProblem[]
  /** How the file was written, for the dry run's summary. */
  format: { delimiter: 'comma' | 'semicolon' | 'tab'; encoding: 'utf-8' | 'utf-8-bom' | 'windows-1252' }
}

export interface ReadOptions {
  /** ISO 3166-1 country for numbers written without + (the policy's jurisdiction, e.g. 'MX'). */
  defaultCountry?: string
  /** For the do-not-contact list: a file with a single column of numbers and no header is accepted. */
  headerOptional?: boolean
}

/** The file cannot be read as a list at all: each line of `message` is `file:line: what is wrong, and how to mend it`. */
export class ContactListError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ListProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.message}`).join('\n'))
    this.name = 'ContactListError'
  }
}

export async function readContactList(path: string, options: ReadOptions = {}): Promise<ContactList> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new ContactListError(path, [{ line: 1, message: `cannot be read (${code}): check the file's name and folder` }])
  }
  return parseContactList(bytes, path, options)
}

const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t' } as const
type Delimiter = keyof typeof DELIMITERS
const EXAMPLE: Record<Delimiter, string> = { comma: ' ("García, Luis")', semicolon: ' ("García; Luis")', tab: '' }

/** `file` names the list in problems, as the owner gave it. */
export function parseContactList(bytes: Uint8Array, file: string, options: ReadOptions = {}): ContactList {
  const country = options.defaultCountry?.toUpperCase()
  if (country !== undefined && !isSupportedCountry(country))
    throw new RangeError(`defaultCountry "${options.defaultCountry}" is not an ISO 3166-1 country code libphonenumber knows`)
  const fail = (line: number, message: string) => new ContactListError(file, [{ line, message }])

  const { text, encoding } = decode(bytes, fail)
  const delimiter = delimiterOf(text)
  const rows = records(Buffer.from(text, 'utf8'), DELIMITERS[delimiter], fail).filter((r) => r.cells.some((c) => c.trim() !== ''))
  const format = { delimiter, encoding }
  if (rows.length === 0)
    throw fail(
      1,
      `is empty: the first line must name the columns (e.g. "Teléfono,Nombre")${options.headerOptional ? ' or be a number' : ''}, and each line after it be one client`,
    )

  const first = rows[0]!
  const named = findColumns(first.cells)
  // A do-not-contact list is often just numbers, pasted one under another.
  const headerless = named.phone === undefined && options.headerOptional === true && looksLikeNumber(first.cells[0] ?? '')
  if (named.phone === undefined && !headerless) throw fail(first.line, noPhoneColumn(first.cells, options.headerOptional))
  const columns: Columns & { phone: number } = headerless ? { phone: 0, otherPhones: [] } : { ...named, phone: named.phone! }
  const data = headerless ? rows : rows.slice(1)
  const notes: ListProblem[] = []
  if (columns.otherPhones.length > 0) {
    const others = columns.otherPhones.map((h) => `"${h}"`).join(', ')
    notes.push({
      line: first.line,
      message: `numbers are read from the column "${first.cells[columns.phone]!.trim()}"; ${others} left aside`,
    })
  }

  // A cell past the header's last column is a comma (or ";") typed inside a cell without quotes:
  // the cells after it have moved one column right, so the row's number cannot be trusted.
  const width = first.cells.length
  const overflowing = headerless ? [] : data.filter((r) => r.cells.slice(width).some((c) => c.trim() !== ''))
  if (overflowing.length > 0)
    throw new ContactListError(
      file,
      overflowing.map((r) => ({
        line: r.line,
        message: `this row has ${r.cells.length} cells where the header names ${width} columns: a cell with a ${delimiter} in it must be written in double quotes${EXAMPLE[delimiter]}`,
      })),
    )

  const clients: ListedClient[] = []
  const invalid: ListProblem[] = []
  for (const { line, cells } of data) {
    const reading = readPhone(cells[columns.phone] ?? '', country)
    if ('problem' in reading) {
      invalid.push({ line, message: reading.problem })
      continue
    }
    const client: ListedClient = { line, phone: reading.phone }
    // A line break inside a name cell is the spreadsheet's layout, not part of how a client is greeted.
    const name = columns.name === undefined ? '' : (cells[columns.name] ?? '').replace(/\s+/g, ' ').trim()
    if (name) client.name = name
    const { language, unknown } = columns.language === undefined ? {} : readLanguage(cells[columns.language] ?? '')
    if (language) client.language = language
    if (unknown) notes.push({ line, message: unknown })
    clients.push(client)
  }
  return { clients, invalid, notes, format }
}

type Fail = (line: number, message: string) => ContactListError

/**
 * UTF-8 when the bytes are UTF-8 (a file of plain ASCII is both, and the same); else
 * Windows-1252, the code page Excel's plain "CSV" writes in on Western Windows.
 */
function decode(bytes: Uint8Array, fail: Fail): { text: string; encoding: ContactList['format']['encoding'] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw fail(1, 'is saved as Unicode text (UTF-16), which is not CSV: in the spreadsheet, save it as "CSV UTF-8"')
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  try {
    // The mark is kept in the text for csv-parse (`bom: true`) to drop.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: bom ? 'utf-8-bom' : 'utf-8' }
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' }
  }
}

/** The delimiter the header line uses most, outside quotes: a list of one column has none (comma, then). */
function delimiterOf(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { comma: 0, semicolon: 0, tab: 0 }
  const start = text.search(/[^\uFEFF\r\n]/)
  let quoted = false
  for (let i = Math.max(start, 0); i < text.length; i++) {
    const c = text[i]!
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '\n' || c === '\r')) break
    else if (!quoted) for (const d of Object.keys(DELIMITERS) as Delimiter[]) if (DELIMITERS[d] === c) counts[d]++
  }
  // On a tie, the rarer a character is inside a header's words, the likelier it is the delimiter.
  const [most] = (['tab', 'semicolon', 'comma'] as const).slice().sort((a, b) => counts[b] - counts[a])
  return counts[most!] > 0 ? most! : 'comma'
}

/**
 * Every record with the line it starts on. csv-parse's own count (`info.lines`) is the line a
 * record ends on, and counts a CRLF inside a quoted cell as two lines (csv-parse 7.0.3), so the
 * line is counted here from the byte where each record starts: where the one before it ended
 * (csv-parse's `bytes`), past any empty lines.
 */
function records(input: Buffer, delimiter: string, fail: Fail): { line: number; cells: string[] }[] {
  const found: { line: number; cells: string[] }[] = []
  const lines = new LineCounter(input)
  let end = 0
  try {
    parse(input, {
      delimiter,
      bom: true,
      // Short rows are rows whose last cells are empty; long ones are checked against the header.
      relax_column_count: true,
      // A quote typed inside a name (Juan "el Chino" Pérez) is part of the name.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (cells: string[], context) => {
        found.push({ line: lines.lineOfRecordAt(end), cells })
        end = context.bytes
        return null
      },
    })
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    const line = lines.lineOfRecordAt(end)
    if (error.code === 'CSV_QUOTE_NOT_CLOSED')
      throw fail(
        line,
        'a double quote (") opens a cell in this row and is never closed, so the rest of the file would be one cell: close it, or delete it',
      )
    throw fail(line, `this row cannot be read as CSV (${error.message}): check its quotes`)
  }
  return found
}

/** Line numbers of byte offsets, counted forward only (records come in order). CRLF, LF and a lone CR each end a line. */
class LineCounter {
  private at = 0
  private line = 1

  constructor(private readonly bytes: Uint8Array) {}

  /** The line of the first byte at or after `offset` that is not a line end. */
  lineOfRecordAt(offset: number): number {
    const b = this.bytes
    while (this.at < b.length && (this.at < offset || b[this.at] === 0x0a || b[this.at] === 0x0d)) {
      if (b[this.at] === 0x0a || (b[this.at] === 0x0d && b[this.at + 1] !== 0x0a)) this.line++
      this.at++
    }
    return this.line
  }
}
