/**
 * Opt-outs in natural language, at every point of the conversation, through the engine on the
 * real owner files: a request to stop everything withdraws everything, one to stop the offers
 * withdraws marketing only, a probable one is asked about; and no hedged or negated answer is
 * ever recorded as consent. Cases: test/fixtures/opt-out/corpus.json.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import type { Language } from '../../src/domain/language.js'
import { testEngine, text } from '../support/engine.js'

type Kind = 'all' | 'offers' | 'unsure'
const corpus = JSON.parse(readFileSync(new URL('../fixtures/opt-out/corpus.json', import.meta.url), 'utf8')) as Record<
  Kind | 'precision',
  Record<Language, string[]>
>

/** How each language reaches each point of the conversation from a first message. */
const PATHS: Record<Language, Record<string, string[]>> = {
  es: {
    'first message': [],
    askService: ['hola'],
    askMarketing: ['hola', 'sí'],
    askChannel: ['hola', 'sí', 'sí'],
    'channel handle': ['hola', 'sí', 'sí', 'email'],
    'channel confirm': ['hola', 'sí', 'sí', 'email', 'ana@example.com'],
    thanks: ['hola', 'sí', 'sí', '1'],
    menu: ['hola', 'sí', 'sí', '1', 'hola'],
    changeWhich: ['hola', 'sí', 'sí', '1', 'hola', '2'],
    changeMarketing: ['hola', 'sí', 'sí', '1', 'hola', '2', '2'],
    confirmErase: ['hola', 'sí', 'sí', '1', 'hola', '5'],
    settled: ['hola', 'sí', 'sí', '1', 'hola', '7'],
    withdrawn: ['hola', 'sí', 'sí', '1', 'baja'],
  },
  en: {
    'first message': [],
    askService: ['hello'],
    askMarketing: ['hello', 'yes'],
    askChannel: ['hello', 'yes', 'yes'],
    'channel handle': ['hello', 'yes', 'yes', 'email'],
    'channel confirm': ['hello', 'yes', 'yes', 'email', 'ann@example.com'],
    thanks: ['hello', 'yes', 'yes', '1'],
    menu: ['hello', 'yes', 'yes', '1', 'hello'],
    changeWhich: ['hello', 'yes', 'yes', '1', 'hello', '2'],
    changeMarketing: ['hello', 'yes', 'yes', '1', 'hello', '2', '2'],
    confirmErase: ['hello', 'yes', 'yes', '1', 'hello', '5'],
    settled: ['hello', 'yes', 'yes', '1', 'hello', '7'],
    withdrawn: ['hello', 'yes', 'yes', '1', 'stop'],
  },
}

const REPLY: Record<Language, { done: RegExp; offers: RegExp; which: RegExp; kept: RegExp }> = {
  es: {
    done: /has retirado tu permiso/,
    offers: /ya no te enviaremos ofertas|no te enviaremos ofertas|así quedan tus permisos/,
    which: /¿Quieres darte de baja de todo o solo de las ofertas\?/,
    kept: /no cambiamos nada/,
  },
  en: {
    done: /you have withdrawn your permission/,
    offers: /no longer send you offers|will not send you offers|these are your permissions now/,
    which: /stop everything, or only the offers\?/,
    kept: /nothing changes/,
  },
}

let serial = 0
/** A new contact of that language (the language is guessed from the number's country). */
const newContact = (language: Language) =>
  language === 'es' ? `5215${String(10_000_000 + ++serial)}` : `1415${String(1_000_000 + ++serial)}`

async function conversation() {
  const store = createMemoryStore()
  const { engine, sent } = await testEngine(store, [], { rateLimit: false })
  let id = 0
  return {
    store,
    /** Sends one message and returns the replies to it. */
    async say(contact: string, body: string): Promise<string[]> {
      const before = sent.length
      await engine.handle(text(contact, `m${++id}`, body))
      return sent
        .slice(before)
        .filter((m) => m.to === contact)
        .map((m) => m.text)
    },
    ledger: (contact: string) => {
      const principal = store.data.contacts[contact]?.principal
      return store.data.ledger.filter((e) => e.record.principal === principal).map((e) => e.record)
    },
    consents: (contact: string) => store.data.contacts[contact]?.consents ?? {},
  }
}

