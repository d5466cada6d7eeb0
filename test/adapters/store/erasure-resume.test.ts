/**
 * Issue 13: an erasure completes or resumes. The data folder is copied as a kill -9 would leave
 * it (test/adapters/store/helpers.ts, copyAsKilled: the files as they are on disk) at each step
 * of an erasure; the copy is then opened as the next start would: no number or answer is left in
 * any file, the ledger holds one `erased` record, and the chain holds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { verifyChain, type LedgerEntry } from '../../../src/domain/ledger.js'
import { openLowdbStore } from '../../../src/adapters/lowdb-store.js'
import type { ErasureStep } from '../../../src/adapters/store/erasure.js'
import { change, record } from './fixtures.js'
import { copyAsKilled, filesContaining, tempDir } from './helpers.js'
import { testEngine, text } from '../../support/engine.js'

const A = '5215512345678'
const B = '5215587654321'
const WORDS = 'sí, Ana Torres'
const STEPS: ErasureStep[] = ['requested', 'folded', 'redacted', 'backed-up', 'proved']
const ledgerOf = (dir: string): LedgerEntry[] =>
  readFileSync(join(dir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry)

describe('an erasure killed at any step', () => {
  for (const crashAt of STEPS) {
    it(`killed once "${crashAt}" is on disk: the next start finishes it before anything else`, async () => {
      const dir = tempDir()
      const clock = (() => {
        let t = Date.UTC(2026, 10, 25, 10)
        return () => new Date((t += 1000))
      })()
      let killed: string | undefined
      const onErasureStep = (step: ErasureStep) => {
        if (step === crashAt) killed = copyAsKilled(dir)
      }
      let store = await openLowdbStore(dir, { shards: 8, clock, onErasureStep })
      await store.commit(change(A, 1, WORDS))
      await store.commit(change(B, 1, 'yes'))
      await store.close()
      // A second start: a backup holds A, the journal holds A again.
      store = await openLowdbStore(dir, { shards: 8, clock, onErasureStep })
      await store.commit(change(A, 2, WORDS))
      const proof = { ...record('p-erased', 'erased', []), collection: { method: 'whatsapp-chat' as const, messageId: '3EB0ERASE' } }
      await store.erase(A, proof)
      await store.close()
      expect(killed).toBeDefined()

      const restarted = await openLowdbStore(killed!, { shards: 8, clock })
      expect(await restarted.load(A)).toEqual({})
      expect((await restarted.load(B)).contact?.id).toBe(B)
      await restarted.close()
      expect(filesContaining(killed!, A)).toEqual([])
      expect(filesContaining(killed!, 'Ana Torres')).toEqual([])
      const ledger = ledgerOf(killed!)
      expect(ledger.filter((entry) => entry.record.event === 'erased').map((entry) => entry.record.id)).toEqual([proof.id])
      expect(verifyChain(ledger).intact).toBe(true)
    })
  }
})

describe('an erasure retried after a disk fault', () => {
  it('still erases the LID the first attempt found, though the contact is already gone from memory', async () => {
    const NUMBER = '34612345678'
    const LID = '123456789012345@lid'
    const dir = tempDir()
    const disk = { full: false, failures: 0 }
    let faulted = false
    const retries: (() => void)[] = []
    const store = await openLowdbStore(dir, {
      keepBackups: 1,
      // The disk fills up once the request is on disk: the contact is then taken out of memory
      // and the first fsync after it fails.
      onErasureStep: (step) => {
        if (step === 'requested' && !faulted) faulted = disk.full = true
      },
      onSync: () => {
        if (!disk.full) return
        disk.failures++
        throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' })
      },
    })
    const retryDelay = (_attempt: number, stopped: AbortSignal) =>
      new Promise<void>((resolve) => {
        retries.push(resolve)
        stopped.addEventListener('abort', () => resolve(), { once: true })
      })
    const { engine } = await testEngine(store, [], { retryDelay, rateLimit: false })
    let n = 0
    const say = async (from: string, body: string) => {
      await engine.handle(text(from, `m${++n}`, body))
      await engine.settled()
    }
    // One person with two addresses: answers given from the LID, then linked to the number.
    await say(LID, 'hola')
    await say(LID, 'sí')
    await say(NUMBER, 'hola')
    await engine.link(LID, NUMBER)
    await engine.settled()
    expect((await store.load(NUMBER)).contact?.lid).toBe(LID)

    await say(NUMBER, 'borrar')
    const confirming = engine.handle(text(LID, `m${++n}`, 'sí'))
    await vi.waitFor(() => expect(retries).toHaveLength(1))
    expect(disk.failures).toBeGreaterThan(0)
    // The contact is already out of memory: the retry can no longer find the LID through it.
    expect(await store.load(NUMBER)).toEqual({})
    disk.full = false
    for (const resolve of retries.splice(0)) resolve()
    await confirming
    await engine.settled()
    await store.close()

    expect(filesContaining(dir, NUMBER)).toEqual([])
    expect(filesContaining(dir, LID.replace('@lid', ''))).toEqual([])
    const ledger = ledgerOf(dir)
    expect(ledger.filter((entry) => entry.record.event === 'erased')).toHaveLength(1)
    expect(verifyChain(ledger).intact).toBe(true)
  })
})
