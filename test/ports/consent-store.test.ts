/** The store and reader contracts, run against every adapter: in memory, and on files. */
import { openConsentReader, openLowdbStore } from '../../src/adapters/lowdb-store.js'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import { tempDir } from '../adapters/store/helpers.js'
import { consentReaderContract } from './consent-reader.contract.js'
import { consentStoreContract, type StoreFactory } from './consent-store.contract.js'

const memory: StoreFactory = async () => {
  const store = createMemoryStore()
  return { store, reader: store }
}

/** Few contact files, so contacts share them; the reader reads the files while the store runs. */
const files: StoreFactory = async () => {
  const dir = tempDir()
  return { store: await openLowdbStore(dir, { shards: 4 }), reader: openConsentReader(dir) }
}

for (const [name, factory] of [
  ['memory store', memory],
  ['file store', files],
] as const) {
  consentStoreContract(name, factory)
  consentReaderContract(name, factory)
}
