/** The store and reader contracts, run against every adapter: in memory, on files, and on PostgreSQL. */
import { afterEach } from 'vitest'
import { openConsentReader, openLowdbStore } from '../../src/adapters/lowdb-store.js'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import { openPostgresReader, openPostgresStore, type PostgresReader } from '../../src/adapters/postgres/index.js'
import { change } from '../adapters/store/fixtures.js'
import { tempDir } from '../adapters/store/helpers.js'
import { postgresPerFile } from '../support/postgres.js'
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

const postgres = postgresPerFile()
const readers: PostgresReader[] = []
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.close()
})

/**
 * A fresh database each, holding another number already (a store must see only its own); small
 * pages, so a scan and a read of more than a few contacts take several.
 */
const onPostgres: StoreFactory = async () => {
  const url = await postgres.database()
  const neighbour = await openPostgresStore({ url, number: 'tienda-norte' })
  await neighbour.commit(change('5215599999999', 1, 'sí'))
  await neighbour.close()
  const reader = openPostgresReader({ url, number: 'tienda-centro', pageSize: 7 })
  readers.push(reader)
  return { store: await openPostgresStore({ url, number: 'tienda-centro', pageSize: 7 }), reader }
}

for (const [name, factory] of [
  ['memory store', memory],
  ['file store', files],
  ['PostgreSQL store', onPostgres],
] as const) {
  consentStoreContract(name, factory)
  consentReaderContract(name, factory)
}
