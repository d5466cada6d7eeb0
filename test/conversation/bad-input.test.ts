/**
 * The bad-input corpus (test/fixtures/inbound/corpus.json) through the real bridge: every case is
 * sent to a contact whose consent is pending, to one whose answers are settled (the bot is quiet
 * then: it is all for the staff), and to one being asked for an email address. Each gets the
 * reply its case expects or none by rule, nothing
 * crashes, what was stored before stays as it was (read back through the store, after a
 * restart), and the bot still answers normally after the whole corpus.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Contact } from '../../src/domain/consent.js'
import { openTestBot, openTestStore, removeDir, ROOT, tempDir, type TestBot } from '../support/chat.js'

type Phase = 'pending' | 'settled' | 'email'
type Handling = 'unclear' | 'non-text' | 'read-back' | 'ignored'

interface Case {
  name: string
  payload: unknown
  sender?: string
  bodyRepeat?: { text: string; length: number }
  expect: Handling
  pending?: Handling
  settled?: Handling
  email?: Handling
  mustContain?: Partial<Record<Phase, string[]>>
  mustNotContain?: Partial<Record<Phase, string[]>>
}

interface Corpus {
  handling: Record<Handling, Partial<Record<Phase, string[]>>>
  cases: Case[]
}

const corpus = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/inbound/corpus.json'), 'utf8')) as Corpus

/** What brings a contact to each phase: the question about the first purpose; the answers settled; the email asked. */
const SETUP: Record<Phase, string[]> = {
  pending: ['hola'],
  settled: ['hola', 'sí', 'no', 'whatsapp'],
  email: ['hola', 'sí', 'sí', 'email'],
}
const PHASES = Object.keys(SETUP) as Phase[]

/** Never in a reply to bad input: an apology means something threw; the rest are leaks of code values. */
const NEVER = ['algo ha fallado', 'undefined', '[object Object]', 'null']

/** A Mexican mobile number per case and phase, so each starts from its own known state. */
const phoneOf = (caseIndex: number, phase: Phase) => `521551${PHASES.indexOf(phase)}${String(caseIndex).padStart(6, '0')}`
const senderOf = (c: Case, caseIndex: number, phase: Phase) => (c.sender ?? '<contact>').replace('<contact>', phoneOf(caseIndex, phase))

let nextId = 0
/** The case's payload with its placeholders filled in (keys such as "__proto__" stay plain data). */
function payloadOf(c: Case, caseIndex: number, phase: Phase): unknown {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replaceAll('<contact>', phoneOf(caseIndex, phase)).replaceAll('<id>', `BAD-${++nextId}`)
    if (Array.isArray(value)) return value.map(fill)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]))
    return value
  }
  const payload = fill(c.payload)
  if (c.bodyRepeat)
    (payload as Record<string, unknown>).body = c.bodyRepeat.text
      .repeat(Math.ceil(c.bodyRepeat.length / c.bodyRepeat.text.length))
      .slice(0, c.bodyRepeat.length)
  return payload
}

/** What a contact has settled, as the store gives it back. */
type Settled = Pick<Contact, 'consents' | 'channel' | 'policyVersion'> | undefined

async function readSettled(dataDir: string, ids: string[]): Promise<Map<string, Settled>> {
  const store = await openTestStore(dataDir)
  try {
    const out = new Map<string, Settled>()
    for (const id of ids) {
      const { contact } = await store.load(id)
      out.set(id, contact && { consents: contact.consents, channel: contact.channel, policyVersion: contact.policyVersion })
    }
    return out
  } finally {
    await store.close()
  }
}

async function storedContactIds(dataDir: string): Promise<string[]> {
  const store = await openTestStore(dataDir)
  try {
    const ids: string[] = []
    for await (const { contact } of store.scan()) ids.push(contact.id)
    return ids.sort()
  } finally {
    await store.close()
  }
}

