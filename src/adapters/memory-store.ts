/** The consent store in memory: for tests and trials, where nothing needs to outlive the process. */
import { sealEntry } from '../domain/ledger.js'
import type { ConsentReader } from '../ports/consent-reader.js'
import type { ConsentData, ConsentStore } from '../ports/consent-store.js'

/** The store, its reader (the owner's tools' view of it), and its data to look at in a test. */
export function createMemoryStore(): ConsentStore & ConsentReader & { readonly data: ConsentData } {
  const data: ConsentData = { contacts: {}, conversations: {}, ledger: [], notices: {} }
  // A person's `…@lid` → their number, as the file store keeps it.
  const lids = new Map<string, string>()
  const idOf = (address: string) => (data.contacts[address] ? address : (lids.get(address) ?? address))
  return {
    data,
    async load(address) {
      const id = idOf(address)
      return { contact: structuredClone(data.contacts[id]), conversation: structuredClone(data.conversations[id]) }
    },
    async commit(change) {
      if (change.replaces && change.replaces !== change.contact.id) {
        delete data.contacts[change.replaces]
        delete data.conversations[change.replaces]
      }
      data.contacts[change.contact.id] = structuredClone(change.contact)
      data.conversations[change.contact.id] = structuredClone(change.conversation)
      if (change.contact.lid) lids.set(change.contact.lid, change.contact.id)
      for (const { record, personal } of structuredClone(change.records)) data.ledger.push(sealEntry(data.ledger.at(-1), record, personal))
      Object.assign(data.notices, structuredClone(change.notices))
    },
    async erase(address, proof) {
      const id = idOf(address)
      const addresses = new Set([address, id, ...(data.contacts[id]?.lid ? [data.contacts[id]!.lid!] : [])])
      for (const a of addresses) {
        delete data.contacts[a]
        delete data.conversations[a]
        lids.delete(a)
      }
      for (const entry of data.ledger) if (entry.personal && addresses.has(entry.personal.contact)) entry.personal = null
      data.ledger.push(sealEntry(data.ledger.at(-1), structuredClone(proof), null))
    },
    async *scan() {
      for (const contact of Object.values(data.contacts))
        yield { contact: structuredClone(contact), conversation: structuredClone(data.conversations[contact.id]) }
    },
    async close() {},
    async read() {
      return structuredClone(data)
    },
    async *ledger() {
      // A copy taken now: commits made during the walk are not in it, as in a read.
      for (const entry of structuredClone(data.ledger)) yield { kind: 'record', where: `ledger entry ${entry.seq}`, entry }
    },
  }
}
