/**
 * A notice campaign: after a policy change, the clients the business already has are told how
 * their data is used and asked for their consent, one by one, at a pace that keeps the number
 * safe. The plan (who, in which order, at what pace) is made once; each target's state is kept
 * as it changes, so a campaign stopped anywhere (a crash, Ctrl-C, Meta's limits) resumes without
 * writing to anyone twice.
 */
import type { Language } from './language.js'

/** Why a listed client is not written to. */
export type SkipReason =
  /** Not a phone number (with the row's line in the list). */
  | 'invalid'
  /** Listed before, in the same list. */
  | 'duplicate'
  /** On the owner's do-not-contact list (flows/do-not-contact.csv). */
  | 'do-not-contact'
  /** They asked the bot to stop (STOP, "Stop promotions"). */
  | 'opted-out'
  /** Their data was erased at their request: never written to again unless they write first. */
  | 'erased'
  /** Already answered under the current policy version, and the answer still holds. */
  | 'answered'
  /** Known to the bot, their consent outdated: written to only with `--known`. */
  | 'known'
  /** The number has no WhatsApp account (the linked device asked WhatsApp before writing). */
  | 'not-on-whatsapp'

/** A client as the owner's list names them: the number's digits with country code, and what else the row says. */
export interface CampaignTarget {
  phone: string
  name?: string
  language?: Language
  /** The row's line in the owner's file (1 is the header). */
  line: number
}

/** Where a target stands. `sending` is written (durably) before the message goes: a crash after it is not sent again blindly. */
export type TargetState =
  | { state: 'planned' }
  | { state: 'sending'; at: string }
  | { state: 'sent'; at: string; messageIds?: string[] }
  | { state: 'skipped'; at: string; reason: SkipReason }
  | { state: 'failed'; at: string; error: string }

/**
 * How fast a campaign writes. On a linked device (Baileys): one message every `minGapSeconds` to
 * `maxGapSeconds` (a random spread), at most `perDay` a day, only within `hours` in each
 * client's own time zone. On the Cloud API: at most `perDay` business-initiated conversations a
 * day (the account's messaging tier) and `perSecond`, within `hours` only when the owner set them.
 * `perDay` counts any 24 hours, not calendar days. See src/domain/campaign-pace.ts.
 */
export type CampaignPace =
  | { kind: 'linked-device'; minGapSeconds: number; maxGapSeconds: number; perDay: number; hours?: CampaignHours }
  | { kind: 'cloud'; perSecond: number; perDay: number; hours?: CampaignHours }

/** Opening hours as the policy writes them, applied in each client's time zone (minutes after midnight). */
export interface CampaignHours {
  open: { days: ('sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat')[]; from: number; to: number }[]
}

export interface CampaignPlan {
  id: string
  createdAt: string
  /** The policy version the clients are told of: answered under it, a client is done. */
  policyVersion: string
  provider: 'console' | 'whatsapp' | 'cloud'
  pace: CampaignPace
  /** Known contacts with outdated consent are included. */
  includeKnown: boolean
  /** The owner's file, as named on the command line (for the panel and the export). */
  source: string
  /** Who is written to, in order. */
  targets: CampaignTarget[]
  /** Who was left out when the plan was made, by reason (invalid rows with their lines). */
  skipped: { reason: SkipReason; line: number; phone?: string }[]
}

export type CampaignStatus =
  | { status: 'running'; at: string }
  | { status: 'paused'; at: string; reason: string }
  | { status: 'done'; at: string }

export interface Campaign {
  plan: CampaignPlan
  /** One per target, in the plan's order. */
  states: TargetState[]
  status: CampaignStatus
}

/** How far a campaign got, as the terminal's progress bar, the dashboard and the export show it. */
export interface CampaignProgress {
  id: string
  source: string
  createdAt: string
  status: CampaignStatus
  /** Targets in the plan. */
  total: number
  /** Targets per state. */
  counts: Record<TargetState['state'], number>
  /**
   * What became of the messages sent: delivered and read where the provider reports it (the Cloud
   * API), answered (the client replied to the question since), and their answer to the required
   * purposes: given, refused; noAnswer = sent and not answered yet.
   */
  figures: { delivered: number; read: number; answered: number; given: number; refused: number; noAnswer: number }
  /** When the next message may go (ISO 8601), while running. */
  nextAt?: string
  /** When the last one should have gone at this pace (ISO 8601), while running. */
  etaAt?: string
}
