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
  /**
   * Hand the chat to the business's staff: it is marked as waiting for a person, the staff are
   * told, and the bot asks nothing more until a person has answered or the pause ends. Nothing
   * about consent changes.
   */
  handover?: true
  /** The step to go to; none means: stay and ask the same question again (not after a hand-over). */
  next?: string
  /**
   * Only in a command: a question asked without leaving the contact's step (e.g. "stop
   * everything, or only the offers?"). Its answer is acted on; anything else closes it, and the
   * contact goes on at their step.
   */
  aside?: AsideQuestion
  /** Taken from the flow's `defaults` rather than written on the step. */
  fromDefaults?: true
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

/** What every step has: its name, the messages sent on arrival, and where it is in the file. */
interface StepBase {
  id: string
  /** Sent on arrival. */
  say: string[]
  /** On arrival, the chat is passed to the staff: marked as waiting for a person, and they are told (no pause). */
  handover?: true
  line: number
}

/** No answers: a step that asks nothing (`{}`, so every step can be read for its answers alike). */
type NoAnswers = Readonly<Record<string, never>>

/** A question: the bot waits for one of its answers. */
export interface AskStep extends StepBase {
  kind: 'ask'
  ask: string
  /** Intent name → outcome, the flow's default answers included. `channel` matches any offered channel. */
  answers: Record<string, Outcome>
  /** What an answer that is none of them gets (the flow's default filled in); absent only in a refused flow. */
  unclear?: Unclear
  /** The step's answers can be picked by their place in the list shown (`{{choices}}`): 1, 2, … in the order written. */
  numbered?: boolean
  /** What a message with no text (a photo, a voice note) gets here, instead of the flow's `media`. */
  media?: Outcome
}

/** Says its messages and moves on at once (`next`). */
export interface SayStep extends StepBase {
  kind: 'say'
  next: string
  answers: NoAnswers
}

/**
 * Says its messages and waits: the contact's next message opens `rest` (absent only in a refused
 * flow); or, `quiet`, the bot says nothing more: what the contact writes (commands aside) is for
 * the business's staff, and the chat is marked as waiting for a person.
 */
export interface RestStep extends StepBase {
  kind: 'rest'
  rest?: string
  quiet?: true
  answers: NoAnswers
}

/** The built-in channel-details step: send the link, or ask, check and read back the handle; then `next`. */
export interface ChannelStep extends StepBase {
  kind: 'channel'
  next: string
  /** `back`: where "another channel" leads. */
  channelDetails: { back?: string }
  answers: NoAnswers
}

/** A step of the conversation; what it does is its `kind` (see steps.ts for what follows from it). */
export type Step = AskStep | SayStep | RestStep | ChannelStep

export const RIGHTS = ['access', 'erasure'] as const
export type Right = (typeof RIGHTS)[number]

interface FlowHead {
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
}

/** The conversation, validated: what the machine, the checks and the texts are built from. */
export interface Flow extends FlowHead {
  /** What a message with no text gets at a step that does not say (default: errors.textOnly, then the question again). */
  media: Outcome
  steps: Record<string, Step>
}

/** The intent a channel step uses for "let me pick another channel". */
export const BACK_INTENT = 'back'
/** The intent a channel-choice question uses for any offered channel, by name or number. */
export const CHANNEL_INTENT = 'channel'
/** A channel's own intent: `channel:<name>` (its words are under `channels` in answers.json). */
export const channelIntent = (channel: string): string => `${CHANNEL_INTENT}:${channel}`
/** The intent for "use this same WhatsApp number" when a phone number is asked. */
export const SAME_NUMBER_INTENT = 'same'

/** The owner's business as the bot runs it: the policy, the conversation, and the conversation's version. */
export interface BusinessFlow {
  policy: Policy
  flow: Flow
  /** Changes whenever the conversation file changes; stored with every conversation snapshot. */
  flowVersion: string
}
