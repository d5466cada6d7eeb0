/**
 * The engine's promises that do not depend on a provider: one message handled once, an error
 * answered with an apology instead of killing anything, one contact never blocking another.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import type { ConsentStore } from '../../src/ports/consent-store.js'
import { testEngine, text } from '../support/engine.js'

const MX = '5215512345678'
const ES = '34612345678'

const engineWith = (store: ConsentStore, logLines: string[] = []) => testEngine(store, logLines)

describe('the engine', () => {
  it('handles a message delivered twice only once', async () => {
    const store = createMemoryStore()
    const { engine, sent } = await engineWith(store)
    await engine.handle(text(MX, 'm1', 'hola'))
    await engine.handle(text(MX, 'm2', 'sí'))
    const before = sent.length
    await engine.handle(text(MX, 'm2', 'sí'))
    expect(sent.length).toBe(before)
    expect(store.data.ledger.map((e) => e.record.event)).toEqual(['given'])
  })

  it('answers an error with an apology, loses nothing, and goes on with the next message', async () => {
    const store = createMemoryStore()
    let failNext = false
    const flaky: ConsentStore = {
      ...store,
      load: store.load,
      close: store.close,
      async commit(change) {
        if (failNext) {
          failNext = false
          throw new Error('disk full')
        }
        return store.commit(change)
      },
    }
    const logs: string[] = []
    const { engine, sent } = await engineWith(flaky, logs)
    await engine.handle(text(MX, 'm1', 'hola'))
    failNext = true
    await engine.handle(text(MX, 'm2', 'sí'))
    expect(sent.at(-1)!.text).toMatch(/^Perdona, algo ha fallado por nuestra parte/)
    // Not recorded, and not confirmed: the question is still open, so the contact answers again.
    expect(store.data.ledger).toEqual([])
    await engine.handle(text(MX, 'm3', 'sí'))
    expect(sent.at(-1)!.text).toMatch(/enviarte ofertas/)
    expect(store.data.ledger.map((e) => e.record.collection.messageId)).toEqual(['m3'])
    expect(logs.some((l) => l.includes('"message.failed"') && l.includes('disk full'))).toBe(true)
  })

  it("does not make one contact wait for another contact's slow step", async () => {
    const store = createMemoryStore()
    let release!: () => void
    const slow = new Promise<void>((resolve) => (release = resolve))
    const gated: ConsentStore = {
      ...store,
      async commit(change) {
        if (change.contact.id === MX) await slow
        return store.commit(change)
      },
    }
    const { engine, sent } = await engineWith(gated)
    const stuck = engine.handle(text(MX, 'a1', 'hola'))
    await engine.handle(text(ES, 'b1', 'hola'))
    expect(sent.filter((m) => m.to === ES)).toHaveLength(3)
    expect(sent.filter((m) => m.to === MX)).toHaveLength(0)
    release()
    await stuck
    expect(sent.filter((m) => m.to === MX)).toHaveLength(3)
  })

  it('answers an empty message as an unclear answer, not as a non-text one', async () => {
    const { engine, sent } = await engineWith(createMemoryStore())
    await engine.handle(text(MX, 'm1', 'hola'))
    await engine.handle(text(MX, 'm2', '   '))
    expect(sent.at(-1)!.text).toMatch(/no te he entendido/)
  })

  it('never logs a phone number or message text', async () => {
    const logs: string[] = []
    const { engine } = await engineWith(createMemoryStore(), logs)
    for (const [i, body] of ['hola', 'sí', 'no', 'email', 'ana@example.com', 'sí', 'BAJA'].entries())
      await engine.handle(text(MX, `m${i}`, body))
    const all = logs.join('\n')
    expect(logs.length).toBeGreaterThan(5)
    expect(all).not.toContain(MX)
    expect(all).not.toContain('12345678')
    expect(all).not.toContain('ana@example.com')
    expect(all).not.toMatch(/"(hola|sí|BAJA)"/)
  })
})
