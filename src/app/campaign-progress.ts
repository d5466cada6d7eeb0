/**
 * How far a campaign got and what became of it: the terminal's progress bar, the dashboard's
 * panel and the export read the same figures. Read off the campaign's states and the contacts
 * as stored (their answers and what the provider said of the messages), never off a log.
 */
import type { Campaign, CampaignProgress } from '../domain/campaign.js'
import type { Contact } from '../domain/consent.js'
import type { Policy } from '../domain/policy.js'
import { numberForms } from './identity.js'

export function campaignProgress(
  campaign: Campaign,
  contactOf: (phone: string) => Contact | undefined,
  policy: Policy,
  timing: { nextAt?: Date; etaAt?: Date } = {},
): CampaignProgress {
  const counts: CampaignProgress['counts'] = { planned: 0, sending: 0, sent: 0, skipped: 0, failed: 0 }
  const figures = { delivered: 0, read: 0, answered: 0, given: 0, refused: 0, noAnswer: 0 }
  const required = policy.purposes.filter((p) => p.required).map((p) => p.id)
  for (const [i, state] of campaign.states.entries()) {
    counts[state.state]++
    if (state.state !== 'sent') continue
    const contact = contactOf(campaign.plan.targets[i]!.phone)
    const since = Date.parse(state.at)
    const after = (iso: string | undefined) => iso !== undefined && Date.parse(iso) >= since
    const deliveries = (contact?.deliveries ?? []).filter((d) => after(d.at))
    if (deliveries.some((d) => d.status === 'read')) figures.read++
    if (deliveries.some((d) => d.status === 'delivered' || d.status === 'read')) figures.delivered++
    // An answer is a consent they gave or refused since: what the campaign asked.
    const answers = required.map((id) => contact?.consents[id]).filter((c) => c && after(c.at))
    if (!answers.length) {
      figures.noAnswer++
      continue
    }
    figures.answered++
    if (answers.some((c) => c!.state === 'refused' || c!.state === 'withdrawn')) figures.refused++
    else if (answers.length === required.length && answers.every((c) => c!.state === 'given')) figures.given++
  }
  return {
    id: campaign.plan.id,
    source: campaign.plan.source,
    createdAt: campaign.plan.createdAt,
    status: campaign.status,
    total: campaign.plan.targets.length,
    counts,
    figures,
    ...(timing.nextAt && campaign.status.status === 'running' ? { nextAt: timing.nextAt.toISOString() } : {}),
    ...(timing.etaAt && campaign.status.status === 'running' ? { etaAt: timing.etaAt.toISOString() } : {}),
  }
}

/** The contact a listed number is kept under, in contacts keyed by id (a Mexican mobile has two forms). */
export function contactByPhone(contacts: Readonly<Record<string, Contact>>): (phone: string) => Contact | undefined {
  return (phone) => {
    for (const form of numberForms(phone)) if (contacts[form]) return contacts[form]
    return undefined
  }
}
