/**
 * The dashboard's numbers: computed once per page from one read of the data (the ledger's answers
 * per day, where every contact stands per purpose, their channels, and where they stop).
 */
import type { ConsentState } from '../../domain/consent.js'
import type { Flow } from '../../domain/flow.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'
import { purposesAsked } from '../../domain/steps.js'
import { purposesIn, stepOf } from '../export.js'
import { firstTimeQuestions } from './first-time-questions.js'

export interface DayCount {
  /** YYYY-MM-DD, UTC. */
  day: string
  given: number
  refused: number
  /** Withdrawn or lapsed. */
  withdrawn: number
}

export interface PurposeOutcome {
  purpose: string
  given: number
  refused: number
  withdrawn: number
  lapsed: number
  /** Contacts asked for this purpose who have not answered yet: their conversation waits at its question. */
  unanswered: number
  /** Contacts asked: the four above add up to it (given, refused, withdrawn or lapsed, not answered). */
  asked: number
  /** Contacts not asked yet (their conversation never reached the question, or went another way). */
  notAsked: number
}

/**
 * Where contacts would rather talk, and how far moving there went. A contact counts once, for
 * their latest choice: the channel being set up now, else the one saved. Of those who chose it,
 * `linkSent` got the channel's link, `confirmed` confirmed their address (email, number, user
 * name), `stays` chose WhatsApp itself (nothing to send), and `pending` chose it without getting
 * that far yet; the four add up to `chose`.
 */
export interface ChannelUptake {
  channel: string
  chose: number
  linkSent: number
  confirmed: number
  stays: number
  pending: number
}

export interface DashboardStats {
  contacts: number
  records: number
  /** Answers per purpose and day, from the ledger; every day between the first and the last. */
  days: DayCount[]
  purposes: PurposeOutcome[]
  /** Per channel of the policy (then any other a contact chose), who chose it and how far moving went. */
  channels: ChannelUptake[]
  /** Contacts who have not chosen a channel. */
  noChannel: number
  /** Contacts who never finished the flow, by the step where their conversation stands. */
  steps: { step: string; contacts: number }[]
}

const DAY = 86_400_000
/** The daily chart shows at most this many days, ending at the last day with an answer. */
export const MAX_DAYS = 90

export function dashboardStats(data: ConsentData, flow: Flow, policy: Policy): DashboardStats {
  // ---- consent answers per day ----
  const byDay = new Map<string, DayCount>()
  for (const { record } of data.ledger) {
    const kind =
      record.event === 'given'
        ? 'given'
        : record.event === 'refused'
          ? 'refused'
          : record.event === 'withdrawn' || record.event === 'lapsed'
            ? 'withdrawn'
            : undefined
    if (!kind) continue
    const day = record.at.slice(0, 10)
    const count = byDay.get(day) ?? { day, given: 0, refused: 0, withdrawn: 0 }
    // A record can answer several purposes at once (a withdrawal of all): each one counts.
    count[kind] += Math.max(1, record.purposes.length)
    byDay.set(day, count)
  }
  const days: DayCount[] = []
  const known = [...byDay.keys()].sort()
  if (known.length) {
    const last = Date.parse(known.at(-1)!)
    const first = Math.max(Date.parse(known[0]!), last - (MAX_DAYS - 1) * DAY)
    for (let t = first; t <= last; t += DAY) {
      const day = new Date(t).toISOString().slice(0, 10)
      days.push(byDay.get(day) ?? { day, given: 0, refused: 0, withdrawn: 0 })
    }
  }

  // ---- where every contact stands now ----
  const contacts = Object.values(data.contacts)
  /** The step each contact's conversation stands at (its top step: `channelDetails.handle` → `channelDetails`). */
  const stepAt = new Map(contacts.map((c) => [c.id, stepOf(data.conversations[c.id]?.snapshot)?.split('.')[0]]))
  const purposes = purposesIn(
    data,
    policy.purposes.map((p) => p.id),
  ).map((purpose) => {
    const outcome: PurposeOutcome = { purpose, given: 0, refused: 0, withdrawn: 0, lapsed: 0, unanswered: 0, asked: 0, notAsked: 0 }
    for (const contact of contacts) {
      const state: ConsentState | undefined = contact.consents[purpose]?.state
      if (state) outcome[state]++
      else {
        const step = flow.steps[stepAt.get(contact.id) ?? '']
        if (step && purposesAsked(step).includes(purpose)) outcome.unanswered++
        else outcome.notAsked++
      }
    }
    outcome.asked = contacts.length - outcome.notAsked
    return outcome
  })

  const uptake = new Map<string, ChannelUptake>(
    policy.channels.map((c) => [c.channel, { channel: c.channel, chose: 0, linkSent: 0, confirmed: 0, stays: 0, pending: 0 }]),
  )
  const row = (channel: string) => {
    const found = uptake.get(channel) ?? { channel, chose: 0, linkSent: 0, confirmed: 0, stays: 0, pending: 0 }
    uptake.set(channel, found)
    return found
  }
  let noChannel = 0
  for (const contact of contacts) {
    const step = flow.steps[stepAt.get(contact.id) ?? '']
    const pending =
      step?.kind === 'channel'
        ? (data.conversations[contact.id]?.snapshot as { context?: { pending?: { channel?: string } } } | undefined)?.context?.pending
            ?.channel
        : undefined
    if (pending) {
      const r = row(pending)
      r.chose++
      r.pending++
    } else if (contact.channel) {
      const r = row(contact.channel.channel)
      r.chose++
      if (contact.channel.link) r.linkSent++
      else if (contact.channel.handle) r.confirmed++
      else r.stays++
    } else noChannel++
  }
  const channels = [...uptake.values()]

  const waiting = firstTimeQuestions(flow)
  const stepCounts = new Map<string, number>(waiting.map((s) => [s, 0]))
  for (const contact of contacts) {
    // A chosen channel is the flow's last answer: such a contact has been through it.
    if (contact.channel) continue
    const step = stepAt.get(contact.id)
    if (step && stepCounts.has(step)) stepCounts.set(step, stepCounts.get(step)! + 1)
  }
  const steps = [...stepCounts].map(([step, n]) => ({ step, contacts: n }))

  return { contacts: contacts.length, records: data.ledger.length, days, purposes, channels, noChannel, steps }
}
