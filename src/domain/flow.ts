/**
 * The conversation as the owner writes it in `flows/consent.yaml`, after validation.
 * Every text is a locale key; every answer is an intent whose words live in
 * `locales/<lang>/answers.json`. Line numbers are kept so later checks can point at the file.
 */
import type { Language } from './language.js'
import type { Policy } from './policy.js'

/** What an answer (or a command) does. Effects come from this closed vocabulary. */
export interface Outcome {
  /** Locale keys sent, in order. */
  say: string[]
  /** Record the contact's answer for one purpose. */
  record?: { purpose: string; given: boolean }
  /**
   * Withdraw consents: `all` withdraws every consent the contact has given; a list withdraws
   * those optional purposes only (e.g. "no more offers" withdraws marketing, service stays).
   */
  withdraw?: 'all' | string[]
  /** Switch the conversation's language. */
  language?: Language
  /**
   * A right the contact exercises: `access` shows them what is stored about them;
   * `erasure` deletes it (only as the yes to a confirmation question).
   */
  right?: Right
  /** The step to go to; none means: stay and ask the same question again. */
  next?: string
  /**
   * Only in a command: a question asked without leaving the contact's step (e.g. "stop
   * everything, or only the offers?"). Its answer is acted on; anything else closes it, and the
   * contact goes on at their step.
   */
  aside?: AsideQuestion
  line: number
}

export interface AsideQuestion {
  ask: string
  /** Intent → outcome (no `record`: an aside question never records consent). */
  answers: Record<string, Outcome>
  /** Said when the answer is none of the above; then the step's own question comes again. */
  unclear?: Unclear
  line: number
}

export interface Unclear {
  /** Sent when an answer is not understood; the question is never taken as answered. */
  say: string[]
  /** After this many unclear answers in a row... */
  after?: number
  /** ...this is said instead (how to reach a person), and the count starts again. */
  then?: string[]
  line: number
}

export interface Step {
  id: string
  /** Sent on arrival. */
  say: string[]
  /** The question; the bot waits for an answer. */
  ask?: string
  /** Intent name → outcome. The special intent `channel` matches any offered channel. */
  answers: Record<string, Outcome>
  unclear?: Unclear
  /** Without `ask`: where to go at once. For a channel step: where to go once it is settled. */
  next?: string
  /** Without `ask` and `next`: the step the contact's next message opens. */
  rest?: string
  /** The built-in channel-details step: send the link, or ask, check and read back the handle. */
  channelDetails?: { back?: string }
  line: number
}

export const RIGHTS = ['access', 'erasure'] as const
export type Right = (typeof RIGHTS)[number]

export interface FlowDefinition {
  start: string
  startLine: number
  /**
   * Where a contact is taken when what they agreed to no longer holds: the policy has a new
   * version, or their consent is older than the policy's `consentValidForDays`.
   */
  reconsent?: string
  reconsentLine?: number
  /** Global commands: intent → outcome, understood at every step. */
  commands: Record<string, Outcome>
  steps: Record<string, Step>
}

/** The intent a channel step uses for "let me pick another channel". */
export const BACK_INTENT = 'back'
/** The intent a channel-choice question uses for any offered channel, by name or number. */
export const CHANNEL_INTENT = 'channel'
/** The intent for "use this same WhatsApp number" when a phone number is asked. */
export const SAME_NUMBER_INTENT = 'same'

/** The owner's business as the bot runs it: the policy, the conversation, and the conversation's version. */
export interface BusinessFlow {
  policy: Policy
  flow: FlowDefinition
  /** Changes whenever the conversation file changes; stored with every conversation snapshot. */
  flowVersion: string
}
