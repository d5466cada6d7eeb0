/**
 * What became of the messages the bot sent, as the provider reports it (the Cloud API's
 * statuses): the furthest each message got, for the latest few per contact.
 */
import type { Delivery } from './consent.js'

/** How many of a contact's latest messages are followed (a campaign's notice is among the latest). */
export const DELIVERIES_KEPT = 20

/** How far a message got. Statuses can arrive out of order (read before delivered): the furthest stands. */
const REACH: Record<Delivery['status'], number> = { sent: 1, delivered: 2, read: 3, failed: 4 }

/**
 * `deliveries` with `update` applied: a message's status only moves forward; the oldest drop off
 * past the limit. The same array when nothing changed (a repeated or older status).
 */
export function withDelivery(deliveries: readonly Delivery[] | undefined, update: Delivery): readonly Delivery[] {
  const list = [...(deliveries ?? [])]
  const at = list.findIndex((d) => d.id === update.id)
  if (at >= 0 && REACH[update.status] <= REACH[list[at]!.status]) return deliveries!
  if (at < 0) list.push(update)
  else list[at] = update
  return list.slice(-DELIVERIES_KEPT)
}