type Chat = Awaited<ReturnType<typeof conversation>>

/** Whether `phrase`, written at `point`, was honoured as `kind`; undefined when it was, else why not. */
async function honoured(chat: Chat, language: Language, point: string, phrase: string, kind: Kind): Promise<string | undefined> {
  const contact = newContact(language)
  for (const body of PATHS[language][point]!) await chat.say(contact, body)
  const before = { ...chat.consents(contact) }
  const recordsBefore = chat.ledger(contact).length
  let replies = await chat.say(contact, phrase)
  const r = REPLY[language]
  if (kind === 'unsure') {
    if (!replies.some((t) => r.which.test(t))) return `not asked which: ${JSON.stringify(replies)}`
    replies = await chat.say(contact, language === 'es' ? 'todo' : 'all')
  }
  const after = chat.consents(contact)
  const records = chat.ledger(contact).slice(recordsBefore)
  if (Object.values(after).some((c) => c.state === 'given' && kind !== 'offers')) return `still given: ${JSON.stringify(after)}`
  if (kind === 'offers') {
    if (after.marketing?.state === 'given') return 'marketing still given'
    if (after.service?.state !== before.service?.state) return `service changed: ${before.service?.state} → ${after.service?.state}`
    if (!replies.some((t) => r.offers.test(t))) return `no confirmation: ${JSON.stringify(replies)}`
    // Withdrawn; or refused where the open question is the offers one ("no quiero ofertas" is its no).
    if (
      before.marketing?.state === 'given' &&
      !records.some((x) => x.purposes.includes('marketing') && (x.event === 'withdrawn' || x.event === 'refused'))
    ) {
      return 'no withdrawal of marketing recorded'
    }
    return undefined
  }
  if (!records.some((x) => x.event === 'withdrawn')) return `no withdrawal recorded: ${JSON.stringify(records.map((x) => x.event))}`
  const given = Object.entries(before)
    .filter(([, c]) => c.state === 'given')
    .map(([p]) => p)
  const withdrawn = records.filter((x) => x.event === 'withdrawn').flatMap((x) => x.purposes)
  if (given.some((p) => !withdrawn.includes(p))) return `withdrew ${withdrawn} of ${given}`
  if (!replies.some((t) => r.done.test(t))) return `no confirmation: ${JSON.stringify(replies)}`
  return undefined
}

