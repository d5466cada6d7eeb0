/**
 * The business's staff share the number with the bot: what they send from the business's own
 * WhatsApp reaches the engine as a `StaffMessage`, and they are told of chats that wait for a
 * person through a `StaffNotifier`.
 */
import type { Language } from '../domain/language.js'

/**
 * A message sent to a contact from the business's own WhatsApp (the phone, or another linked
 * device) that the bot did not send: a person is handling that chat.
 */
export interface StaffMessage {
  /** The contact it was sent to: a phone number (digits) or a `…@lid`. */
  contact: string
  /** The same person's other address, when the source gave it. */
  alias?: string
  /** The source's id of the message (a redelivery counts once). */
  messageId: string
  /** When it was sent (ms since the epoch), when the source says. */
  sentAt?: number
}

/** A chat that now waits for a person, as the staff are told of it. */
export interface WaitingChat {
  /** The same for one wait however often it is told (a retry, a restart): receivers drop repeats by it. */
  id: string
  /** `asked`: the contact asked for a person; `message`: they wrote to the team (the reason they wrote, once the consent questions are done, or a message afterwards). */
  reason: 'asked' | 'message'
  /** When it started waiting (ISO 8601). */
  since: string
  /** The contact's pseudonym, as on their ledger records and the dashboard: always there. */
  principal: string
  language: Language
  /** Whether the contact gave consent to every required purpose (the service): only then are `contact` and `message` there. */
  serviceConsent: boolean
  /** The contact's address (a phone number's digits, or a `…@lid`): only with service consent. */
  contact?: string
  /** What the contact wrote that waits for the staff (their first message, or the one that started the wait): only with service consent. */
  message?: string
}

/**
 * Tells the business's staff that a chat waits for a person. Delivers (and retries) on its own and
 * logs what failed; never rejects. Resolves true once every configured target has it, false when
 * one gave up (or the bot stopped first): the wait is then told again at the next start.
 */
export interface StaffNotifier {
  notify(chat: WaitingChat): Promise<boolean>
  /** Waits for deliveries under way (tests, and a clean stop); gives up on retries still waiting. */
  close?(): Promise<void>
}
