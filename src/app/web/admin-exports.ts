/**
 * The dashboard's downloads: /admin/export.csv, .json and .xlsx, the ledger, the contacts or both,
 * optionally since a day and with local times in a zone of the owner's choice.
 */
import type { Policy } from '../../domain/policy.js'
import type { ConsentReader } from '../../ports/consent-reader.js'
import { exportCsv, exportJson, isTimeZone, parseSince, type ExportPart } from '../export.js'
import { exportXlsx } from '../export-xlsx.js'
import { text, type Reply } from './http-reply.js'

export const EXPORT_PATHS = new Set(['/admin/export.csv', '/admin/export.json', '/admin/export.xlsx'])

const noStore = { 'Cache-Control': 'no-store' }

export async function exportReply(url: URL, reader: ConsentReader, policy: Policy, now: Date): Promise<Reply> {
  const path = url.pathname
  const sinceText = url.searchParams.get('since')
  const since = sinceText ? parseSince(sinceText) : undefined
  if (sinceText && !since) return text(400, 'since must be a day like 2026-11-01 or a moment like 2026-11-01T09:30:00Z')
  const what = url.searchParams.get('what') ?? (path.endsWith('.csv') ? 'ledger' : 'both')
  const parts: ExportPart[] | undefined =
    what === 'ledger' || what === 'contacts' ? [what] : what === 'both' && !path.endsWith('.csv') ? ['ledger', 'contacts'] : undefined
  if (!parts) return text(400, path.endsWith('.csv') ? 'what must be ledger or contacts' : 'what must be ledger, contacts or both')
  // The local-time columns' zone: the machine's, or ?tz=America/Mexico_City.
  const timeZone = url.searchParams.get('tz') ?? undefined
  if (timeZone !== undefined && !isTimeZone(timeZone)) return text(400, 'tz must be a time zone like America/Mexico_City or UTC')
  const data = await reader.read()
  const day = now.toISOString().slice(0, 10)
  const range = { ...(since ? { since } : {}), ...(timeZone ? { timeZone } : {}) }
  const purposes = policy.purposes.map((p) => p.id)
  if (path.endsWith('.xlsx')) {
    const body = await exportXlsx(data, parts, { ...range, purposes })
    const file = `consent-${parts.length > 1 ? 'export' : parts[0]}-${day}.xlsx`
    return {
      status: 200,
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body,
      headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` },
    }
  }
  const csv = path.endsWith('.csv')
  const file = csv ? `consent-${parts[0]}-${day}.csv` : `consent-${parts.length > 1 ? 'export' : parts[0]}-${day}.json`
  const body = csv ? exportCsv(data, parts[0]!, { ...range, purposes }) : exportJson(data, parts, { ...range, exportedAt: now })
  const type = csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8'
  return { status: 200, type, body, headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` } }
}
