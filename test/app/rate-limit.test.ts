/**
 * A contact flooding the bot gets one polite note, then silence until they slow down; other
 * contacts are answered as usual; dropped messages never reach storage or the log; and the
 * limiter forgets contacts who stopped writing. Time is an injected clock: no sleeps.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import { parseConfig, type Config } from '../../src/app/config.js'
import { RateLimiter, type FloodEnded } from '../../src/app/rate-limit.js'
import type { ConsentStore } from '../../src/ports/consent-store.js'
import { ES, MX, testBots } from '../support/chat.js'
import { testEngine, text } from '../support/engine.js'

const SLOW_DOWN_ES = /^Me están llegando muchos mensajes tuyos muy seguidos/
const open = testBots()

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-11-25T10:00:00Z')) {
  let now = start
  return { now: () => now, date: () => new Date(now), advance: (ms: number) => void (now += ms) }
}

describe('a contact flooding the bot, through the real bridge', () => {
  it('gets exactly one note; another contact is answered meanwhile; after the window they are answered again', async () => {
    const clock = manualClock()
    const bot = await open({ clock: clock.date })
    const ana = bot.chat(MX)
    const pepe = bot.chat(ES, 'Pepe')

    // 30 messages at once from Ana, and Pepe's first message in the middle of them.
    const flood = Array.from({ length: 30 }, (_, i) => (i === 0 ? 'hola' : `mensaje ${i}`))
    const [anaReplies, pepeReplies] = await Promise.all([ana.burst(flood), pepe.say('hola')])

    expect(anaReplies.filter((r) => SLOW_DOWN_ES.test(r))).toHaveLength(1)
    // The note comes after the answers to the 20 messages that were taken, and nothing after it.
    expect(anaReplies.at(-1)).toMatch(SLOW_DOWN_ES)
    expect(anaReplies.length).toBeGreaterThan(20)
    expect(pepeReplies[0]).toMatch(/^¡Hola! 👋/)
    expect(pepeReplies.at(-1)).toMatch(/¿Aceptas que usemos tus datos/)

    // Still flooding a moment later: dropped without a word.
    expect(await ana.say('otro')).toEqual([])

    clock.advance(10_000)
    const after = await ana.say('INFO')
    expect(after[0]).toMatch(/Aviso de privacidad/)
    expect(after.join('\n')).not.toMatch(SLOW_DOWN_ES)
  })

  it('answers a contact who writes quickly but under the limit, every time', async () => {
    const clock = manualClock()
    const bot = await open({ clock: clock.date })
    const ana = bot.chat(MX)
    // Two messages a second for a minute is exactly the refill rate: never over.
    for (let i = 0; i < 120; i++) {
      const replies = await ana.say(i === 0 ? 'hola' : 'ayuda')
      expect(replies.length).toBeGreaterThan(0)
      clock.advance(500)
    }
  })
})

describe('the engine under a flood', () => {
  const engineWith = (store: ConsentStore, clock: ReturnType<typeof manualClock>, logLines: string[]) =>
    testEngine(store, logLines, { clock: clock.date, rateLimit: { messages: 5, seconds: 10 } })

  it('does not load, store or log a dropped message, and logs only how many were dropped', async () => {
    const memory = createMemoryStore()
    const calls = { load: 0, commit: 0 }
    const counting: ConsentStore = {
      ...memory,
      load: (id) => (calls.load++, memory.load(id)),
      commit: (change) => (calls.commit++, memory.commit(change)),
    }
    const clock = manualClock()
    const logs: string[] = []
    const { engine, sent } = await engineWith(counting, clock, logs)

    await Promise.all(Array.from({ length: 12 }, (_, i) => engine.handle(text(MX, `m${i}`, i === 0 ? 'hola' : 'secreto 5512345678'))))
    await engine.settled()
    expect(calls.commit).toBe(5)
    // The note reads the contact's language; the six dropped messages read nothing.
    expect(calls.load).toBe(6)
    expect(sent.filter((m) => SLOW_DOWN_ES.test(m.text))).toHaveLength(1)
    expect(memory.data.conversations[MX]!.recentMessageIds).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])

    clock.advance(10_000)
    await engine.handle(text(MX, 'm12', 'ayuda'))
    const events = logs.map((l) => JSON.parse(l) as { event: string; dropped?: number })
    expect(events.filter((e) => e.event === 'message.rate_limited')).toHaveLength(1)
    expect(events.filter((e) => e.event === 'rate_limit.ended')).toEqual([expect.objectContaining({ dropped: 6 })])
    expect(logs.join('\n')).not.toMatch(/secreto|5512345678/)
  })

  it('is off when configured so', async () => {
    const { engine, sent } = await testEngine(createMemoryStore(), [], { rateLimit: false })
    await Promise.all(Array.from({ length: 40 }, (_, i) => engine.handle(text(MX, `m${i}`, i === 0 ? 'hola' : 'ayuda'))))
    expect(sent.filter(({ text: t }) => SLOW_DOWN_ES.test(t))).toEqual([])
  })
})

describe('the rate limiter', () => {
  it('sends one note for a whole sustained flood, not one per window', () => {
    const clock = manualClock()
    const limiter = new RateLimiter({ messages: 20, seconds: 10 }, clock.now)
    const seen: string[] = []
    // Five messages a second for a minute: more than the two a second that refill.
    for (let i = 0; i < 300; i++) {
      seen.push(limiter.admit(MX))
      clock.advance(200)
    }
    expect(seen.filter((a) => a === 'note')).toHaveLength(1)
    expect(seen.slice(0, 20).every((a) => a === 'handle')).toBe(true)
    // Those that refill in the meantime are still taken: a flood slows down, it is not shut out.
    expect(seen.filter((a) => a === 'handle').length).toBeGreaterThan(100)
  })

  it('tells once when a flood has ended, with the count of dropped messages', () => {
    const clock = manualClock()
    const ended: FloodEnded[] = []
    const limiter = new RateLimiter({ messages: 3, seconds: 6 }, clock.now, (e) => ended.push(e))
    const admissions = Array.from({ length: 7 }, () => limiter.admit(MX))
    expect(admissions).toEqual(['handle', 'handle', 'handle', 'note', 'drop', 'drop', 'drop'])
    clock.advance(2_000) // one message refilled: under the limit again, but the flood is not over yet
    expect(limiter.admit(MX)).toBe('handle')
    expect(ended).toEqual([])
    clock.advance(6_000)
    expect(limiter.admit(MX)).toBe('handle')
    expect(ended).toEqual([{ contact: MX, dropped: 3 }])
  })

  it('forgets contacts who have not written for a whole window', () => {
    const clock = manualClock()
    const limiter = new RateLimiter({ messages: 20, seconds: 10 }, clock.now)
    for (let i = 0; i < 10_000; i++) limiter.admit(`52155${String(i).padStart(8, '0')}`)
    expect(limiter.size).toBe(10_000)
    clock.advance(10_000)
    limiter.admit(MX)
    expect(limiter.size).toBe(1)
  })

  it('keeps a contact who is still over the limit when the others are forgotten', () => {
    const clock = manualClock()
    const limiter = new RateLimiter({ messages: 2, seconds: 10 }, clock.now)
    limiter.admit(ES)
    for (let i = 0; i < 4; i++) limiter.admit(MX)
    clock.advance(9_000)
    limiter.admit(MX)
    clock.advance(1_000)
    limiter.admit(US_LIKE)
    // ES is forgotten; MX, who wrote a second ago, is remembered with the flood not over:
    // the message that has refilled is taken, the next one is dropped without a second note.
    expect(limiter.size).toBe(2)
    expect(limiter.admit(MX)).toBe('handle')
    expect(limiter.admit(MX)).toBe('drop')
  })
})

const US_LIKE = '14155552671'

describe('the rate limit setting', () => {
  const config = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env, '/srv/bot') as Config

  it('is 20 messages per 10 seconds on WhatsApp and off in the terminal chat', () => {
    expect(config(['--provider', 'whatsapp']).rateLimit).toEqual({ messages: 20, seconds: 10 })
    expect(config([]).rateLimit).toBe(false)
  })

  it('is read from --rate-limit or RATE_LIMIT', () => {
    expect(config(['--rate-limit', '5/2']).rateLimit).toEqual({ messages: 5, seconds: 2 })
    expect(config(['--provider', 'whatsapp'], { RATE_LIMIT: 'off' }).rateLimit).toBe(false)
    expect(config([], { RATE_LIMIT: '30 / 15s' }).rateLimit).toEqual({ messages: 30, seconds: 15 })
  })

  it.each(['20', '0/10', '20/0', 'many', '-1/5'])('refuses %j, saying how to write it', (value) => {
    expect(() => config([`--rate-limit=${value}`])).toThrow(/--rate-limit \(RATE_LIMIT\) must be messages\/seconds, e\.g\. 20\/10/)
  })
})
