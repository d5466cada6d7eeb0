/**
 * What a conversation holds, hears and describes: its context, the events it steps on, the
 * effects it describes (declared once, here; the engine performs them) and what a state tells
 * the engine about the question it asks.
 */
import type { CountryCode } from 'libphonenumber-js'
import type { Language } from '../language.js'
import type { Channel } from '../policy.js'
import type { TermsChange } from '../terms.js'

export interface ConversationContext {
  language: Language
  /** The question last asked, repeated after a command such as HELP. */
  prompt?: string
  /** Unclear answers in a row to the current question. */
  unclear: number
  /** The channel being set up and, once typed, its handle (awaiting read-back). */
  pending?: { channel: Channel; handle?: string }
  /** The contact's own number and its country, for "same number" and numbers typed without +. */
  phone?: string
  country?: CountryCode
  /**
   * A command's question asked aside (e.g. "stop everything, or only the offers?"): the contact
   * stays at their step; their next message is read against `intents`, then the aside is closed.
   */
  aside?: { command: string; intents: string[]; ask?: string }
}

export type ConversationInput = Pick<ConversationContext, 'language' | 'phone' | 'country'>

/**
 * What happens to a conversation. A message, as the engine read it: `answer` (`intent` is what it
 * means among the answers the current question takes, undefined: unclear; `channel` is set for
 * the channel intent; `text` is kept for steps that take free text, a handle), `command`, or
 * `media` (no text: a photo, a voice note). And what the engine knows about the contact:
 * `language` (they write in the other language), `reconsent` (what they agreed to no longer
 * holds), `restarted` (the step they stood on is gone from the flow).
 */
export type ConversationEvent =
  | { type: 'answer'; intent?: string; channel?: Channel; text: string }
  /** `greeted`: set by the machine for a command that was the first message, after the greeting. */
  | { type: 'command'; command: string; greeted?: boolean }
  | { type: 'media' }
  /** The contact wrote clearly in `language`: switch as its command would (saying so), without asking again. */
  | { type: 'language'; language: Language }
  /** What the contact agreed to no longer holds (new policy version, consent expired): say what, ask again. */
  | { type: 'reconsent'; changes: TermsChange[] }
  /** The owner removed the step the contact stood on: their conversation starts again, saying so. */
  | { type: 'restarted' }
  /**
   * The open question has waited longer than the policy's `lapseUnansweredAfterDays`: the consents
   * it asks for lapse; the conversation stays where it is (a late answer still counts).
   */
  | { type: 'lapse' }

/** Each effect the machine describes, with what it carries: declared once, here. The engine performs them. */
interface EffectParams {
  reply: { key: string }
  /** Ask the open question again. */
  reprompt: object
  recordConsent: { purpose: string; given: boolean }
  /** Withdraws the given consents: every one, or only `purposes` (optional ones) when set. */
  withdrawConsent: { purposes?: string[] }
  /** Consents that lapsed by a rule of the policy (none: nothing to record). */
  lapseConsent: { purposes: string[]; rule: string }
  setChannel: { channel: Channel; handle?: string; link?: string }
  /** The right of access: the contact is shown what is stored about them (and it is recorded). */
  accessData: object
  /** The right to erasure, confirmed: every trace of the contact goes. */
  erase: object
  /** The contact is shown the current notice (a new conversation, or asked again): `changes` says what is new. */
  showTerms: { changes: TermsChange[] }
  /**
   * The chat is for the business's staff: it waits for a person, and they are told. `asked`: the
   * contact asked for a person (the bot also pauses: it asks nothing more until a person answers
   * or the pause ends); `message`: they wrote to the team (the consent questions done, or once quiet).
   */
  handOver: { reason: 'asked' | 'message' }
}

export type Effect = { [K in keyof EffectParams]: { type: K } & EffectParams[K] }[keyof EffectParams]

/** Every effect's name (checked against `EffectParams` both ways). */
export const EFFECTS = {
  reply: true,
  reprompt: true,
  recordConsent: true,
  withdrawConsent: true,
  lapseConsent: true,
  setChannel: true,
  accessData: true,
  erase: true,
  showTerms: true,
  handOver: true,
} as const satisfies Record<Effect['type'], true>

/** What the engine reads off a state to know which answers the current question takes. */
export interface StepMeta {
  intents: string[]
  /** The answers numbered in the list shown (`{{choices}}`), in order. */
  choices?: string[]
}

/** The state a conversation is in before its first message (no step can have this name). */
export const FIRST_MESSAGE = '(first message)'
