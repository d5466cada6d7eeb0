/**
 * The dashboard's downloads: /admin/export.csv, .json and .xlsx, the ledger, the contacts or both,
 * optionally since a day and with local times in a zone of the owner's choice. Where the server
 * runs the number's campaigns, `what=campaigns` is their figures, and both parts (.json, .xlsx)
 * come with them too, as `npm run export` writes them.
 */
import type { CampaignProgress } from '../../domain/campaign.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentReader } from '../../ports/consent-reader.js'
import { campaignsSince, campaignsTable } from '../export-campaigns.js'
import { exportCsv, exportJson, isTimeZone, parseSince, tableCsv, type ExportPart } from '../export.js'
import { exportXlsx } from '../export-xlsx.js'
import { text, type Reply } from './http-reply.js'

export const EXPORT_PATHS = new Set(['/admin/export.csv', '/admin/export.json', '/admin/export.xlsx'])

const noStore = { 'Cache-Control': 'no-store' }

/**
 * `campaigns`: the figures of the number's campaigns, newest first, where this server runs them
 * (the running bot's own number; absent for another number of the database).
 */
export async function exportReply(
  url: URL,
  reader: ConsentReader,
  policy: Policy,
  now: Date,
  campaigns?: () => Promise<CampaignProgress[]>,
): Promise<Reply> {
  const path = url.pathname
  const sinceText = url.searchParams.get('since')
  const since = sinceText ? parseSince(sinceText) : undefined
  if (sinceText && !since) return text(400, 'since must be a day like 2026-11-01 or a moment like 2026-11-01T09:30:00Z')
  const what = url.searchParams.get('what') ?? (path.endsWith('.csv') ? 'ledger' : 'both')
  const parts: ExportPart[] | undefined =
    what === 'ledger' || what === 'contacts'
      ? [what]
      : what === 'campaigns'
        ? []
        : what === 'both' && !path.endsWith('.csv')
          ? ['ledger', 'contacts']
          : undefined
  if (!parts)
    return text(
      400,
      path.endsWith('.csv') ? 'what must be ledger, contacts or campaigns' : 'what must be ledger, contacts, campaigns or both',
    )
  if (what === 'campaigns' && !campaigns)
    return text(404, 'This server runs no campaigns: they are exported by the running bot, or with npm run export.')
  // The local-time columns' zone: the machine's, or ?tz=America/Mexico_City.
  const timeZone = url.searchParams.get('tz') ?? undefined
  if (timeZone !== undefined && !isTimeZone(timeZone)) return text(400, 'tz must be a time zone like America/Mexico_City or UTC')
  const day = now.toISOString().slice(0, 10)
  // Asked for, or beside both parts when there are any.
  const kept = what === 'campaigns' || what === 'both' ? campaignsSince((await campaigns?.()) ?? [], since) : []
  const withCampaigns = what === 'campaigns' || kept.length > 0 ? { campaigns: kept } : {}
  if (what === 'campaigns' && path.endsWith('.csv'))
    return {
      status: 200,
      type: 'text/csv; charset=utf-8',
      body: tableCsv(campaignsTable(kept, timeZone)),
      headers: { ...noStore, 'Content-Disposition': `attachment; filename="consent-campaigns-${day}.csv"` },
    }
  const data = await reader.read()
  const range = { ...(since ? { since } : {}), ...(timeZone ? { timeZone } : {}) }
  const purposes = policy.purposes.map((p) => p.id)
  const name = what === 'both' ? 'export' : what
  if (path.endsWith('.xlsx')) {
    const body = await exportXlsx(data, parts, { ...range, purposes, ...withCampaigns })
    const file = `consent-${name}-${day}.xlsx`
    return {
      status: 200,
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body,
      headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` },
    }
  }
  const csv = path.endsWith('.csv')
  const file = `consent-${name}-${day}.${csv ? 'csv' : 'json'}`
  const body = csv
    ? exportCsv(data, parts[0]!, { ...range, purposes })
    : exportJson(data, parts, { ...range, exportedAt: now, ...withCampaigns })
  const type = csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8'
  return { status: 200, type, body, headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` } }
}
