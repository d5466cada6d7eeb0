/**
 * One person is one contact, whichever address they write from; a redelivery is never read as a
 * new answer; a request to stop is honoured inside a flood.
 *
 * Messages here are `Inbound`s, the port every source hands the engine (src/ports/inbound-source.ts).
 * The Baileys shapes behind them (a LID chat's `key.remoteJidAlt`, `messageTimestamp`) are read
 * from real decoded messages in test/adapters/baileys-inbound.test.ts; here the store is the real one
 * (the data folder's files, or a database on the postgres project), reopened where a promise
 * must outlive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ConsentStore } from '../../src/ports/consent-store.js'
import type { Inbound } from '../../src/ports/inbound-source.js'
import { openTestStore, placesHolding, readStore, removeDir, tempDir } from '../support/chat.js'
import { testEngine } from '../support/engine.js'

const NUMBER = '34612345678'
const LID = '123456789012345@lid'

const dirs: string[] = []
const stores: ConsentStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => {})
  for (const dir of dirs.splice(0)) removeDir(dir)
})

async function bot(dir = tempDir(), rateLimit: { messages: number; seconds: number } | false = false) {
  if (!dirs.includes(dir)) dirs.push(dir)
  const store = await openTestStore(dir, { keepBackups: 1 })
  stores.push(store)
  const { engine, sent } = await testEngine(store, [], { rateLimit })
  let n = 0
  /** A text from `from` (with the other address beside it, as Baileys gives it), awaited. */
  const say = async (from: string, body: string, extra: Partial<Inbound> = {}) => {
    const before = sent.length
    await engine.handle({
      contact: from,
      messageId: extra.messageId ?? `m${++n}-${Math.random().toString(36).slice(2, 8)}`,
      text: body,
      kind: 'text',
      ...extra,
    })
    await engine.settled()
    return sent.slice(before).map((s) => s.text)
  }
  return { dir, store, engine, sent, say }
}

const events = async (dir: string) => (await readStore(dir)).ledger.map((r) => `${r.event}:${r.purposes.join('+')}`)

describe('a number and its WhatsApp LID', () => {
  it('are one contact: a STOP from the LID chat withdraws what the number gave', async () => {
    const { dir, say, store } = await bot()
    await say(NUMBER, 'hola')
    await say(NUMBER, 'sí')
    await say(NUMBER, 'sí')
    // WhatsApp moves the chat to LID addressing; Baileys gives the number beside it.
    const replies = await say(LID, 'STOP', { alias: NUMBER })
    expect(replies.join('\n')).toMatch(/retirado/)
    const data = await readStore(dir)
    expect(Object.keys(data.contacts)).toEqual([NUMBER])
    expect(data.contacts[NUMBER]!.consents.marketing!.state).toBe('withdrawn')
    expect(data.contacts[NUMBER]!.consents.service!.state).toBe('withdrawn')
    expect(data.contacts[NUMBER]!.lid).toBe(LID)
    // And later, from the LID alone (no number beside it), still the same person.
    await store.close()
    const again = await bot(dir)
    const menu = await again.say(LID, 'hola')
    expect(menu.join('\n')).not.toMatch(/Hola, soy el asistente/)
    expect(Object.keys((await readStore(dir)).contacts)).toEqual([NUMBER])
  })

  it("a LID newcomer whose number is known is greeted in the number's language", async () => {
    const { say } = await bot()
    const replies = await say('987654321098765@lid', 'hi', { alias: '14155550123' })
    expect(replies.join('\n')).toMatch(/Hi|Hello/)
  })

  it('split into two contacts before, are merged when linked, without rewriting a ledger record, and the merge is recorded', async () => {
    const { dir, say, engine, store } = await bot()
    await say(NUMBER, 'hola')
    await say(NUMBER, 'sí') // service given as the number
    await say(LID, 'hola') // the LID alone: a second contact (its number unknown yet)
    await say(LID, 'no') // service refused as the LID, later
    const before = await readStore(dir)
    expect(Object.keys(before.contacts).sort()).toEqual([LID, NUMBER].sort())
    const ledgerBefore = before.entries.map((e) => JSON.stringify(e))

    await engine.link(LID, NUMBER)
    await engine.settled()
    await store.close()
    const after = await readStore(dir)
    expect(Object.keys(after.contacts)).toEqual([NUMBER])
    const person = after.contacts[NUMBER]!
    expect(person.lid).toBe(LID)
    // The latest answer wins: the refusal written from the LID came after the yes.
    expect(person.consents.service!.state).toBe('refused')
    expect(person.principal).toBe(before.contacts[NUMBER]!.principal)
    // Every earlier record is byte for byte as it was; one record says the two are one.
    expect(after.entries.slice(0, ledgerBefore.length).map((e) => JSON.stringify(e))).toEqual(ledgerBefore)
    const merge = after.entries.at(-1)!
    expect(merge.record.event).toBe('merged')
    expect(merge.record.merged).toEqual({ principal: before.contacts[LID]!.principal })
    expect(merge.personal).toMatchObject({ contact: NUMBER, alias: LID })

    // Restarted: messages from the LID alone reach the merged contact.
    const again = await bot(dir)
    const replies = await again.say(LID, 'mis datos')
    expect(replies.join('\n')).toMatch(/rechazado|no/i)
    expect(Object.keys((await readStore(dir)).contacts)).toEqual([NUMBER])
  })

  it('a merge found by a message (the number beside the LID) is recorded once, with that message', async () => {
    const { dir, say } = await bot()
    await say(LID, 'hola')
    await say(LID, 'sí')
    await say(LID, 'no', { alias: NUMBER, messageId: 'revealing' })
    await say(NUMBER, 'cambiar')
    const data = await readStore(dir)
    expect(Object.keys(data.contacts)).toEqual([NUMBER])
    expect(await events(dir)).toEqual(['given:service', 'merged:', 'refused:marketing'])
    expect(data.ledger[1]!.collection).toEqual({ method: 'whatsapp-chat', messageId: 'revealing' })
    expect(data.contacts[NUMBER]!.consents.service!.state).toBe('given')
  })

  it('erasing the person removes both addresses from everything stored', async () => {
    const { dir, say, engine, store } = await bot()
    await say(LID, 'hola')
    await say(LID, 'sí')
    await say(NUMBER, 'hola')
    await engine.link(LID, NUMBER)
    await say(NUMBER, 'borrar')
    await say(LID, 'sí')
    await store.close()
    expect(Object.keys((await readStore(dir)).contacts)).toEqual([])
    expect(await placesHolding(dir, NUMBER)).toEqual([])
    expect(await placesHolding(dir, LID.replace('@lid', ''))).toEqual([])
    expect((await events(dir)).at(-1)).toBe('erased:')
  })
})

