/** The consent store in memory: for tests and trials, where nothing needs to outlive the process. */
import type { ConsentStore } from '../ports/consent-store.js'
import type { ConsentDatabase } from './lowdb-store.js'

export function createMemoryStore(): ConsentStore & { readonly data: ConsentDatabase } {
  const data: ConsentDatabase = { schemaVersion: 1, contacts: {}, conversations: {}, ledger: [], notices: {} }
  return {
    data,
    async load(contactId) {
      return { contact: structuredClone(data.contacts[contactId]), conversation: structuredClone(data.conversations[contactId]) }
    },
    async commit(change) {
      data.contacts[change.contact.id] = structuredClone(change.contact)
      data.conversations[change.contact.id] = structuredClone(change.conversation)
      data.ledger.push(...structuredClone(change.records))
      Object.assign(data.notices, structuredClone(change.notices))
    },
    async close() {},
  }
}
