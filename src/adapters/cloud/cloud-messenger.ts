/**
 * The Messenger port on the Cloud API: a text (with its answers as reply buttons or a list) to a
 * contact's number or business-scoped user id. Each wamid Meta gives is told to `onSent`.
 *
 * Free-form messages may only go to someone who wrote in the last 24 hours (messages/send-messages,
 * "Customer service windows"). Outside that window the messenger does not try: it logs
 * `cloud.outside_window` with why and rejects with NotSent('outside-window'), as it does when
 * Meta itself answers 131047 (re-engagement). The bot has nothing to say to someone who has not written for a day
 * except through an approved template, which is the campaign's business, not a reply's.
 * Any other refusal is thrown as a GraphError: the engine logs it.
 */
import type { Logger } from '../../ports/logger.js'
import { NotSent, type Messenger } from '../../ports/messenger.js'
import { type CustomerWindows, WINDOW_MS } from './customer-window.js'
import { GraphError, type GraphClient } from './graph-client.js'
import { sendBodies, targetOf } from './send-bodies.js'

/** Meta's "Re-engagement message": more than 24 hours since the contact last wrote. */
export const REENGAGEMENT = 131047

export interface CloudMessengerOptions {
  client: GraphClient
  windows: CustomerWindows
  logger: Logger
  clock: () => Date
  /** Told each wamid sent, so the bot's own messages are told apart from the staff's. */
  onSent?: (wamid: string) => void
}

export function createCloudMessenger(options: CloudMessengerOptions): Messenger {
  const { client, windows, logger, clock, onSent } = options
  return {
    async send(contact, text, choices) {
      // An address the Cloud API cannot reach fails before anything else is asked.
      targetOf(contact)
      const last = await windows.lastFrom(contact)
      const now = clock().getTime()
      if (last === undefined || now - last >= WINDOW_MS) {
        logger.info('cloud.outside_window', {
          reason: last === undefined ? 'never_wrote' : 'window_closed',
          ...(last !== undefined ? { hoursSince: Math.floor((now - last) / 3_600_000) } : {}),
        })
        throw new NotSent('outside-window')
      }
      for (const body of sendBodies(contact, text, choices)) {
        try {
          const answer = await client.send(body)
          onSent?.(answer.messages[0]!.id)
        } catch (error) {
          if (error instanceof GraphError && error.code === REENGAGEMENT) {
            logger.info('cloud.outside_window', { reason: 'meta_131047' })
            throw new NotSent('outside-window')
          }
          throw error
        }
      }
    },
  }
}
