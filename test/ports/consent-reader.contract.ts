/**
 * What every ConsentReader promises (the owner's view of a store): run against each adapter
 * with the same factory as the store's contract.
 */
import { describe, expect, it } from 'vitest'
import type { LedgerStep } from '../../src/ports/consent-reader.js'
import { change, record, versionOf } from '../adapters/store/fixtures.js'
import { LID, NUMBER, OTHER, opener, type StoreFactory, withLid } from './consent-store.contract.js'

async function walk(steps: AsyncIterable<LedgerStep>): Promise<LedgerStep[]> {
  const all: LedgerStep[] = []
  for await (const step of steps) all.push(step)
  return all
}

export function consentReaderContract(name: string, factory: StoreFactory): void {
  describe(`${name}: the ConsentReader contract`, () => {
    const open = opener(factory)

    it('reads an empty store as empty', async () => {
      const { reader } = await open()
      expect(await reader.read()).toEqual({ contacts: {}, conversations: {}, ledger: [], notices: {} })
      expect(await walk(reader.ledger())).toEqual([])
    })

    it('reads every contact, conversation, record and notice committed, while the store is open', async () => {
      const { store, reader } = await open()
      const [first, other, latest] = [change(NUMBER, 1, 'sí'), change(OTHER, 1), change(NUMBER, 2, 'no')]
      for (const committed of [first, other, latest]) await store.commit(committed)
      const data = await reader.read()
      expect(data.contacts).toEqual({ [NUMBER]: latest.contact, [OTHER]: other.contact })
      expect(versionOf(data.conversations[NUMBER])).toBe(2)
      expect(versionOf(data.conversations[OTHER])).toBe(1)
      expect(data.ledger.map((entry) => [entry.seq, entry.personal?.contact, entry.personal?.answer])).toEqual([
        [1, NUMBER, 'sí'],
        [2, NUMBER, 'no'],
      ])
      expect(Object.values(data.notices).map((notice) => notice.policyVersion)).toEqual(['2026-11-01'])
    })

    it('gives each read its own copy', async () => {
      const { store, reader } = await open()
      await store.commit(change(NUMBER, 1, 'sí'))
      const first = await reader.read()
      first.contacts[NUMBER]!.language = 'en'
      first.ledger[0]!.personal = null
      const second = await reader.read()
      expect(second.contacts[NUMBER]!.language).toBe('es')
      expect(second.ledger[0]!.personal?.contact).toBe(NUMBER)
    })

    it('walks the ledger in order, each record with a place of its own, as read() has it', async () => {
      const { store, reader } = await open()
      for (let n = 0; n < 5; n++) await store.commit(change(String(34600000000 + n), 1, 'sí'))
      const steps = await walk(reader.ledger())
      const { ledger } = await reader.read()
      expect(steps.map((step) => step.kind)).toEqual(Array(5).fill('record'))
      expect(steps.map((step) => (step.kind === 'record' ? step.entry : undefined))).toEqual(ledger)
      const places = steps.map((step) => step.where)
      expect(new Set(places).size).toBe(5)
      for (const where of places) expect(where).toMatch(/\S/)
      // A place names its record's number (a file's line, a table's row seq, an entry's number).
      places.forEach((where, i) => expect(where).toMatch(new RegExp(`\\b${i + 1}$`)))
    })

    it('shows a merged person as one contact, and an erased one nowhere', async () => {
      const { store, reader } = await open()
      await store.commit(change(LID, 1, 'sí'))
      await store.commit(withLid(change(NUMBER, 2), LID, LID))
      await store.commit(change(OTHER, 1, 'yes'))
      expect(Object.keys((await reader.read()).contacts).sort()).toEqual([NUMBER, OTHER].sort())
      await store.erase(NUMBER, record('p-erased', 'erased', []))
      const data = await reader.read()
      expect(Object.keys(data.contacts)).toEqual([OTHER])
      expect(Object.keys(data.conversations)).toEqual([OTHER])
      expect(data.ledger.map((entry) => entry.personal?.contact ?? null)).toEqual([null, OTHER, null])
    })
  })
}
