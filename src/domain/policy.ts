/**
 * The business's data-use policy, as the owner declares it in `flows/policy.yaml`:
 * who is responsible, what is collected, for which purposes, for how long, and which
 * channels a contact may move to. Changing any of it is a new policy version.
 */

/** The channels the bot knows how to offer. `whatsapp` means "stay here". */
export const CHANNELS = ['whatsapp', 'telegram', 'signal', 'line', 'sms', 'email', 'call'] as const
export type Channel = (typeof CHANNELS)[number]

export interface Purpose {
  /** Machine name, e.g. `service`, `marketing`; its texts live in locales under `purposes.<id>`. */
  id: string
  /** A required purpose is needed for the chat itself; refusing it ends processing here. */
  required: boolean
  line: number
}

export interface OfferedChannel {
  channel: Channel
  /** A link the business configured (t.me/…, line.me/…, signal.me/…): sent instead of asking a handle. */
  link?: string
  line: number
}

export type RetentionUnit = 'days' | 'months' | 'years'

export interface Policy {
  /** Free text chosen by the owner, e.g. a date; recorded with every consent. */
  version: string
  controller: { name: string; contact: string }
  noticeUrl?: string
  retention: { amount: number; unit: RetentionUnit }
  /** Kinds of personal data collected; each has a text under `data.<kind>` in locales. */
  collects: string[]
  purposes: Purpose[]
  /** Offered in this order. */
  channels: OfferedChannel[]
  /** A consent older than this is asked again (absent: it holds until withdrawn or the policy changes). */
  consentValidForDays?: number
  /** A consent question left unanswered this long is recorded as lapsed (absent: never). */
  lapseUnansweredAfterDays?: number
}

export function purposeById(policy: Policy, id: string): Purpose | undefined {
  return policy.purposes.find((p) => p.id === id)
}