describe('opt-outs in natural language', () => {
  it('are honoured at every point of the conversation, in Spanish and English (at least 98%)', async () => {
    const chat = await conversation()
    const failed: string[] = []
    let total = 0
    for (const kind of ['all', 'offers', 'unsure'] as const) {
      for (const language of ['es', 'en'] as const) {
        for (const point of Object.keys(PATHS[language])) {
          for (const phrase of corpus[kind][language]) {
            total++
            const why = await honoured(chat, language, point, phrase, kind)
            if (why) failed.push(`${kind} ${language} at ${point}: "${phrase}": ${why}`)
          }
        }
      }
    }
    const rate = 1 - failed.length / total
    console.log(
      `opt-outs honoured: ${total - failed.length}/${total} (${(rate * 100).toFixed(1)}%)${failed.length ? `\nnot honoured:\n${failed.join('\n')}` : ''}`,
    )
    expect(total).toBeGreaterThanOrEqual(150 * 13)
    expect(rate).toBeGreaterThanOrEqual(0.98)
  }, 120_000)

  it('hedged, negated and mixed answers are never recorded as consent, at any consent question', async () => {
    const chat = await conversation()
    const questions = ['askService', 'askMarketing', 'changeMarketing', 'channel confirm', 'confirmErase', 'first message']
    const given: string[] = []
    for (const language of ['es', 'en'] as const) {
      expect(corpus.precision.es.length + corpus.precision.en.length).toBeGreaterThanOrEqual(60)
      for (const point of questions) {
        for (const phrase of corpus.precision[language]) {
          const contact = newContact(language)
          for (const body of PATHS[language][point]!) await chat.say(contact, body)
          const before = chat.ledger(contact).length
          await chat.say(contact, phrase)
          const records = chat.ledger(contact).slice(before)
          if (records.some((x) => x.event === 'given')) given.push(`${language} at ${point}: "${phrase}"`)
          if (records.some((x) => x.event === 'erased')) given.push(`${language} at ${point}: "${phrase}" erased`)
        }
      }
    }
    expect(given).toEqual([])
  }, 60_000)

  it('the "which one?" question: ALL, OFFERS or NO, and the contact goes on at their step', async () => {
    const chat = await conversation()
    const es = newContact('es')
    await chat.say(es, 'hola')
    await chat.say(es, 'sí')
    expect(await chat.say(es, 'spam')).toEqual([expect.stringMatching(REPLY.es.which)])
    // Only the offers: marketing was not asked yet, so the objection is on record; service stays.
    const offers = await chat.say(es, 'solo las ofertas')
    expect(offers).toEqual([
      expect.stringMatching(/ya no te enviaremos ofertas/),
      expect.stringMatching(/aceptas que usemos tus datos para \*enviarte ofertas/),
    ])
    expect(chat.consents(es)).toMatchObject({ service: { state: 'given' }, marketing: { state: 'withdrawn' } })
    // NO: nothing changes, and the question they stood at comes again.
    await chat.say(es, 'ya no')
    expect(await chat.say(es, 'no')).toEqual([
      expect.stringMatching(REPLY.es.kept),
      expect.stringMatching(/aceptas que usemos tus datos para \*enviarte ofertas/),
    ])
    // Something else closes the question: never read as consent, the step's question again.
    await chat.say(es, 'molestan mucho')
    expect(await chat.say(es, 'sí')).toEqual([
      expect.stringMatching(REPLY.es.kept),
      expect.stringMatching(/aceptas que usemos tus datos para \*enviarte ofertas/),
    ])
    expect(
      chat
        .ledger(es)
        .filter((r) => r.event === 'given')
        .map((r) => r.purposes),
    ).toEqual([['service']])
    // ...and the step still works: its own answer now.
    await chat.say(es, 'no')
    expect(chat.consents(es).marketing!.state).toBe('refused')

    const en = newContact('en')
    for (const body of PATHS.en['channel confirm']!) await chat.say(en, body)
    expect(await chat.say(en, 'not interested')).toEqual([expect.stringMatching(REPLY.en.which)])
    expect(await chat.say(en, 'none')).toEqual([expect.stringMatching(REPLY.en.kept), expect.stringMatching(/ann@example\.com/)])
    await chat.say(en, 'yes')
    expect(chat.store.data.contacts[en]!.channel).toMatchObject({ channel: 'email', handle: 'ann@example.com' })
  })

  it('ordinary shop talk that holds a stop word is not an opt-out', async () => {
    const chat = await conversation()
    const talk = [
      ['es', 'el precio es muy alto'],
      ['es', 'cancela todo mi pedido'],
      ['es', 'no voy a parar de comprar aquí'],
      ['en', 'i quit my job so i have time'],
      ['en', "don't send it yet"],
      ['en', 'cancel all my orders'],
    ] as const
    for (const [language, phrase] of talk) {
      const contact = newContact(language)
      for (const body of PATHS[language].menu!) await chat.say(contact, body)
      await chat.say(contact, phrase)
      expect(
        chat.ledger(contact).filter((r) => r.event === 'withdrawn'),
        phrase,
      ).toEqual([])
    }
  })

  it('a negated opt-out does not withdraw', async () => {
    const chat = await conversation()
    for (const [language, phrase] of [
      ['es', 'no quiero darme de baja'],
      ['es', 'no me den de baja porfa'],
      ['en', "i don't want to unsubscribe"],
      ['en', "don't stop"],
    ] as const) {
      const contact = newContact(language)
      for (const body of PATHS[language].menu!) await chat.say(contact, body)
      await chat.say(contact, phrase)
      expect(
        chat.ledger(contact).filter((r) => r.event === 'withdrawn'),
        phrase,
      ).toEqual([])
    }
  })
})
