/** The consent store in memory: for tests and trials, where nothing needs to outlive the process. */
import { sealEntry } from '../domain/ledger.js'
import type { ConsentData, ConsentStore } from '../ports/consent-store.js'

export function createMemoryStore(): ConsentStore & { readonly data: ConsentData } {
  const data: ConsentData = { contacts: {}, conversations: {}, ledger: [], notices: {} }
  return {
    data,
    async load(contactId) {
      return { contact: structuredClone(data.contacts[contactId]), conversation: structuredClone(data.conversations[contactId]) }
    },
    async commit(change) {
      data.contacts[change.contact.id] = structuredClone(change.contact)
      data.conversations[change.contact.id] = structuredClone(change.conversation)
      for (const { record, personal } of structuredClone(change.records)) data.ledger.push(sealEntry(data.ledger.at(-1), record, personal))
      Object.assign(data.notices, structuredClone(change.notices))
    },
    async erase(contactId, proof) {
      delete data.contacts[contactId]
      delete data.conversations[contactId]
      for (const entry of data.ledger) if (entry.personal?.contact === contactId) entry.personal = null
      data.ledger.push(sealEntry(data.ledger.at(-1), structuredClone(proof), null))
    },
    async *scan() {
      for (const contact of Object.values(data.contacts)) yield { contact: structuredClone(contact), conversation: structuredClone(data.conversations[contact.id]) }
    },
    async close() {},
  }
}
