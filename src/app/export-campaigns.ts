/**
 * The notice campaigns in the owner's export: one row per campaign with the figures the
 * dashboard's panel shows (campaign-progress.ts computes both), as a CSV file of its own or a
 * sheet of the spreadsheet. Pure, like export.ts: `npm run export` and the dashboard's downloads
 * write the same rows.
 */
import type { CampaignProgress } from '../domain/campaign.js'
import { local, machineTimeZone, moments, type Table } from './export.js'

/**
 * The campaigns that concern records from `since` on: those made since, and those still going
 * then (a campaign done before it is left out). All of them without `since`.
 */
export function campaignsSince(campaigns: CampaignProgress[], since?: Date): CampaignProgress[] {
  if (!since) return campaigns
  const from = since.getTime()
  return campaigns.filter((c) => Date.parse(c.createdAt) >= from || c.status.status !== 'done' || Date.parse(c.status.at) >= from)
}

/**
 * One row per campaign, newest first: its list, when it was made, where it stands (with why it is
 * paused), its targets by state, and what became of the messages sent (delivered and read only
 * where the provider reports them: the Cloud API).
 */
export function campaignsTable(campaigns: CampaignProgress[], zone = machineTimeZone()): Table {
  const header = [
    'campaign',
    'source file',
    'created (UTC)',
    local('created', zone),
    'status',
    'status since (UTC)',
    local('status since', zone),
    'paused because',
    'total',
    'planned',
    'sending',
    'sent',
    'skipped',
    'failed',
    'delivered',
    'read',
    'answered',
    'given',
    'refused',
    'no answer yet',
  ]
  return {
    name: 'Campaigns',
    header,
    rows: campaigns.map((c) => [
      c.id,
      c.source,
      ...moments(c.createdAt, zone),
      c.status.status,
      ...moments(c.status.at, zone),
      c.status.status === 'paused' ? c.status.reason : null,
      c.total,
      c.counts.planned,
      c.counts.sending,
      c.counts.sent,
      c.counts.skipped,
      c.counts.failed,
      c.figures.delivered,
      c.figures.read,
      c.figures.answered,
      c.figures.given,
      c.figures.refused,
      c.figures.noAnswer,
    ]),
  }
}
