/**
 * Issue 13: a disk that fills up mid-conversation. The file store's fsyncs are made to fail with
 * ENOSPC (the store's `onSync` hook, called after each fsync), the retries are driven by hand (an
 * injected retry delay: no sleeps). Nothing is confirmed that is not saved; each contact is told
 * once, truthfully, that their message will be handled shortly; once space is back every waiting
 * message is handled, in order (a STOP included), and the ledger's chain holds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { openLowdbStore } from '../../src/adapters/lowdb-store.js'
import { createLogger } from '../../src/app/logger.js'
import { type LedgerEntry, verifyChain } from '../../src/domain/ledger.js'
import { tempDir } from '../adapters/store/helpers.js'
import { testEngine, text } from '../support/engine.js'

const A = '34612345678'
const B = '34687654321'
const SAVING_LATER = /no podemos guardarlo\. Lo atenderemos en breve/

function diskFull() {
  let full = false
  const waiting: (() => void)[] = []
  return {
    set full(value: boolean) {
      full = value
    },
    onSync: () => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    },
    retryDelay: (_attempt: number, stopped: AbortSignal) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve)
        stopped.addEventListener('abort', () => resolve(), { once: true })
      }),
    /** Runs the retries waiting now. */
    retryNow() {
      for (const resolve of waiting.splice(0)) resolve()
    },
    waitingCount: () => waiting.length,
  }
}

const ledgerOf = (dir: string): LedgerEntry[] =>
  readFileSync(join(dir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry)

describe('a disk that fills up mid-conversation', () => {
  it('messages wait, each contact is told once, and all are handled in order once space is back', async () => {
    const dir = tempDir()
    const disk = diskFull()
    const logs: string[] = []
    const store = await openLowdbStore(dir, { onSync: disk.onSync, logger: createLogger('debug', (line) => logs.push(line)) })
    const { engine, sent } = await testEngine(store, logs, { retryDelay: disk.retryDelay, rateLimit: false })
    await engine.handle(text(A, 'a1', 'hola'))
    const greeted = sent.length

    disk.full = true
    const pending = [engine.handle(text(A, 'a2', 'sí')), engine.handle(text(A, 'a3', 'baja')), engine.handle(text(B, 'b1', 'hola'))]
    await vi.waitFor(() => expect(disk.waitingCount()).toBe(2))
    // A retry while the disk is still full: still waiting, nobody told twice.
    disk.retryNow()
    await vi.waitFor(() => expect(disk.waitingCount()).toBe(2))
    const during = sent.slice(greeted)
    expect(during.map((m) => m.to).sort()).toEqual([A, B])
    for (const message of during) expect(message.text).toMatch(SAVING_LATER)
    expect(logs.filter((line) => line.includes('store.write_failed'))).toHaveLength(1)
    expect(logs.find((line) => line.includes('store.write_failed'))).toMatch(/free some space/)

    disk.full = false
    disk.retryNow()
    await Promise.all(pending)
    await engine.settled()
    expect(logs.filter((line) => line.includes('store.write_resumed'))).toHaveLength(1)
    expect(engine.unsaved).toBe(0)
    const a = (await store.load(A)).contact!
    expect(a.consents.service?.state).toBe('withdrawn')
    expect((await store.load(B)).contact?.id).toBe(B)
    // A's answers were handled in the order sent: the yes, then the opt-out.
    await store.close()
    const ledger = ledgerOf(dir)
    expect(verifyChain(ledger).intact).toBe(true)
    const events = ledger.filter((e) => e.personal?.contact === A).map((e) => e.record.event)
    expect(events.indexOf('given')).toBeLessThan(events.indexOf('withdrawn'))
    expect(ledger.map((e) => e.seq)).toEqual(ledger.map((_, i) => i + 1))
  })

  it('a message still waiting when the bot stops is told it was not saved, and counted', async () => {
    const dir = tempDir()
    const disk = diskFull()
    const store = await openLowdbStore(dir, { onSync: disk.onSync })
    const { engine, sent } = await testEngine(store, [], { retryDelay: disk.retryDelay, rateLimit: false })
    disk.full = true
    const pending = engine.handle(text(A, 'a1', 'hola'))
    await vi.waitFor(() => expect(disk.waitingCount()).toBe(1))
    engine.stopRetrying()
    await pending
    expect(engine.unsaved).toBe(1)
    expect(sent.map((m) => m.text)).toEqual([
      expect.stringMatching(SAVING_LATER),
      expect.stringMatching(/no hemos podido guardar tu mensaje/),
    ])
    expect(sent.some((m) => /no se ha perdido/.test(m.text))).toBe(false)
    expect(await store.load(A)).toEqual({})
  })
})
