/**
 * Tells the staff of a chat that waits for a person with a WhatsApp text to a number or group of
 * the business, sent through the bot's own messenger. A send that throws (WhatsApp not connected
 * yet, a reconnect) is retried with the webhook's backoff. On the Cloud API the staff's number
 * must have written to the business in the last 24 hours: otherwise the note is not sent (NotSent).
 */
import type { Logger } from '../ports/logger.js'
import { NotSent, type Messenger } from '../ports/messenger.js'
import type { StaffNotifier, WaitingChat } from '../ports/staff.js'
import { type Delay, type DeliveryResult, errorText, type RetryPolicy, retryingNotifier } from './staff-webhook.js'

/** Fewer, longer-spaced tries than the webhook's: a WhatsApp reconnect takes seconds, not minutes, and a late note is little use. */
export const WHATSAPP_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 5_000, maxDelayMs: 300_000 }

export interface WhatsAppNotifierDeps {
  messenger: Messenger
  /** The note's text, in the owner's words (the wiring builds it from the locale texts). */
  format: (chat: WaitingChat) => string
  logger: Logger
  delay?: Delay
  random?: () => number
  onSettled?: (result: DeliveryResult) => void
  policy?: RetryPolicy
}

/** `to`: a phone number's digits with country code, or a group's `…@g.us` (as the config gives it). */
export function createWhatsAppNotifier(to: string, deps: WhatsAppNotifierDeps): StaffNotifier {
  return retryingNotifier({ ...deps, target: 'whatsapp', policy: deps.policy ?? WHATSAPP_RETRY }, async (chat) => {
    let text: string
    try {
      text = deps.format(chat)
    } catch (error) {
      // A text that cannot be built will not be built on the next try either.
      return { delivered: false, retry: false, error: errorText(error) }
    }
    try {
      await deps.messenger.send(to, text)
      return { delivered: true }
    } catch (error) {
      // Outside the Cloud API's 24-hour window no retry within minutes will do: told again at the next start.
      return { delivered: false, retry: !(error instanceof NotSent), error: errorText(error) }
    }
  })
}
