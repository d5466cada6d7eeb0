/**
 * What `npm run campaign` prints: the plan's summary (who will be written to, who is skipped and
 * why, how long it takes) and the progress bar while the bot sends. In English, as the owner's
 * other commands speak; dates in the computer's own zone.
 */
import type { CampaignPace, CampaignProgress, SkipReason } from '../../domain/campaign.js'
import type { PlanSummary } from '../../app/campaign-plan.js'

const SKIPS: Record<SkipReason, string> = {
  invalid: 'not a valid phone number',
  duplicate: 'listed twice',
  'do-not-contact': 'on your do-not-contact list',
  'opted-out': 'opted out (wrote STOP, or withdrew their consent)',
  erased: 'erased at their request',
  answered: 'already answered under the current policy',
  known: 'known to the bot, consent outdated or unanswered: add --known to include them',
  'not-on-whatsapp': 'not on WhatsApp (found when their turn came)',
}

const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })

export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const parts = [days ? `${days} day${days === 1 ? '' : 's'}` : '', hours ? `${hours} hour${hours === 1 ? '' : 's'}` : '']
  if (!days) parts.push(`${minutes % 60} minute${minutes % 60 === 1 ? '' : 's'}`)
  return parts.filter(Boolean).join(' ') || 'under a minute'
}

export function describePace(pace: CampaignPace): string {
  const hours = pace.hours ? ", only within business hours in each client's own time zone" : ''
  return pace.kind === 'linked-device'
    ? `a message every ${pace.minGapSeconds}–${pace.maxGapSeconds} s, at most ${pace.perDay} a day${hours}`
    : `at most ${pace.perSecond} a second and ${pace.perDay} people a day (your messaging tier)${hours}`
}

export function summaryLines(summary: PlanSummary, source: string, now: Date, dryRun: boolean): string[] {
  const skipped = Object.values(summary.skipped).reduce((a, b) => a + b, 0)
  const lines = [`${source}: ${summary.toMessage + skipped} clients listed`, `  ${summary.toMessage} will be written to`]
  if (skipped) lines.push(`  ${skipped} skipped:`)
  for (const [reason, count] of Object.entries(summary.skipped) as [SkipReason, number][])
    if (count) lines.push(`    ${String(count).padStart(5)}  ${SKIPS[reason]}`)
  for (const row of summary.rows) lines.push(`           line ${row.line}: ${row.message}`)
  lines.push(`  Pace: ${describePace(summary.pace)}.`)
  if (summary.toMessage)
    lines.push(
      `  Started now, the last message would go ${when(summary.endsAt)}, in ${duration(Date.parse(summary.endsAt) - now.getTime())}.`,
    )
  if (summary.warning) lines.push(`  Warning: ${summary.warning}`)
  lines.push(
    dryRun
      ? 'Nothing was sent (--dry-run).'
      : summary.id
        ? `Campaign ${summary.id} started: the bot is sending.`
        : 'Nobody to write to: nothing was started.',
  )
  return lines
}

/** One line of progress: a bar, sent / remaining, the next message and the end. */
export function progressLine(progress: CampaignProgress, width = 24): string {
  const { counts, total } = progress
  const done = total - counts.planned - counts.sending
  const filled = total ? Math.round((done / total) * width) : width
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`
  const parts = [`${bar} ${counts.sent} sent`, `${counts.planned + counts.sending} remaining`]
  if (counts.skipped) parts.push(`${counts.skipped} skipped`)
  if (counts.failed) parts.push(`${counts.failed} failed`)
  if (progress.nextAt) parts.push(`next ${when(progress.nextAt)}`)
  if (progress.etaAt) parts.push(`ETA ${when(progress.etaAt)}`)
  return parts.join(' · ')
}

/** The figures once it stops: what became of the messages, and the answers. */
export function figuresLines(progress: CampaignProgress): string[] {
  const f = progress.figures
  return [
    `  sent ${progress.counts.sent}, delivered ${f.delivered}, read ${f.read} (delivered and read where the provider reports it)`,
    `  answered ${f.answered}: gave consent ${f.given}, refused ${f.refused}; no answer yet ${f.noAnswer}`,
  ]
}
