/**
 * What every ConsentStore promises, whatever keeps the data: run against each adapter with a
 * factory that opens an empty store (and the reader of the same data, through which the ledger
 * is seen: the store port has no ledger read of its own).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/domain/ledger.js'
import type { ConsentReader } from '../../src/ports/consent-reader.js'
import type { ConsentStore, ContactChange } from '../../src/ports/consent-store.js'
import { change, NOTICE_HASH, record, versionOf } from '../adapters/store/fixtures.js'

export interface OpenedStore {
  store: ConsentStore
  /** The same data as the owner's tools read it. */
  reader: ConsentReader
}

/** Opens an empty store; each call a new one. */
export type StoreFactory = () => Promise<OpenedStore>

export const NUMBER = '5215512345678'
export const LID = '123456789012345@lid'
export const OTHER = '34612345678'

/** `change` for a contact that carries its `…@lid`, optionally absorbing another address's entry. */
export function withLid(base: ContactChange, lid: string, replaces?: string): ContactChange {
  return { ...base, contact: { ...base.contact, lid }, ...(replaces ? { replaces } : {}) }
}

/** Opens stores through `factory` and closes them after each test. */
export function opener(factory: StoreFactory): StoreFactory {
  const open: ConsentStore[] = []
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })
  return async () => {
    const opened = await factory()
    open.push(opened.store)
    return opened
  }
}

export function consentStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name}: the ConsentStore contract`, () => {
    const open = opener(factory)

    it('loads nothing for an address it has never seen', async () => {
      const { store } = await open()
      const loaded = await store.load(NUMBER)
      expect(loaded.contact).toBeUndefined()
      expect(loaded.conversation).toBeUndefined()
    })

    it('loads what was committed, the latest commit winning, each load its own copy', async () => {
      const { store } = await open()
      await store.commit(change(NUMBER, 1, 'sí'))
      await store.commit(change(NUMBER, 2))
      const loaded = await store.load(NUMBER)
      expect(loaded.contact).toEqual(change(NUMBER, 2).contact)
      expect(versionOf(loaded.conversation)).toBe(2)
      loaded.contact!.language = 'en'
      expect((await store.load(NUMBER)).contact?.language).toBe('es')
      expect((await store.load(OTHER)).contact).toBeUndefined()
    })

    it('scans every contact with its conversation', async () => {
      const { store } = await open()
      const ids = Array.from({ length: 30 }, (_, n) => String(5215500000000 + n))
      for (const [n, id] of ids.entries()) await store.commit(change(id, n))
      const seen: [string, number | undefined][] = []
      for await (const { contact, conversation } of store.scan()) seen.push([contact.id, versionOf(conversation)])
      expect(seen.sort()).toEqual(ids.map((id, n) => [id, n] as [string, number]).sort())
    })

    it('loads a contact by the `…@lid` it carries', async () => {
      const { store } = await open()
      await store.commit(withLid(change(NUMBER, 1), LID))
      expect((await store.load(LID)).contact).toMatchObject({ id: NUMBER, lid: LID })
      expect(versionOf((await store.load(LID)).conversation)).toBe(1)
    })

    it('removes the entry a commit `replaces`: the person is one contact', async () => {
      const { store } = await open()
      // First met by the LID alone, then known to be the number's.
      await store.commit(change(LID, 1, 'sí'))
      await store.commit(withLid(change(NUMBER, 2), LID, LID))
      const ids: string[] = []
      for await (const { contact } of store.scan()) ids.push(contact.id)
      expect(ids).toEqual([NUMBER])
      expect((await store.load(LID)).contact?.id).toBe(NUMBER)
      expect((await store.load(NUMBER)).contact?.id).toBe(NUMBER)
    })

    it('chains the ledger records in the order the commits were made, and keeps each notice once', async () => {
      const { store, reader } = await open()
      const ids = Array.from({ length: 20 }, (_, n) => String(34600000000 + n))
      // Made together, as from many contacts at once.
      await Promise.all(ids.map((id) => store.commit(change(id, 1, 'sí'))))
      await store.commit(change(ids[0]!, 2))
      const data = await reader.read()
      expect(data.ledger.map((entry) => entry.personal?.contact)).toEqual(ids)
      expect(verifyChain(data.ledger)).toEqual({ intact: true, count: ids.length })
      expect(Object.keys(data.notices)).toEqual([NOTICE_HASH])
      expect(data.notices[NOTICE_HASH]!.text).toBe(change(ids[0]!, 1, 'sí').notices[NOTICE_HASH]!.text)
    })

    it('erases a person under both addresses: contact gone, personal parts null, proof last, chain intact', async () => {
      const { store, reader } = await open()
      await store.commit(change(LID, 1, 'sí, soy Ana'))
      await store.commit(withLid(change(NUMBER, 2, 'sí'), LID, LID))
      await store.commit(change(OTHER, 1, 'yes'))
      const proof = record('p-erased', 'erased', [])
      // Erased from the address they wrote from last: their LID.
      await store.erase(LID, proof)

      for (const address of [NUMBER, LID]) expect((await store.load(address)).contact).toBeUndefined()
      const ids: string[] = []
      for await (const { contact } of store.scan()) ids.push(contact.id)
      expect(ids).toEqual([OTHER])
      const { ledger, contacts } = await reader.read()
      expect(Object.keys(contacts)).toEqual([OTHER])
      expect(ledger.map((entry) => entry.personal?.contact ?? null)).toEqual([null, null, OTHER, null])
      expect(ledger.at(-1)).toMatchObject({ record: { id: proof.id, event: 'erased' }, personal: null })
      expect(verifyChain(ledger)).toEqual({ intact: true, count: 4 })
      expect(JSON.stringify(ledger)).not.toContain('soy Ana')
    })

    it('records the proof of an erasure of an address it does not know, and can meet the person again', async () => {
      const { store, reader } = await open()
      await store.erase(NUMBER, record('p-erased', 'erased', []))
      await store.commit(change(NUMBER, 1, 'sí'))
      expect((await store.load(NUMBER)).contact?.id).toBe(NUMBER)
      const { ledger } = await reader.read()
      expect(ledger.map((entry) => entry.record.event)).toEqual(['erased', 'given'])
      expect(verifyChain(ledger)).toMatchObject({ intact: true })
    })
  })
}
