/**
 * Runs a campaign inside the bot: one invitation at a time, at the plan's pace, each target's
 * state kept in the campaign store before and after it is written to.
 *
 * - One campaign sends at a time, and only this process sends (the command hands its list to
 *   the running bot): the pace is one sender's, across campaigns (the daily cap counts every
 *   invitation of the last 24 hours, whichever campaign sent it).
 * - `sending` is stored before an invitation goes, `sent` after. A target found `sending` when a
 *   campaign resumes (the bot was killed in between) is looked up: the invitation's conversation
 *   is saved before it is sent, so if it is there the target counts as sent, and if not it is
 *   written to again. Nobody twice, nobody skipped (but for a crash in the instant between that
 *   save and the send, when the target counts as sent).
 * - It stops by itself on trouble (NotSent: Meta's rate, spam, marketing or per-recipient
 *   limits, no template, a disconnected or logged-out linked device; five failures in a row),
 *   saying why and how to resume. A stop of the bot pauses it; nothing resumes unasked.
 */
import type { Campaign, CampaignStatus, TargetState } from '../domain/campaign.js'
import { estimateEnd, nextSendAt, timeZonesOf } from '../domain/campaign-pace.js'
import type { CampaignStore } from '../ports/campaign-store.js'
import { NotSent, type NotSentReason } from '../ports/messenger.js'
import type { InvitationOutcome, InvitationRequest } from './invitations.js'
import { contactRef, type Logger } from './logger.js'

export interface CampaignRunnerDeps {
  store: CampaignStore
  invite: (request: InvitationRequest) => Promise<InvitationOutcome>
  wasInvited: (phone: string, campaign: string) => Promise<boolean>
  clock: () => Date
  /** Resolves after `ms`, or at once when `signal` aborts (tests: a fake clock that moves by `ms`). */
  wait: (ms: number, signal: AbortSignal) => Promise<void>
  random?: () => number
  log: Logger
  /** The zone of a target whose number names none (the business's). */
  fallbackZone: string
  /** Told after every change of a campaign (the dashboard, the progress bar). */
  onChange?: (id: string) => void
}

/** Failures in a row (not limits: errors the provider gave for single messages) after which a campaign stops. */
const FAILURES_IN_A_ROW = 5
const DAY_MS = 24 * 60 * 60 * 1000

/** Why a campaign stopped by itself, for the owner: what happened and what to do. */
const HALTS: Record<NotSentReason, string> = {
  'outside-window': 'the provider refused a message outside the 24-hour window',
  'no-template':
    "no approved template is named for a client's language: add it under campaign: templates in flows/policy.yaml, restart the bot",
  'rate-limited': "Meta's rate limit was reached (130429): wait an hour",
  'spam-limit': 'Meta limited the number after spam reports (131048): check its quality rating in WhatsApp Manager, wait a day',
  'marketing-limit': "Meta's marketing-message limit for a client was reached (131049): wait a day",
  'pair-limit': 'too many messages to one client (131056): wait a few minutes',
  disconnected: 'WhatsApp is disconnected: it reconnects by itself',
  'logged-out': 'WhatsApp logged the bot out: link it again (npm start shows a QR code)',
}

export const resumeHint = (id: string) => `npm run campaign -- --resume ${id}`

export class CampaignRunner {
  private running?: { id: string; stop: AbortController; done: Promise<void>; nextAt?: Date; pausedBecause?: string }

  constructor(private readonly deps: CampaignRunnerDeps) {}

  /** The campaign sending now, if any. */
  get current(): string | undefined {
    return this.running?.id
  }

  /** When the running campaign's next invitation may go, and when its last should, at this pace. */
  timing(id: string, campaign: Campaign): { nextAt?: Date; etaAt?: Date } {
    if (this.running?.id !== id) return {}
    const nextAt = this.running.nextAt
    const remaining = campaign.states.flatMap((s, i) => (s.state === 'planned' ? [timeZonesOf(campaign.plan.targets[i]!.phone)] : []))
    const start = nextAt ?? this.deps.clock()
    return {
      ...(nextAt ? { nextAt } : {}),
      etaAt: remaining.length ? estimateEnd(campaign.plan.pace, remaining, start, this.deps.fallbackZone) : start,
    }
  }

