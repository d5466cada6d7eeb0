/**
 * Moving a file store's data into PostgreSQL: written verbatim (the same seq, prev, hash, and
 * personal parts, erased ones null), into an empty number only, a chain that verifies only, all
 * or nothing; the bot then goes on with the same chain.
 */
import { describe, expect, it } from 'vitest'
import { openLowdbStore, readConsentData } from '../../../src/adapters/lowdb-store.js'
import { PostgresImportError } from '../../../src/adapters/postgres/index.js'
import { headSignatureHolds, verifyChain } from '../../../src/domain/ledger.js'
import type { ConsentData } from '../../../src/ports/consent-store.js'
import { LID, NUMBER, OTHER, withLid } from '../../ports/consent-store.contract.js'
import { change, record } from '../store/fixtures.js'
import { tempDir } from '../store/helpers.js'
import { postgresPerFile } from '../../support/postgres.js'
import { closedAfterEach } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()

/** A file store's data with a merge, an erasure and a few hundred records, as its reader reads it. */
async function fileStoreData(): Promise<ConsentData> {
  const dir = tempDir()
  const store = await openLowdbStore(dir, { shards: 4 })
  await store.commit(change(LID, 1, 'sí'))
  await store.commit(withLid(change(NUMBER, 2, 'sí, soy yo'), LID, LID))
  await store.commit(change('34699999999', 1, 'borrar'))
  await store.erase('34699999999', record('p-erased', 'erased', []))
  for (let n = 0; n < 300; n++) await store.commit(change(String(34600000000 + n), n, 'sí'))
  await store.commit(change(OTHER, 1))
  await store.close()
  return readConsentData(dir)
}

describe('importing into a PostgreSQL number', () => {
  it('writes contacts, conversations, notices and the ledger verbatim, signs the head, and the bot goes on with the same chain', async () => {
    const data = await fileStoreData()
    const url = await postgres.database()
    const store = await open.store({ url, number: 'tienda-centro' })
    expect(await store.importData(data)).toEqual({ contacts: 302, records: 304 })

    const reader = open.reader({ url, number: 'tienda-centro', pageSize: 64 })
    expect(await reader.read()).toEqual(data)
    // Verbatim down to the key order of what the file store wrote.
    const [row] = await postgres.sql<{ record: string }>(url, 'SELECT record::text AS record FROM ledger WHERE seq = 5')
    expect(row!.record).toBe(JSON.stringify(data.ledger[4]!.record))
    const seals = await reader.seals()
    expect(seals.signed.map((seal) => seal.head.seq)).toEqual([304])
    expect(headSignatureHolds(seals.key!.publicKey, seals.signed[0]!.head)).toBe(true)
    expect((await store.load(LID)).contact?.id).toBe(NUMBER)

    await store.commit(change(NUMBER, 3, 'no'))
    const { ledger } = await reader.read()
    expect(ledger.at(-1)).toMatchObject({ seq: 305, prev: data.ledger.at(-1)!.hash })
    expect(verifyChain(ledger)).toEqual({ intact: true, count: 305 })
  })

  it('refuses a number that holds anything, writing nothing', async () => {
    const data = await fileStoreData()
    const url = await postgres.database()
    const store = await open.store({ url, number: 'tienda-centro' })
    await store.commit(change(OTHER, 1))
    const before = await open.reader({ url, number: 'tienda-centro' }).read()
    await expect(store.importData(data)).rejects.toThrow(PostgresImportError)
    await expect(store.importData(data)).rejects.toThrow(/already holds data/)
    expect(await open.reader({ url, number: 'tienda-centro' }).read()).toEqual(before)
    // Another number of the same database is empty: it takes the import.
    const other = await open.store({ url, number: 'tienda-norte' })
    expect(await other.importData(data)).toEqual({ contacts: 302, records: 304 })
  })

  it('refuses a ledger whose chain does not verify, or data it cannot write as it is, writing nothing', async () => {
    const data = await fileStoreData()
    const url = await postgres.database()
    const store = await open.store({ url, number: 'tienda-centro' })
    const edited = structuredClone(data)
    edited.ledger[10]!.record.purposes = ['marketing']
    await expect(store.importData(edited)).rejects.toThrow(
      /the ledger to import does not verify: record 11 \(R\d+\) was changed after it was written/,
    )
    const cut = structuredClone(data)
    cut.ledger.splice(3, 1)
    await expect(store.importData(cut)).rejects.toThrow(/does not verify: record 5 \(R\d+\) has number 5 where 4 was expected/)
    const orphan = structuredClone(data)
    delete orphan.contacts[OTHER]
    await expect(store.importData(orphan)).rejects.toThrow(/1 conversation\(s\) have no contact/)
    expect(await open.reader({ url, number: 'tienda-centro' }).read()).toEqual({ contacts: {}, conversations: {}, ledger: [], notices: {} })
    // Refused before anything was written: the number still takes the good data.
    expect(await store.importData(data)).toEqual({ contacts: 302, records: 304 })
  })
})
