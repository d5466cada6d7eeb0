/**
 * The PostgreSQL store's memory of recent contacts (src/adapters/postgres/contact-cache.ts): what
 * it hands back must be what the database holds, for either address of a person, and a copy.
 */
import { describe, expect, it } from 'vitest'
import { ContactCache } from '../../../src/adapters/postgres/contact-cache.js'
import { prepare } from '../../../src/adapters/postgres/writes.js'
import { change } from '../store/fixtures.js'

const NUMBER = '5215512345678'
const LID = '123456789012345@lid'

describe("the PostgreSQL store's recent contacts", () => {
  it('knows nothing until told; an address found to be nobody stays nobody until a commit names it', () => {
    const cache = new ContactCache()
    expect(cache.get(NUMBER)).toBeUndefined()
    cache.loaded(NUMBER, {})
    expect(cache.get(NUMBER)).toEqual({})
    const made = change(NUMBER, 1, 'sí')
    cache.committed(prepare(made))
    expect(cache.get(NUMBER)?.contact).toEqual(made.contact)
  })

  it('a LID known to be nobody is the number’s contact once a commit carries it', () => {
    const cache = new ContactCache()
    cache.loaded(LID, {})
    const base = change(NUMBER, 1)
    cache.committed(prepare({ ...base, contact: { ...base.contact, lid: LID } }))
    expect(cache.get(LID)?.contact?.id).toBe(NUMBER)
  })

  it('a merged address is forgotten, not handed back as it was', () => {
    const cache = new ContactCache()
    cache.committed(prepare(change(LID, 1)))
    const base = change(NUMBER, 2)
    cache.committed(prepare({ ...base, contact: { ...base.contact, lid: LID }, replaces: LID }))
    expect(cache.get(LID)?.contact?.id).toBe(NUMBER)
  })

  it('hands back a copy each time, and keeps at most its limit, the least recently used going first', () => {
    const cache = new ContactCache(2)
    for (const id of ['34600000001', '34600000002']) cache.committed(prepare(change(id, 1)))
    const first = cache.get('34600000001')!
    first.contact!.language = 'en'
    expect(cache.get('34600000001')!.contact!.language).not.toBe('en')
    cache.committed(prepare(change('34600000003', 1)))
    expect(cache.get('34600000002')).toBeUndefined()
    expect(cache.get('34600000001')).toBeDefined()
  })
})