describe('a redelivered message', () => {
  it('is never read as a new answer, however many messages came between (its time says it is old)', async () => {
    const { dir, say } = await bot()
    const t0 = Date.parse('2026-11-30T10:00:00Z')
    await say(NUMBER, 'hola', { sentAt: t0 })
    await say(NUMBER, 'sí', { messageId: 'old-yes', sentAt: t0 + 1000 })
    await say(NUMBER, 'sí', { sentAt: t0 + 2000 })
    await say(NUMBER, 'STOP', { sentAt: t0 + 3000 })
    for (let i = 0; i < 25; i++) await say(NUMBER, 'hola', { sentAt: t0 + 4000 + i * 1000 })
    const before = await events(dir)
    const replies = await say(NUMBER, 'sí', { messageId: 'old-yes', sentAt: t0 + 1000 })
    expect(replies).toEqual([])
    expect(await events(dir)).toEqual(before)
    expect((await readStore(dir)).contacts[NUMBER]!.consents.service!.state).toBe('withdrawn')
  })

  it('an old STOP redelivered after a later yes does not undo it', async () => {
    const { dir, say } = await bot()
    const t0 = Date.parse('2026-11-30T10:00:00Z')
    await say(NUMBER, 'hola', { sentAt: t0 })
    await say(NUMBER, 'STOP', { messageId: 'old-stop', sentAt: t0 + 1000 })
    await say(NUMBER, 'hola', { sentAt: t0 + 2000 })
    await say(NUMBER, 'sí', { sentAt: t0 + 3000 })
    for (let i = 0; i < 25; i++) await say(NUMBER, 'ok', { sentAt: t0 + 4000 + i * 1000 })
    expect((await readStore(dir)).contacts[NUMBER]!.consents.service!.state).toBe('given')
    await say(NUMBER, 'STOP', { messageId: 'old-stop', sentAt: t0 + 1000 })
    expect((await readStore(dir)).contacts[NUMBER]!.consents.service!.state).toBe('given')
  })
})

describe('a flood of messages', () => {
  for (const [size, stop] of [
    [21, 'STOP'],
    [30, 'BAJA'],
    [40, 'stop'],
    [25, 'borrar'],
    [35, 'por favor no me escriban más'],
    [22, 'please stop messaging me'],
  ] as const) {
    it(`of ${size} ending in ${stop} still honours the ${stop}`, async () => {
      const { dir, say } = await bot(undefined, { messages: 20, seconds: 10 })
      await say(NUMBER, 'hola')
      await say(NUMBER, 'sí')
      for (let i = 0; i < size - 3; i++) await say(NUMBER, 'hola?')
      const replies = await say(NUMBER, stop)
      if (stop === 'borrar') expect(replies.join('\n')).toMatch(/borr/i)
      else {
        expect(replies.join('\n')).toMatch(/retirado|withdrawn/)
        expect((await readStore(dir)).contacts[NUMBER]!.consents.service!.state).toBe('withdrawn')
      }
    })
  }
})