  /**
   * Starts (or resumes) a campaign; resolves once it is marked running. Rejects when another
   * campaign is sending or this one is done.
   */
  async start(id: string): Promise<void> {
    if (this.running)
      throw new CampaignBusy(
        this.running.id === id ? `campaign ${id} is already running` : `campaign ${this.running.id} is running: pause it first`,
      )
    const campaign = await this.deps.store.get(id)
    if (!campaign) throw new CampaignBusy(`no campaign ${id}`)
    if (campaign.status.status === 'done') throw new CampaignBusy(`campaign ${id} is done: every client on it was written to or skipped`)
    // Targets a crash left `sending` are settled first: what the campaign reports from now on is known.
    await this.settleInterrupted(campaign)
    const stop = new AbortController()
    await this.setStatus(id, { status: 'running', at: this.deps.clock().toISOString() })
    const running: NonNullable<CampaignRunner['running']> = { id, stop, done: Promise.resolve() }
    this.running = running
    running.done = this.run(id, stop.signal)
      // Paused from outside (the owner, Meta's status, the bot's stop): the status is written before
      // `done` resolves, so whoever awaits the campaign sees it paused.
      .then(async () => {
        if (stop.signal.aborted)
          await this.setStatus(id, { status: 'paused', at: this.deps.clock().toISOString(), reason: running.pausedBecause ?? 'paused' })
      })
      .catch(async (error: unknown) => {
        // A fault of the store or a bug: the campaign stops where it is, saying so.
        this.deps.log.error('campaign.failed', { campaign: id, error: (error as Error)?.message ?? String(error) })
        await this.setStatus(id, {
          status: 'paused',
          at: this.deps.clock().toISOString(),
          reason: `stopped by an error: ${(error as Error)?.message}`,
        }).catch(() => {})
      })
      .finally(() => {
        if (this.running === running) this.running = undefined
      })
  }

  /** Pauses the running campaign (or marks a stored one paused); resolves once nothing more will be sent. */
  async pause(id: string, reason: string): Promise<void> {
    if (this.running?.id === id) {
      this.running.pausedBecause = reason
      this.running.stop.abort()
      await this.running.done
      return
    }
    const campaign = await this.deps.store.get(id)
    if (campaign && campaign.status.status !== 'done')
      await this.setStatus(id, { status: 'paused', at: this.deps.clock().toISOString(), reason })
  }

  /**
   * The provider reported trouble outside a send (Meta's 131049 arrives as a failed status, a
   * linked device logs out): the running campaign stops, saying why and how to resume.
   */
  async halt(reason: NotSentReason, code?: number): Promise<void> {
    const id = this.running?.id
    if (!id) return
    this.deps.log.warn('campaign.halted', { campaign: id, reason, ...(code !== undefined ? { code } : {}) })
    await this.pause(id, `${HALTS[reason]}; then ${resumeHint(id)}`)
  }

  /** Resolves once the running campaign has stopped or ended (tests, and the bot's close). */
  async finished(): Promise<void> {
    await this.running?.done
  }

  /**
   * At the bot's start: a campaign still marked running was cut off (a crash, kill -9). It is
   * marked paused, to be resumed by the owner: a restart never starts sending unasked.
   */
  async pauseInterrupted(): Promise<number> {
    let count = 0
    for (const campaign of await this.deps.store.list()) {
      if (campaign.status.status !== 'running') continue
      await this.setStatus(campaign.plan.id, {
        status: 'paused',
        at: this.deps.clock().toISOString(),
        reason: `the bot stopped while it ran; ${resumeHint(campaign.plan.id)} continues it`,
      })
      count++
    }
    return count
  }

