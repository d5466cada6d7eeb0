/**
 * The contacts this process loaded or wrote lately, kept as the JSON it wrote. A bot holds its
 * number's lock (number-lock.ts): no other process writes the number while it runs, so what it
 * committed is what the database holds, and a contact's next message is loaded without a round
 * trip to the server. Only what is known committed is kept; an address known to be nobody's is
 * remembered too (a new contact's first message is the usual miss). Most recently used first
 * out past `limit`; an erasure forgets everything (it is rare, and touches two addresses).
 */
import type { Contact } from '../../domain/consent.js'
import type { StoredConversation } from '../../ports/consent-store.js'
import type { PreparedChange } from './writes.js'

interface Kept {
  contact: string
  conversation: string
}

export type Loaded = { contact?: Contact; conversation?: StoredConversation }

export class ContactCache {
  /** By contact id; null: no contact has this address (nor carries it as its `…@lid`). */
  private readonly byId = new Map<string, Kept | null>()
  /** A `…@lid` → the id of the contact that carries it. */
  private readonly lids = new Map<string, string>()

  constructor(private readonly limit = 20_000) {}

  /** What the database holds for `address`, if known here: a fresh copy each time. */
  get(address: string): Loaded | undefined {
    const id = this.lids.get(address) ?? address
    const kept = this.byId.get(id)
    if (kept === undefined) return undefined
    // Used again: to the back of the line.
    this.byId.delete(id)
    this.byId.set(id, kept)
    if (kept === null) return {}
    return { contact: JSON.parse(kept.contact) as Contact, conversation: JSON.parse(kept.conversation) as StoredConversation }
  }

  /** What a load from the database found for `address`. */
  loaded(address: string, found: Loaded): void {
    if (!found.contact) return this.put(address, null)
    if (found.contact.id !== address) this.lids.set(address, found.contact.id)
    if (found.conversation)
      this.put(found.contact.id, { contact: JSON.stringify(found.contact), conversation: JSON.stringify(found.conversation) })
  }

  /** A change the database committed (as it was written: its JSON is kept as it is). */
  committed(change: PreparedChange): void {
    if (change.replaces !== undefined) this.forget(change.replaces)
    if (change.lid) {
      this.byId.delete(change.lid)
      this.lids.set(change.lid, change.id)
    }
    this.put(change.id, { contact: change.contact, conversation: change.conversation })
  }

  /** Everything goes: an erasure, or a write whose outcome is unknown. */
  clear(): void {
    this.byId.clear()
    this.lids.clear()
  }

  private forget(address: string): void {
    this.byId.delete(address)
    for (const [lid, id] of this.lids) if (lid === address || id === address) this.lids.delete(lid)
  }

  private put(id: string, kept: Kept | null): void {
    this.byId.delete(id)
    this.byId.set(id, kept)
    if (this.byId.size > this.limit) this.byId.delete(this.byId.keys().next().value!)
    if (this.lids.size > this.limit) this.lids.delete(this.lids.keys().next().value!)
  }
}
