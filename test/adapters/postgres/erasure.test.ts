/**
 * The right to erasure on PostgreSQL: one transaction removes the person's contact and
 * conversation and nulls the personal part of their ledger entries under both their addresses
 * (number and `…@lid`), then appends the proof; no row of any table still names them, while the
 * chain verifies. The same person's data under another number (another business) stays.
 */
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../../src/domain/ledger.js'
import { verifyLedger } from '../../../src/main/commands/ledger-verify.js'
import { LID, NUMBER, OTHER, withLid } from '../../ports/consent-store.contract.js'
import { change, record } from '../store/fixtures.js'
import { postgresPerFile } from '../../support/postgres.js'
import { closedAfterEach, everyRow } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()

/** What identifies the person in the rows: their two addresses (the fixture's conversations hold the number too) and their words. */
const THEIRS = [NUMBER, LID.replace('@lid', ''), 'sí, soy Ana', 'BORRAR mis datos']

describe('erasure on PostgreSQL', () => {
  it('leaves no row of any table naming the person, under either address; the proof is last and the chain verifies', async () => {
    const url = await postgres.database()
    const store = await open.store({ url, number: 'tienda-centro' })
    const elsewhere = await open.store({ url, number: 'tienda-norte' })
    await store.commit(change(LID, 1, 'sí, soy Ana'))
    await store.commit(withLid(change(NUMBER, 2, 'BORRAR mis datos'), LID, LID))
    await store.commit(change(OTHER, 1, 'yes'))
    await elsewhere.commit(change(NUMBER, 1, 'sí, soy Ana'))
    expect(await everyRow(postgres, url)).toContain(LID)

    const proof = record('p-erased', 'erased', [])
    await store.erase(LID, proof)

    const rows = (await everyRow(postgres, url)).split('\n')
    const centro = rows.filter((row) => !row.includes('"number":"tienda-norte"')).join('\n')
    for (const text of THEIRS) expect(centro, text).not.toContain(text)
    // Tienda norte's contact is another business's: not theirs to erase.
    expect(rows.filter((row) => row.startsWith('contacts:') && row.includes('tienda-norte') && row.includes(NUMBER))).toHaveLength(1)

    const reader = open.reader({ url, number: 'tienda-centro' })
    const { ledger, contacts, conversations } = await reader.read()
    expect(Object.keys(contacts)).toEqual([OTHER])
    expect(Object.keys(conversations)).toEqual([OTHER])
    expect(ledger.map((entry) => entry.personal?.contact ?? null)).toEqual([null, null, OTHER, null])
    expect(ledger.at(-1)).toMatchObject({ seq: 4, record: { id: proof.id, event: 'erased' }, personal: null })
    expect(verifyChain(ledger)).toEqual({ intact: true, count: 4 })
    expect(await verifyLedger(reader, { liveHead: true })).toMatchObject({ intact: true, count: 4 })
    for (const address of [NUMBER, LID]) expect(await store.load(address)).toEqual({})
  })

  it('appends the proof once when the same erasure is asked again (a retry after a lost answer)', async () => {
    const url = await postgres.database()
    const store = await open.store({ url, number: 'tienda-centro' })
    await store.commit(change(NUMBER, 1, 'sí'))
    const proof = record('p-erased', 'erased', [])
    await store.erase(NUMBER, proof)
    await store.erase(NUMBER, proof)
    const { ledger } = await open.reader({ url, number: 'tienda-centro' }).read()
    expect(ledger.map((entry) => entry.record.event)).toEqual(['given', 'erased'])
  })
})
