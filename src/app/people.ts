/**
 * The person behind a message: which queue their messages wait in (their number whenever it is
 * known), the `…@lid` → number pairs learned on the way, and their contact as stored, with what
 * their LID had on its own folded in (identity.ts merges the two).
 */
import type { ConsentRecord } from '../domain/consent.js'
import type { ConsentStore, NewRecord } from '../ports/consent-store.js'
import type { Inbound } from '../ports/inbound-source.js'
import { addressesOf, isNumberless, isPhoneNumber, mergeContacts, type Stored } from './identity.js'
import { contactRef, type Logger } from './logger.js'
import type { ConsentRecords } from './records.js'

/** How many `…@lid` → number pairs are kept in memory for queueing (the store keeps them all). */
const MAX_REMEMBERED_LIDS = 100_000

export interface PeopleDeps {
  store: ConsentStore
  records: ConsentRecords
  log: Logger
  clock: () => Date
  /** The number the message source knows for a `…@lid` (Baileys' LID mapping), for a LID that writes alone. */
  numberOf?: (lid: string) => Promise<string | undefined>
  /** Runs work in a contact's queue (the engine's: one contact's work never overlaps). */
  enqueue: (contactId: string, work: () => Promise<void>) => Promise<void>
}

export class People {
  private readonly numbers = new Map<string, string>()

  constructor(private readonly deps: PeopleDeps) {}

  /**
   * A `…@lid` and a phone number are one person (the provider's LID mapping): their contacts
   * become one, filed under the number, and the merge is recorded. Runs in the number's queue.
   */
  link(lid: string, number: string): Promise<void> {
    if (!isNumberless(lid) || !isPhoneNumber(number)) return Promise.resolve()
    this.remember(lid, number)
    return this.deps.enqueue(number, async () => {
      const now = this.deps.clock()
      const { stored, replaces, records } = await this.identify(number, lid, now, { method: 'policy-rule', rule: 'whatsapp-lid-mapping' })
      if (!stored || (!replaces && stored.contact.lid === lid) || !stored.conversation) return
      const contact = { ...stored.contact, lid }
      await this.deps.store.commit({
        contact,
        conversation: stored.conversation,
        records,
        notices: this.deps.records.noticesFor(contact, records),
        ...(replaces ? { replaces } : {}),
      })
    })
  }

  /**
   * Contacts known only by a `…@lid` whose number the source now knows (a data folder from
   * before, or a mapping learned while the bot was off) are merged into the number's contact.
   * Returns how many were linked.
   */
  async mergeSplitContacts(numberOf: (lid: string) => Promise<string | undefined>): Promise<number> {
    const lids: string[] = []
    for await (const { contact } of this.deps.store.scan()) if (isNumberless(contact.id)) lids.push(contact.id)
    let merged = 0
    for (const lid of lids) {
      const number = await numberOf(lid)
      if (!number) continue
      await this.link(lid, number)
      merged++
    }
    if (merged) this.deps.log.info('contacts.linked_at_start', { linked: merged })
    return merged
  }

  /** The queue a message waits in: the person's number whenever it is known, so both addresses share one. */
  personOf(inbound: Pick<Inbound, 'contact' | 'alias'>): string {
    const { lid, number } = addressesOf(inbound.contact, inbound.alias)
    if (lid && number) this.remember(lid, number)
    return number ?? (lid && this.numbers.get(lid)) ?? inbound.contact
  }

  /**
   * Runs `work` in the queue of the person behind an address, with their contact as stored: an
   * id without a number that a number's contact carries goes to that number's queue, so one
   * person's changes never overlap. `person` is the contact's id (or the address, for someone unknown).
   */
  inQueueOf(address: string, alias: string | undefined, work: (person: string, stored: Partial<Stored>) => Promise<void>): Promise<void> {
    const person = this.personOf({ contact: address, ...(alias !== undefined ? { alias } : {}) })
    return this.deps.enqueue(person, async () => {
      const stored = await this.deps.store.load(person)
      const owner = stored.contact?.id
      if (owner === undefined || owner === person) return work(person, stored)
      // Filed under the number: its queue, and the contact as loaded there.
      this.remember(person, owner)
      await this.deps.enqueue(owner, async () => work(owner, await this.deps.store.load(owner)))
    })
  }

  /** The number learned in this run for a `…@lid`, if any. */
  knownNumber(lid: string): string | undefined {
    return this.numbers.get(lid)
  }

  /** A `…@lid` → number learned in this run (bounded: the store keeps them for good). */
  remember(lid: string, number: string): void {
    if (this.numbers.get(lid) === number) return
    if (this.numbers.size >= MAX_REMEMBERED_LIDS) this.numbers.delete(this.numbers.keys().next().value!)
    this.numbers.set(lid, number)
  }

  /**
   * The person's contact as stored, with a contact that the LID had on its own folded in (a
   * `merged` record says so). `lid` undefined: only the number's.
   */
  async identify(
    number: string,
    lid: string | undefined,
    now: Date,
    collection: ConsentRecord['collection'],
  ): Promise<{ stored?: Stored; replaces?: string; records: NewRecord[] }> {
    const byNumber = await this.deps.store.load(number)
    const mine = byNumber.contact ? (byNumber as Stored) : undefined
    if (!lid || mine?.contact.lid === lid) return { ...(mine ? { stored: mine } : {}), records: [] }
    const byLid = await this.deps.store.load(lid)
    if (!byLid.contact || byLid.contact.id !== lid) return { ...(mine ? { stored: mine } : {}), records: [] }
    const merged = mergeContacts(number, mine, byLid as Stored)
    const record = this.deps.records.merged(merged.contact, lid, byLid.contact.principal, collection, now)
    this.deps.log.info('contact.merged', { contact: contactRef(number) })
    return { stored: merged as Stored, replaces: lid, records: [record] }
  }

  /** The source's word on a LID's number (a valid one only; a failing lookup is no answer). */
  async askNumber(lid: string): Promise<string | undefined> {
    const number = await this.deps.numberOf?.(lid).catch((error: unknown) => {
      this.deps.log.warn('contact.number_lookup_failed', { error: (error as Error)?.message ?? String(error) })
      return undefined
    })
    return number && isPhoneNumber(number) ? number : undefined
  }
}
