/**
 * The dashboard's numbers: computed once per page from one read of the data (the ledger's answers
 * per day, where every contact stands per purpose, their channels, and where they stop).
 */
import type { ConsentState } from '../../domain/consent.js'
import type { Flow } from '../../domain/flow.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'
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
  /** Contacts with no answer for this purpose yet. */
  unanswered: number
}

export interface DashboardStats {
  contacts: number
  records: number
  /** Answers per purpose and day, from the ledger; every day between the first and the last. */
  days: DayCount[]
  purposes: PurposeOutcome[]
  /** Contacts per preferred channel; `none` for those who have not chosen one. */
  channels: { channel: string; contacts: number }[]
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
  const purposes = purposesIn(
    data,
    policy.purposes.map((p) => p.id),
  ).map((purpose) => {
    const outcome: PurposeOutcome = { purpose, given: 0, refused: 0, withdrawn: 0, lapsed: 0, unanswered: 0 }
    for (const contact of contacts) {
      const state: ConsentState | undefined = contact.consents[purpose]?.state
      outcome[state ?? 'unanswered']++
    }
    return outcome
  })

  const channelCounts = new Map<string, number>(policy.channels.map((c) => [c.channel, 0]))
  let none = 0
  for (const contact of contacts) {
    if (contact.channel) channelCounts.set(contact.channel.channel, (channelCounts.get(contact.channel.channel) ?? 0) + 1)
    else none++
  }
  const channels = [...channelCounts].map(([channel, n]) => ({ channel, contacts: n }))
  channels.push({ channel: 'none', contacts: none })

  const waiting = firstTimeQuestions(flow)
  const stepCounts = new Map<string, number>(waiting.map((s) => [s, 0]))
  for (const contact of contacts) {
    // A chosen channel is the flow's last answer: such a contact has been through it.
    if (contact.channel) continue
    const step = stepOf(data.conversations[contact.id]?.snapshot)?.split('.')[0]
    if (step && stepCounts.has(step)) stepCounts.set(step, stepCounts.get(step)! + 1)
  }
  const steps = [...stepCounts].map(([step, n]) => ({ step, contacts: n }))

  return { contacts: contacts.length, records: data.ledger.length, days, purposes, channels, steps }
}
