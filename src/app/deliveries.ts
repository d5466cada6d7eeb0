/**
 * Keeps what the provider reports of the messages the bot sent (sent, delivered, read, failed
 * with the provider's code) on the recipient's contact, for the campaign and dashboard work that
 * reads them. Only contacts the bot knows: a status names nobody new, and an erased contact
 * stays erased.
 *
 * One reply can bring three statuses within a second (sent, delivered, read), and a batch of
 * replies many more: the statuses of one contact that arrive while their queue is busy are
 * written together, in one change.
 */
import { withDelivery } from '../domain/deliveries.js'
import type { Delivery } from '../domain/consent.js'
import type { ConsentStore } from '../ports/consent-store.js'
import type { DeliveryStatus } from '../ports/inbound-source.js'
import { contactRef, type Logger } from './logger.js'
import type { People } from './people.js'

export interface DeliveriesDeps {
  store: ConsentStore
  people: People
  log: Logger
}

export class Deliveries {
  /** Statuses waiting for their contact's queue, by address. */
  private readonly waiting = new Map<string, DeliveryStatus[]>()

  constructor(private readonly deps: DeliveriesDeps) {}

  /** Keeps a status; resolves once it is stored (or dropped: an unknown recipient). */
  recorded(status: DeliveryStatus): Promise<void> {
    const key = `${status.contact}\u0000${status.alias ?? ''}`
    const queued = this.waiting.get(key)
    if (queued) {
      queued.push(status)
      return Promise.resolve()
    }
    this.waiting.set(key, [status])
    return this.deps.people.inQueueOf(status.contact, status.alias, async (person, stored) => {
      const statuses = this.waiting.get(key) ?? []
      this.waiting.delete(key)
      if (!stored.contact || !stored.conversation) {
        this.deps.log.debug('delivery.unknown_recipient', { statuses: statuses.length })
        return
      }
      let deliveries: readonly Delivery[] | undefined = stored.contact.deliveries
      for (const s of statuses) deliveries = withDelivery(deliveries, delivery(s))
      if (!deliveries || deliveries === stored.contact.deliveries) return
      const failed = statuses.filter((s) => s.status === 'failed')
      for (const s of failed)
        this.deps.log.warn('delivery.failed', { contact: contactRef(person), code: s.error?.code, title: s.error?.title })
      await this.deps.store.commit({
        contact: { ...stored.contact, deliveries: [...deliveries] },
        conversation: stored.conversation,
        records: [],
        notices: {},
      })
    })
  }
}

function delivery(status: DeliveryStatus): Delivery {
  return {
    id: status.messageId,
    status: status.status,
    at: new Date(status.at).toISOString(),
    ...(status.error ? { error: status.error } : {}),
  }
}