  private async run(id: string, signal: AbortSignal): Promise<void> {
    const { store, log, clock } = this.deps
    const campaign = (await store.get(id))!
    const { plan } = campaign
    const recentSends = await this.recentSends()
    let failures = 0
    for (const [i, target] of plan.targets.entries()) {
      if (signal.aborted) return
      if (campaign.states[i]!.state !== 'planned') continue
      const zones = timeZonesOf(target.phone)
      const at = nextSendAt(plan.pace, { recentSends }, zones, clock(), this.deps.random ?? Math.random, this.deps.fallbackZone)
      if (!at) {
        await this.mark(campaign, i, {
          state: 'failed',
          at: clock().toISOString(),
          error: "no business hours are open in the client's time zones",
        })
        continue
      }
      this.running!.nextAt = at
      this.deps.onChange?.(id)
      const wait = at.getTime() - clock().getTime()
      if (wait > 0) await this.deps.wait(wait, signal)
      if (signal.aborted) return
      await this.mark(campaign, i, { state: 'sending', at: clock().toISOString() })
      let outcome: InvitationOutcome
      try {
        outcome = await this.deps.invite({
          campaign: id,
          phone: target.phone,
          ...(target.language ? { language: target.language } : {}),
          includeKnown: plan.includeKnown,
        })
      } catch (error) {
        if (error instanceof NotSent) {
          // Not sent: the target waits for the resume, and the campaign stops here.
          await this.mark(campaign, i, { state: 'planned' })
          const reason = `${HALTS[error.reason]}; then ${resumeHint(id)}`
          log.warn('campaign.halted', { campaign: id, reason: error.reason, ...(error.code !== undefined ? { code: error.code } : {}) })
          await this.setStatus(id, { status: 'paused', at: clock().toISOString(), reason })
          return
        }
        const message = (error as Error)?.message ?? String(error)
        log.warn('campaign.invite_failed', { campaign: id, contact: contactRef(target.phone), error: message })
        await this.mark(campaign, i, { state: 'failed', at: clock().toISOString(), error: message })
        if (++failures >= FAILURES_IN_A_ROW) {
          await this.setStatus(id, {
            status: 'paused',
            at: clock().toISOString(),
            reason: `${FAILURES_IN_A_ROW} messages in a row failed (the last: ${message}); the bot log says more; then ${resumeHint(id)}`,
          })
          return
        }
        continue
      }
      failures = 0
      if ('sent' in outcome) {
        await this.mark(campaign, i, {
          state: 'sent',
          at: clock().toISOString(),
          ...(outcome.messageIds.length ? { messageIds: outcome.messageIds } : {}),
        })
        recentSends.push(clock())
      } else {
        await this.mark(campaign, i, { state: 'skipped', at: clock().toISOString(), reason: outcome.skipped })
      }
    }
    this.running!.nextAt = undefined
    await this.setStatus(id, { status: 'done', at: clock().toISOString() })
    log.info('campaign.done', { campaign: id })
  }

  /** Targets left `sending` by a crash: sent if their invitation was saved, else planned again. */
  private async settleInterrupted(campaign: Campaign): Promise<void> {
    for (const [i, state] of campaign.states.entries()) {
      if (state.state !== 'sending') continue
      const invited = await this.deps.wasInvited(campaign.plan.targets[i]!.phone, campaign.plan.id)
      await this.mark(campaign, i, invited ? { state: 'sent', at: state.at } : { state: 'planned' })
    }
  }

  /** Every invitation of the last 24 hours, whichever campaign sent it, oldest first: the daily cap counts them all. */
  private async recentSends(): Promise<Date[]> {
    const since = this.deps.clock().getTime() - DAY_MS
    const times: number[] = []
    for (const campaign of await this.deps.store.list())
      for (const state of campaign.states) if (state.state === 'sent' && Date.parse(state.at) > since) times.push(Date.parse(state.at))
    return times.sort((a, b) => a - b).map((t) => new Date(t))
  }

  private async mark(campaign: Campaign, index: number, state: TargetState): Promise<void> {
    await this.deps.store.mark(campaign.plan.id, index, state)
    campaign.states[index] = state
    this.deps.onChange?.(campaign.plan.id)
  }

  private async setStatus(id: string, status: CampaignStatus): Promise<void> {
    await this.deps.store.setStatus(id, status)
    this.deps.onChange?.(id)
  }
}

/** A campaign that cannot start now (another runs, it is done, it does not exist). */
export class CampaignBusy extends Error {
  override name = 'CampaignBusy'
}
