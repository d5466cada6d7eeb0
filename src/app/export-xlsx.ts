/**
 * The export as a spreadsheet (.xlsx): the same tables as the CSV files, one sheet per part, with
 * the types a CSV cannot carry. Text (phone numbers, receipt ids, policy versions, answers) is a
 * text cell in a text-formatted column, so a spreadsheet shows it as written, keeps it text when
 * the cell is edited, and never runs it as a formula; times are date cells (UTC, and the local
 * time zone's), which a spreadsheet sorts and filters by day; `seq` is a number.
 *
 * Written with write-excel-file: one small dependency (fflate, for the zip), MIT, kept up.
 */
import writeXlsxFile, { type Cell, type SheetData } from 'write-excel-file/node'
import type { CampaignProgress } from '../domain/campaign.js'
import type { ConsentData } from '../ports/consent-store.js'
import { campaignsTable } from './export-campaigns.js'
import { exportTable, type ExportPart, type Table, type TableOptions, type TableValue } from './export.js'

const DATE_TIME = 'yyyy-mm-dd hh:mm:ss'
const DAY = 'yyyy-mm-dd'
/** Excel's "Text" number format: what is typed into the cell later stays text too. */
const TEXT = '@'
/** Characters XML 1.0 cannot hold (the sheet is XML), as the replacement character. */
function xmlText(text: string): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    const allowed = code >= 0x20 ? code !== 0xfffe && code !== 0xffff : code === 0x09 || code === 0x0a || code === 0x0d
    out += allowed ? ch : '\uFFFD'
  }
  return out
}
/** The most a cell holds (Excel): longer text is cut, with an ellipsis. */
const CELL_MAX = 32_767

function cell(value: TableValue, column: 'text' | 'number' | 'time' | 'day'): Cell {
  if (value === null || value === '') return null
  if (typeof value === 'number') return { value, type: Number }
  if (typeof value === 'object') {
    // A date cell holds a wall-clock time without a zone: the moment's wall clock, read as if UTC.
    const [y, mo, d, h = 0, mi = 0, s = 0] = value.wall.split(/[- :]/).map(Number)
    return { value: new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s)), type: Date, format: column === 'day' ? DAY : DATE_TIME }
  }
  let text = xmlText(value)
  if (text.length > CELL_MAX) text = `${text.slice(0, CELL_MAX - 1)}…`
  return { value: text, type: String, format: TEXT }
}

/** What a column holds, from its first value that says (a column of blanks is text). */
function kinds(table: Table): ('text' | 'number' | 'time' | 'day')[] {
  return table.header.map((_, i) => {
    for (const row of table.rows) {
      const value = row[i]
      if (typeof value === 'number') return 'number'
      if (value && typeof value === 'object') return value.wall.length > 10 ? 'time' : 'day'
      if (typeof value === 'string' && value !== '') return 'text'
    }
    return 'text'
  })
}

function sheet(table: Table): { data: SheetData; columns: { width: number }[] } {
  const kind = kinds(table)
  const header: Cell[] = table.header.map((title) => ({ value: title, type: String, fontWeight: 'bold' }))
  const rows = table.rows.map((row) => row.map((value, i) => cell(value, kind[i]!)))
  const columns = table.header.map((title, i) => ({
    width: kind[i] === 'time' ? 20 : kind[i] === 'day' ? 12 : Math.min(40, Math.max(8, title.length + 2)),
  }))
  return { data: [header, ...rows], columns }
}

/**
 * One workbook, a sheet per part (Ledger, Contacts), then the campaigns' sheet when they are
 * given, the header row kept in view.
 */
export async function exportXlsx(
  data: ConsentData,
  parts: ExportPart[],
  options: TableOptions & { campaigns?: CampaignProgress[] } = {},
): Promise<Buffer> {
  const tables = parts.map((part) => exportTable(data, part, options))
  if (options.campaigns) tables.push(campaignsTable(options.campaigns, options.timeZone))
  return writeXlsxFile(tables.map((table) => ({ ...sheet(table), sheet: table.name, stickyRowsCount: 1 }))).toBuffer()
}