describe('the bad-input corpus', () => {
  const dataDir = tempDir()
  const contacts = corpus.cases.flatMap((c, i) => PHASES.map((phase) => senderOf(c, i, phase)))
  let bot: TestBot
  let before: Map<string, Settled>
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    // Every contact is brought to its phase by a first run of the bot…
    const setup = await openTestBot({ dataDir })
    await Promise.all(
      corpus.cases.flatMap((c, i) =>
        PHASES.map(async (phase) => {
          const chat = setup.chat(senderOf(c, i, phase))
          for (const body of SETUP[phase]) await chat.say(body)
        }),
      ),
    )
    await setup.close()
    before = await readSettled(dataDir, contacts)
    // …and the corpus is sent to a second one, started on the same data.
    bot = await openTestBot({ dataDir })
  }, 120_000)

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await bot?.close().catch(() => {})
    removeDir(dataDir)
  })

  it('has at least 50 cases, each with a name of its own', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(50)
    expect(new Set(corpus.cases.map((c) => c.name)).size).toBe(corpus.cases.length)
  })

  it('brought every contact to its phase before the corpus', () => {
    const sample = PHASES.map((phase) => before.get(phoneOf(0, phase)))
    expect(sample[0]).toMatchObject({ consents: {} })
    expect(sample[1]).toMatchObject({
      consents: { service: { state: 'given' }, marketing: { state: 'refused' } },
      channel: { channel: 'whatsapp' },
    })
    expect(sample[2]).toMatchObject({ consents: { service: { state: 'given' }, marketing: { state: 'given' } } })
  })

  describe.each(corpus.cases.map((c, i) => [c.name, c, i] as const))('%s', (_, c, caseIndex) => {
    it.each(PHASES)('while %s', async (phase) => {
      // Settled, the bot has stepped aside for the staff: whatever arrives is theirs, and it says nothing.
      const handling = phase === 'settled' ? 'ignored' : (c[phase] ?? c.expect)
      const contact = senderOf(c, caseIndex, phase)
      const payload = payloadOf(c, caseIndex, phase)
      const sent = bot.provider.sent
      const start = sent.length
      // The provider emits from inside its own event handler; a throw here is a crash of the bot.
      bot.provider.emit('message', payload as never)
      await bot.bot.settled()
      const replies = sent.slice(start)

      if (handling === 'ignored') {
        expect(replies).toEqual([])
        return
      }
      expect(replies.length).toBeGreaterThan(0)
      expect(replies.filter((r) => r.to !== contact)).toEqual([])
      const text = replies.map((r) => r.text).join('\n')
      for (const part of [...(corpus.handling[handling][phase] ?? []), ...(c.mustContain?.[phase] ?? [])]) expect(text).toContain(part)
      for (const part of [...NEVER, ...(c.mustNotContain?.[phase] ?? [])]) expect(text).not.toContain(part)
      // A text of the contact's that is read back is shown as written; nothing else may show a
      // template left unfilled or filled from the contact's words.
      const body = (payload as { body?: unknown } | null)?.body
      const ownWords = typeof body === 'string' && body.trim() ? text.replaceAll(body.trim().toLowerCase(), '') : text
      expect(ownWords).not.toMatch(/\{\{|\}\}|\$t\(/)
    })
  })

  it('crashed nowhere: no unhandled rejection', () => {
    expect(unhandled).toEqual([])
  })

  it('still answers a normal message after the whole corpus', async () => {
    const fresh = bot.chat('5215519999999')
    const greeting = await fresh.say('hola')
    expect(greeting[0]).toMatch(/^¡Hola! 👋 Te escribe el asistente de \*Tienda Ejemplo\*/)
    expect(await fresh.say('sí')).toEqual([expect.stringMatching(/¿Y aceptas que usemos tus datos para \*enviarte ofertas/)])
    // A contact whose question was open throughout answers it as if nothing had happened.
    const pending = bot.chat(phoneOf(0, 'pending'))
    expect(await pending.say('no')).toEqual([
      expect.stringMatching(/^Entendido: no usaremos tus datos/),
      expect.stringMatching(/¿Por dónde prefieres/),
    ])
  })

  it('kept every consent and channel stored before, and stored no contact that should have been ignored', async () => {
    await bot.close()
    const after = await readSettled(dataDir, contacts)
    const changed = contacts.filter(
      (id) => id !== phoneOf(0, 'pending') && JSON.stringify(after.get(id)) !== JSON.stringify(before.get(id)),
    )
    expect(changed).toEqual([])
    expect(await storedContactIds(dataDir)).toEqual([...new Set([...contacts, '5215519999999'])].sort())
  })
})
