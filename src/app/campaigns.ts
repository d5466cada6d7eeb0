/**
 * The running bot's campaigns, as the owner's command and the dashboard steer them: a plan made
 * from the owner's list (kept and started, or only shown on a dry run), pause, resume, and the
 * figures. The sending itself is the runner's (campaign-runner.ts).
 */
import type { Campaign, CampaignPlan, CampaignProgress } from '../domain/campaign.js'
import { estimateEnd, paceCheck, paceFor, timeZonesOf } from '../domain/campaign-pace.js'
import type { Contact } from '../domain/consent.js'
import { guessLanguage, type Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { CampaignStore } from '../ports/campaign-store.js'
import { campaignProgress, contactByPhone } from './campaign-progress.js'
import { planCampaign, type PlanRequest, type PlanSummary } from './campaign-plan.js'
import { CampaignBusy, type CampaignRunner } from './campaign-runner.js'
import { numberForms } from './identity.js'
import type { Logger } from './logger.js'
import { CampaignRefused, type CampaignControl } from './web/campaign-routes.js'

/**
 * The zone a campaign reads a target's hours in when their number names no country: the staff's
 * (policy.yaml `staff: hours`), else this computer's.
 */
export function businessZone(policy: Policy): string {
  return policy.staff.hours?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
}

export interface CampaignsDeps {
  store: CampaignStore
  runner: CampaignRunner
  policy: Policy
  provider: CampaignPlan['provider']
  defaultLanguage: Language
  /** A contact as stored, by address. */
  load: (address: string) => Promise<Contact | undefined>
  clock: () => Date
  fallbackZone: string
  log: Logger
}

export class Campaigns implements CampaignControl {
  constructor(private readonly deps: CampaignsDeps) {}

  async list(): Promise<CampaignProgress[]> {
    const campaigns = await this.deps.store.list()
    const shown: CampaignProgress[] = []
    for (const campaign of campaigns) shown.push(await this.progressOf(campaign))
    return shown
  }

  async get(id: string): Promise<CampaignProgress | undefined> {
    const campaign = await this.deps.store.get(id)
    return campaign && this.progressOf(campaign)
  }

  async plan(request: PlanRequest): Promise<PlanSummary> {
    const { policy, provider, clock } = this.deps
    const pace = paceFor(provider, policy.campaign)
    const check = paceCheck(pace, request.faster)
    if (check.refused) throw new CampaignRefused(check.refused, 422, { kind: 'pace' })
    const now = clock()
    const { plan, summary } = await planCampaign(request, {
      policy,
      provider,
      pace,
      now,
      lookup: (phone) => this.lookup(phone),
      isErased: (phone) => this.deps.store.isErased(phone),
    })
    if (provider === 'cloud') this.checkTemplates(plan)
    const endsAt = estimateEnd(
      pace,
      plan.targets.map((t) => timeZonesOf(t.phone)),
      now,
      this.deps.fallbackZone,
    ).toISOString()
    const shown: PlanSummary = { ...summary, endsAt, ...(check.warning ? { warning: check.warning } : {}) }
    if (request.dryRun || !plan.targets.length) return shown
    const running = this.deps.runner.current
    if (running)
      throw new CampaignRefused(
        `campaign ${running} is sending: pause it first (npm run campaign -- --pause ${running}), or wait until it is done`,
        409,
        { kind: 'busy', campaign: running },
      )
    await this.deps.store.create(plan)
    this.deps.log.info('campaign.created', { campaign: plan.id, targets: plan.targets.length, skipped: plan.skipped.length })
    await this.start(plan.id)
    return { ...shown, id: plan.id }
  }

  async resume(id: string): Promise<CampaignProgress> {
    const campaign =
      id === 'latest' ? (await this.deps.store.list()).find((c) => c.status.status !== 'done') : await this.deps.store.get(id)
    if (!campaign) throw new CampaignRefused(id === 'latest' ? 'no campaign is waiting to be resumed' : `no campaign ${id}`, 404)
    await this.start(campaign.plan.id)
    return (await this.get(campaign.plan.id))!
  }

  async pause(id: string, reason: string): Promise<CampaignProgress> {
    if (!(await this.deps.store.get(id))) throw new CampaignRefused(`no campaign ${id}`, 404)
    await this.deps.runner.pause(id, reason)
    this.deps.log.info('campaign.paused', { campaign: id })
    return (await this.get(id))!
  }

  private async start(id: string): Promise<void> {
    try {
      await this.deps.runner.start(id)
    } catch (error) {
      if (error instanceof CampaignBusy) throw new CampaignRefused(error.message)
      throw error
    }
  }

  /** On the Cloud API every language the campaign writes in needs its approved template. */
  private checkTemplates(plan: CampaignPlan): void {
    const languages = new Set(plan.targets.map((t) => t.language ?? guessLanguage(t.phone, this.deps.defaultLanguage)))
    const missing = [...languages].filter((l) => !this.deps.policy.campaign.templates[l])
    if (missing.length)
      throw new CampaignRefused(
        `flows/policy.yaml names no approved template for ${missing.join(', ')}: add it under campaign: templates (README: "Telling the clients you already have"), then restart the bot`,
        422,
        { kind: 'template', languages: missing },
      )
  }

  private async lookup(phone: string): Promise<Contact | undefined> {
    for (const form of numberForms(phone)) {
      const contact = await this.deps.load(form)
      if (contact) return contact
    }
    return undefined
  }

  /**
   * The figures, read off the contacts the campaign wrote to (each loaded as stored: what they
   * answered, what the provider said of the messages), not off every contact of the number.
   */
  private async progressOf(campaign: Campaign): Promise<CampaignProgress> {
    const contacts: Record<string, Contact> = {}
    for (const [i, state] of campaign.states.entries()) {
      if (state.state !== 'sent') continue
      const phone = campaign.plan.targets[i]!.phone
      const contact = await this.lookup(phone)
      if (contact) contacts[phone] = contact
    }
    return campaignProgress(campaign, contactByPhone(contacts), this.deps.policy, this.deps.runner.timing(campaign.plan.id, campaign))
  }
}
