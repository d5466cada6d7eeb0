/**
 * A campaign's plan, made once from the owner's list: who is written to, in the list's order, and
 * who is left out and why. The dry run shows it without keeping it; a real run keeps it in the
 * campaign store, and each target is checked again at the moment of sending (invitations.ts).
 *
 * Never written to: anyone invalid or listed twice, on the owner's do-not-contact list, who opted
 * out, whose data was erased at their request, who already answered under the current policy;
 * and known contacts whose consent is outdated only when the owner asks (`--known`).
 */
import { randomBytes } from 'node:crypto'
import { eligibility } from '../domain/campaign-eligibility.js'
import type { CampaignPace, CampaignPlan, CampaignTarget, SkipReason } from '../domain/campaign.js'
import type { Contact } from '../domain/consent.js'
import type { Policy } from '../domain/policy.js'
import { numberForms } from './identity.js'

/** What the owner's command sends to make a plan: the list as read (adapters/contact-list.ts) and the flags. */
export interface PlanRequest {
  /** The list's file name as typed (shown on the panel and in the export). */
  source: string
  /** Every row with a valid number, in file order, duplicates included. */
  clients: CampaignTarget[]
  /** Rows whose number is not valid: their line and what is wrong. */
  invalid: { line: number; message: string }[]
  /** The owner's do-not-contact list (numbers, digits with country code). */
  doNotContact: string[]
  /** `--known`: known contacts whose consent is outdated (or never answered) are written to. */
  includeKnown: boolean
  /** `--faster`: a pace above the safe default is allowed (with a warning). */
  faster: boolean
  /** `--dry-run`: nothing is kept or sent. */
  dryRun: boolean
}

export interface PlanSummary {
  /** The campaign kept (not on a dry run). */
  id?: string
  /** How many will be written to. */
  toMessage: number
  /** How many are left out, per reason. */
  skipped: Record<SkipReason, number>
  /** Each row left out as invalid or duplicate, with its line, for the owner to mend. */
  rows: { line: number; reason: 'invalid' | 'duplicate'; message: string }[]
  pace: CampaignPace
  /** When the last message would go at this pace, started now (ISO 8601). */
  endsAt: string
  /** The pace is above the safe default and `--faster` was given. */
  warning?: string
}

export interface PlanDeps {
  policy: Policy
  provider: CampaignPlan['provider']
  pace: CampaignPace
  lookup: (phone: string) => Promise<Contact | undefined>
  isErased: (phone: string) => Promise<boolean>
  now: Date
  newId?: () => string
}

export const NO_SKIPS = (): Record<SkipReason, number> => ({
  invalid: 0,
  duplicate: 0,
  'do-not-contact': 0,
  'opted-out': 0,
  erased: 0,
  answered: 0,
  known: 0,
  'not-on-whatsapp': 0,
})

/** A campaign's id: its date and a few random letters, readable on a command line (2026-12-01-k7qm). */
export function newCampaignId(now: Date): string {
  const letters = 'abcdefghjkmnpqrstuvwxyz23456789'
  const random = [...randomBytes(4)].map((b) => letters[b % letters.length]).join('')
  return `${now.toISOString().slice(0, 10)}-${random}`
}

export async function planCampaign(
  request: PlanRequest,
  deps: PlanDeps,
): Promise<{ plan: CampaignPlan; summary: Omit<PlanSummary, 'endsAt'> }> {
  const skipped: CampaignPlan['skipped'] = request.invalid.map(({ line }) => ({ reason: 'invalid' as const, line }))
  const rows: PlanSummary['rows'] = request.invalid.map(({ line, message }) => ({ line, reason: 'invalid' as const, message }))
  const blocked = new Set(request.doNotContact.flatMap(numberForms))
  const seen = new Map<string, number>()
  const targets: CampaignTarget[] = []
  for (const client of request.clients) {
    const forms = numberForms(client.phone)
    const first = forms.map((f) => seen.get(f)).find((line) => line !== undefined)
    if (first !== undefined) {
      skipped.push({ reason: 'duplicate', line: client.line, phone: client.phone })
      rows.push({ line: client.line, reason: 'duplicate', message: `the same number as line ${first}` })
      continue
    }
    for (const form of forms) seen.set(form, client.line)
    const reason = await reasonToSkip(client, blocked, request.includeKnown, deps)
    if (reason) skipped.push({ reason, line: client.line, phone: client.phone })
    else targets.push(client)
  }
  const counts = NO_SKIPS()
  for (const { reason } of skipped) counts[reason]++
  const id = (deps.newId ?? (() => newCampaignId(deps.now)))()
  const plan: CampaignPlan = {
    id,
    createdAt: deps.now.toISOString(),
    policyVersion: deps.policy.version,
    provider: deps.provider,
    pace: deps.pace,
    includeKnown: request.includeKnown,
    source: request.source,
    targets,
    skipped,
  }
  return { plan, summary: { toMessage: targets.length, skipped: counts, rows: rows.sort((a, b) => a.line - b.line), pace: deps.pace } }
}

/** Why a listed client is not written to, if they are not. */
async function reasonToSkip(
  client: CampaignTarget,
  blocked: ReadonlySet<string>,
  includeKnown: boolean,
  deps: PlanDeps,
): Promise<SkipReason | undefined> {
  if (numberForms(client.phone).some((f) => blocked.has(f))) return 'do-not-contact'
  if (await deps.isErased(client.phone)) return 'erased'
  const standing = eligibility(await deps.lookup(client.phone), deps.policy, deps.now)
  if (standing === 'opted-out' || standing === 'answered') return standing
  if (standing !== 'new' && !includeKnown) return 'known'
  return undefined
}
