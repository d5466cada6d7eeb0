/**
 * A preference the contact changed in WhatsApp's own interface, outside the chat: Meta's "Stop
 * promotions" (the Cloud API's `user_preferences` webhook, category `marketing_messages`).
 *
 * Stopping is a withdrawal of every optional purpose, recorded in the ledger with its own
 * collection method (`whatsapp-preference`), as a STOP in the chat would be, and confirmed to
 * nobody: the contact acted in WhatsApp, not in a chat with the bot, and a reply would be the
 * very message they asked not to get. A contact the bot has not met yet is kept with that
 * withdrawal, so nothing the business sends later (a campaign) reaches them unasked.
 *
 * Resuming is not a consent (a consent is given to the business, in its terms, purpose by
 * purpose): it is logged and changes nothing.
 */
import type { Contact } from '../domain/consent.js'
import type { Policy } from '../domain/policy.js'
import { RECENT_MESSAGE_IDS, type ConsentStore, type StoredConversation } from '../ports/consent-store.js'
import type { PreferenceChange } from '../ports/inbound-source.js'
import { contactRef, type Logger } from './logger.js'
import type { People } from './people.js'
import type { ConsentRecords } from './records.js'
import { withdrawnPurposes } from './records.js'

export interface PreferencesDeps {
  policy: Policy
  store: ConsentStore
  people: People
  records: ConsentRecords
  log: Logger
  clock: () => Date
  newContact: (id: string, now: Date) => Contact
  newConversation: (contact: Contact) => StoredConversation
}

export class Preferences {
  constructor(private readonly deps: PreferencesDeps) {}

  changed(change: PreferenceChange): Promise<void> {
    return this.deps.people.inQueueOf(change.contact, change.alias, async (person, stored) => {
      if (change.value === 'resume') {
        this.deps.log.info('preference.resumed', { contact: contactRef(person), recorded: false })
        return
      }
      // Meta delivers a webhook again when it was not acknowledged in time: one change, one record.
      if (stored.conversation?.recentMessageIds?.includes(change.id)) return
      const now = this.deps.clock()
      const contact: Contact = stored.contact
        ? { ...stored.contact, consents: { ...stored.contact.consents } }
        : this.deps.newContact(person, now)
      const optional = this.deps.policy.purposes.filter((p) => !p.required).map((p) => p.id)
      const collection = { method: 'whatsapp-preference' as const, preference: 'marketing_messages:stop' }
      const record = this.deps.records.change(contact, 'withdrawn', withdrawnPurposes(contact, optional), collection, new Date(change.at))
      // Nor is the business to write first to them (a campaign): they asked for no promotions.
      contact.stopped = new Date(change.at).toISOString()
      const conversation = stored.conversation ?? this.deps.newConversation(contact)
      await this.deps.store.commit({
        contact,
        conversation: {
          ...conversation,
          updatedAt: now.toISOString(),
          recentMessageIds: [...(conversation.recentMessageIds ?? []), change.id].slice(-RECENT_MESSAGE_IDS),
        },
        records: [record],
        notices: this.deps.records.noticesFor(contact, [record]),
      })
      this.deps.log.info('preference.stopped', { contact: contactRef(person), purposes: record.record.purposes.join('+') })
    })
  }
}
