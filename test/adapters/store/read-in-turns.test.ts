/**
 * The running bot reads the whole store for its dashboard in turns: the same data as the
 * owner's tools read at once, without holding up the messages that arrive meanwhile.
 */
import { setImmediate } from 'node:timers'
import { describe, expect, it } from 'vitest'
import { openLowdbStore, readConsentData, readConsentDataInTurns } from '../../../src/adapters/lowdb-store.js'
import { change } from './fixtures.js'
import { tempDir } from './helpers.js'

describe('reading the store in turns', () => {
  it('gives what a read at once gives, and lets other work run between the files', async () => {
    const dir = tempDir()
    const store = await openLowdbStore(dir, { shards: 8 })
    for (let i = 0; i < 40; i++) await store.commit(change(`52155100000${String(i).padStart(2, '0')}`, 1, i % 2 ? 'sí' : undefined))
    await store.compact()
    // Some changes only in the journal, too.
    for (let i = 0; i < 5; i++) await store.commit(change(`52155100000${String(i).padStart(2, '0')}`, 2, 'sí'))

    let turns = 0
    let counting = true
    const count = () => {
      if (!counting) return
      turns++
      setImmediate(count)
    }
    setImmediate(count)
    const inTurns = await readConsentDataInTurns(dir)
    counting = false
    expect(inTurns).toEqual(readConsentData(dir))
    expect(Object.keys(inTurns.contacts)).toHaveLength(40)
    expect(inTurns.ledger).toHaveLength(25)
    // One turn at least per contacts file: other work ran while it read.
    expect(turns).toBeGreaterThanOrEqual(8)
    await store.close()
  })
})
