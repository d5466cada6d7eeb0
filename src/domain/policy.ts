/**
 * The business's data-use policy, as the owner declares it in `flows/policy.yaml`:
 * who is responsible, what is collected, for which purposes, for how long, and which
 * channels a contact may move to. Changing any of it is a new policy version.
 */

/** The channels the bot knows how to offer. `whatsapp` means "stay here". */
import type { CampaignHours } from './campaign.js'
import type { KantaraPiiCategory, KantaraPurposeCategory } from './kantara.js'
import type { Language } from './language.js'

export const CHANNELS = ['whatsapp', 'telegram', 'signal', 'line', 'sms', 'email', 'call'] as const
export type Channel = (typeof CHANNELS)[number]

export interface Purpose {
  /** Machine name, e.g. `service`, `marketing`; its texts live in locales under `purposes.<id>`. */
  id: string
  /** A required purpose is needed for the chat itself; refusing it ends processing here. */
  required: boolean
  /** Its Kantara purpose categories (src/domain/kantara.ts), for the consent receipt. */
  categories: KantaraPurposeCategory[]
  /** Why the law allows it (GDPR art. 6, and its kin elsewhere): shown on the notice. */
  basis: LegalBasis
  line: number
}

/** The legal bases an owner may name for a purpose, as written in flows/policy.yaml. */
export const LEGAL_BASES = ['consent', 'contract', 'legal obligation', 'vital interests', 'public task', 'legitimate interest'] as const
export type LegalBasis = (typeof LEGAL_BASES)[number]

/** What a recipient is to the data: it works for the business, or decides on its own. */
export const RECIPIENT_ROLES = ['processor', 'controller', 'joint controller'] as const
export type RecipientRole = (typeof RECIPIENT_ROLES)[number]

/** Someone else who receives contacts' data (WhatsApp, i.e. Meta, always does: it carries the chat). */
export interface Recipient {
  /** As the owner writes it, e.g. `WhatsApp (Meta Platforms)`. */
  name: string
  role: RecipientRole
  /** Where it keeps the data: ISO 3166-1 alpha-2. Outside the jurisdiction's country, it is a transfer abroad. */
  country: string
  line: number
}

/** A contact's rights over their data, each named on the notice with how to use it. */
export const RIGHTS = ['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection', 'withdrawal'] as const
export type Right = (typeof RIGHTS)[number]

export interface RightUse {
  right: Right
  /** The command of flows/consent.yaml that exercises it in the chat (its words in answers.json); absent: write to the contact. */
  command?: string
  line: number
}

/** The data protection authority a contact may complain to. */
export interface Authority {
  name: string
  website: string
}

export interface OfferedChannel {
  channel: Channel
  /** A link the business configured (t.me/…, line.me/…, signal.me/…): sent instead of asking a handle. */
  link?: string
  line: number
}

/** The controller's postal address, as a Kantara receipt gives it. */
export interface PostalAddress {
  street: string
  locality: string
  region?: string
  postalCode?: string
  /** ISO 3166-1 alpha-2, e.g. MX. */
  country: string
}

export interface Controller {
  name: string
  /** Where contacts ask about their data: an email address or a phone number. */
  contact: string
  /** The privacy email (the contact's when it is one). */
  email?: string
  phone: string
  address: PostalAddress
}

export type RetentionUnit = 'days' | 'months' | 'years'

export interface Policy {
  /** Free text chosen by the owner, e.g. a date; recorded with every consent. */
  version: string
  /** Where the data protection law that governs it applies: ISO 3166-1 alpha-2, optionally "-" and a region (MX, ES, MX-CMX). */
  jurisdiction: string
  controller: Controller
  noticeUrl?: string
  retention: { amount: number; unit: RetentionUnit }
  /** Kinds of personal data collected; each has a text under `data.<kind>` in locales. */
  collects: string[]
  /** The Kantara categories of each kind collected (src/domain/kantara.ts), for the consent receipt. */
  dataCategories: Record<string, KantaraPiiCategory[]>
  purposes: Purpose[]
  /** Offered in this order. */
  channels: OfferedChannel[]
  /** Who else receives the data, and where. */
  recipients: Recipient[]
  /** Every right, in the order written, with how a contact uses it. */
  rights: RightUse[]
  authority: Authority
  /** A consent older than this is asked again (absent: it holds until withdrawn or the policy changes). */
  consentValidForDays?: number
  /** A consent question left unanswered this long is recorded as lapsed (absent: never). */
  lapseUnansweredAfterDays?: number
  /** How the bot shares the number with the business's staff. */
  staff: StaffPolicy
  /** How fast `npm run campaign` writes to the clients the business already has (the safe pace when not written). */
  campaign: CampaignPolicy
}

/**
 * The pace of a notice campaign (policy.yaml `campaign`), every field at its safe default when the
 * owner writes none. Values above the safe ones are allowed here: the campaign refuses them
 * without the owner's `--faster` (src/domain/campaign-pace.ts).
 */
export interface CampaignPolicy {
  /** When messages go, in each client's own time zone. */
  hours: CampaignHours
  /** The line of `hours:` when the owner wrote it: the Cloud API keeps to hours only then. */
  hoursLine?: number
  /** Linked device: a random wait between two messages. */
  gap: { minSeconds: number; maxSeconds: number }
  /** Linked device: at most this many messages in any 24 hours. */
  perDay: number
  /** Cloud API: the account's messaging tier (people a day) and messages a second. */
  cloud: { tier: CloudTier; perSecond: number }
  /** Cloud API: the approved template per language, as Meta's WhatsApp Manager names it. */
  templates: Partial<Record<Language, CampaignTemplate>>
  line?: number
}

/** Meta's messaging tiers: business-initiated conversations with this many people in 24 hours. */
export type CloudTier = 250 | 2000 | 10000 | 100000

export interface CampaignTemplate {
  name: string
  /** Meta's language code of the template, e.g. `es_MX`, `en_US`. */
  language: string
  line?: number
}

/** How the bot and the business's staff share the number (policy.yaml `staff`). */
export interface StaffPolicy {
  /** How long the bot stays quiet in a chat after a person last wrote to it from the business's phone (ms). */
  pauseMs: number
  /** When the staff answer, told to a contact who asks for a person (absent: not said). */
  hours?: BusinessHours
  line?: number
}

/** Twelve hours: a working day, so a chat a person took in the morning stays theirs until evening. */
export const DEFAULT_STAFF_PAUSE_MS = 12 * 60 * 60 * 1000

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type Weekday = (typeof WEEKDAYS)[number]

/** Opening hours in the business's time zone: for each day open, from and to (minutes after midnight). */
export interface BusinessHours {
  /** An IANA time zone, e.g. America/Mexico_City. */
  timeZone: string
  /** In the order written; a day may appear once. */
  open: { days: Weekday[]; from: number; to: number }[]
}

export function purposeById(policy: Policy, id: string): Purpose | undefined {
  return policy.purposes.find((p) => p.id === id)
}
