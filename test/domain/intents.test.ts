import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadBusinessFlow } from '../../src/adapters/flow-files/business-flow.js'
import { createRecognizer, tokenize, type AnswerWords } from '../../src/domain/intents.js'
import { numberWords } from '../../src/domain/steps.js'

const { flow, policy } = loadBusinessFlow(fileURLToPath(new URL('../../flows', import.meta.url)))

/**
 * The owner's words, as src/adapters/i18n-texts.ts feeds them (channels become `channel:<name>`),
 * with the numbers the bot adds (a menu's answers, purposes, channels by their place in the list).
 */
function localeWords(language: 'es' | 'en'): AnswerWords {
  // The test setup changes the working directory: resolve against this file, not cwd.
  const file = new URL(`../../locales/${language}/answers.json`, import.meta.url)
  const { channels, contains, ...words } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
    channels: Record<string, string[]>
    contains: Record<string, string[]>
  }
  const table: Record<string, string[]> = { ...(words as Record<string, string[]>) }
  for (const [channel, list] of Object.entries(channels)) table[`channel:${channel}`] = list
  // Phrases that count when contained in a message: `contains:<intent>`.
  for (const [intent, list] of Object.entries(contains)) table[`contains:${intent}`] = list
  for (const [intent, list] of Object.entries(numberWords(flow, policy))) table[intent] = [...(table[intent] ?? []), ...list]
  return table
}

const es = createRecognizer(localeWords('es'))
const en = createRecognizer(localeWords('en'))

const COMMANDS = ['stop', 'help', 'english', 'spanish']
/** What askService / askMarketing in flows/consent.yaml accept. */
const CONSENT_QUESTION = ['yes', 'no', 'info', ...COMMANDS]
/** What the menu step accepts. */
const MENU = ['changeChannel', 'changeConsent', 'seeData', 'withdraw', 'deleteData', 'notice', 'info', 'done', ...COMMANDS]

describe('tokenize', () => {
  it('lower-cases, strips accents and punctuation', () => {
    expect(tokenize('¡Sí, ACEPTO!')).toEqual(['si', 'acepto'])
    expect(tokenize('MÁS   INFORMACIÓN...')).toEqual(['mas', 'informacion'])
    expect(tokenize('Ñandú')).toEqual(['nandu'])
  })

  it('splits on apostrophes and hyphens', () => {
    expect(tokenize("I don't agree")).toEqual(['i', 'don', 't', 'agree'])
    expect(tokenize('e-mail')).toEqual(['e', 'mail'])
  })

  it('makes each emoji a token of its own, without skin tone or variation selector', () => {
    expect(tokenize('ok👍🏽')).toEqual(['ok', '👍'])
    expect(tokenize('SI 👍✅')).toEqual(['si', '👍', '✅'])
    expect(tokenize('❤️')).toEqual(['❤'])
  })

  it('reads a keycap digit as the digit', () => {
    expect(tokenize('1️⃣')).toEqual(['1'])
  })

  it('returns no tokens for empty, blank or punctuation-only text', () => {
    expect(tokenize('')).toEqual([])
    expect(tokenize('   ')).toEqual([])
    expect(tokenize('?!...')).toEqual([])
  })
})

describe('recognize (Spanish locale words)', () => {
  it.each(['Sí.', 'si', 'SI 👍', 'sí, acepto', 'Si por favor', 'ok', 'Claro que sí!', 'de acuerdo', '👍🏽', '✅', 'Hola, sí'])(
    '%j is a yes',
    (text) => {
      expect(es.recognize(text, CONSENT_QUESTION)).toBe('yes')
    },
  )

  it.each(['No gracias', 'NO!!', 'no', 'nop', 'para nada', 'no quiero', '👎'])('%j is a no', (text) => {
    expect(es.recognize(text, CONSENT_QUESTION)).toBe('no')
  })

  it.each(['sí pero no', 'no sé', 'quizás', '', '   ', '👋', 'no estoy de acuerdo', 'no de acuerdo', 'sí no', 'gracias', 'si 👋 tal vez'])(
    '%j is unclear (never consent)',
    (text) => {
      expect(es.recognize(text, CONSENT_QUESTION)).toBeUndefined()
    },
  )

  it('an unlisted emoji next to a real answer is decoration', () => {
    expect(es.recognize('sí 👋', CONSENT_QUESTION)).toBe('yes')
  })

  it('ignores accents and case', () => {
    expect(es.recognize('MÁS INFORMACIÓN', CONSENT_QUESTION)).toBe('info')
    expect(es.recognize('mas informacion', CONSENT_QUESTION)).toBe('info')
    expect(es.recognize('ESPAÑOL', CONSENT_QUESTION)).toBe('spanish')
  })

  it('only recognises a word among the candidates passed', () => {
    expect(es.recognize('info', ['yes', 'no'])).toBeUndefined()
    expect(es.recognize('info', ['yes', 'no', 'info'])).toBe('info')
    expect(es.recognize('sí', ['no'])).toBeUndefined()
    expect(es.recognize('sí', [])).toBeUndefined()
  })

  it('does not depend on the order of the candidates', () => {
    expect(es.recognize('sí', ['no', 'yes'])).toBe('yes')
    expect(es.recognize('no', ['no', 'yes'])).toBe('no')
  })

  it('recognises commands and channels by name or phrase', () => {
    expect(es.recognize('BAJA', CONSENT_QUESTION)).toBe('stop')
    expect(es.recognize('darme de baja por favor', CONSENT_QUESTION)).toBe('stop')
    expect(es.recognize('mensaje de texto', ['channel:sms', 'channel:email', 'info'])).toBe('channel:sms')
    expect(es.recognize('correo electrónico', ['channel:sms', 'channel:email', 'info'])).toBe('channel:email')
    expect(es.recognize('1️⃣', MENU)).toBe('changeChannel')
    expect(es.recognize('7', MENU)).toBe('done')
  })
})

describe('recognize (English locale words)', () => {
  it.each(['Yes please', 'I agree', 'yes', 'OK 👍', 'Sure, thanks', 'of course'])('%j is a yes', (text) => {
    expect(en.recognize(text, CONSENT_QUESTION)).toBe('yes')
  })

  it.each(['No thanks', 'nope', 'no way', 'decline'])('%j is a no', (text) => {
    expect(en.recognize(text, CONSENT_QUESTION)).toBe('no')
  })

  it.each(['maybe', 'yes but no', 'I agree not', 'hello'])('%j is unclear', (text) => {
    expect(en.recognize(text, CONSENT_QUESTION)).toBeUndefined()
  })

  it('recognises multi-word phrases', () => {
    expect(en.recognize('Tell me more', CONSENT_QUESTION)).toBe('info')
    expect(en.recognize('phone call', ['channel:call', 'channel:sms'])).toBe('channel:call')
    expect(en.recognize('nothing, thanks', MENU)).toBe('done')
  })
})

describe('ambiguity', () => {
  it('a word two candidate intents claim is ambiguous; with one of them it is not', () => {
    const r = createRecognizer({ a: ['x'], b: ['x', 'y'], filler: ['please'] })
    expect(r.recognize('x', ['a', 'b'])).toBeUndefined()
    expect(r.recognize('x please', ['a', 'b'])).toBeUndefined()
    expect(r.recognize('x', ['a'])).toBe('a')
    expect(r.recognize('x', ['b'])).toBe('b')
    expect(r.recognize('y', ['a', 'b'])).toBe('b')
  })

  it('a message mixing words of two candidate intents is ambiguous', () => {
    expect(es.recognize('sí no', ['yes', 'no'])).toBeUndefined()
    expect(es.recognize('info ayuda', CONSENT_QUESTION)).toBeUndefined()
    // Never a yes; the stop phrase it holds is honoured (opt-outs count when contained).
    expect(en.recognize('yes stop', CONSENT_QUESTION)).toBe('stop')
  })

  it('a message of filler words only means nothing', () => {
    const r = createRecognizer({ a: ['x'], filler: ['please', 'thank you'] })
    expect(r.recognize('please, thank you', ['a'])).toBeUndefined()
    expect(r.recognize('thank you x please', ['a'])).toBe('a')
  })
})

// A listed phrase wins over the single words inside it that belong to another candidate intent:
// "no acepto" is a no even though "acepto" alone is a yes.
describe('the longest listed phrase wins its words', () => {
  it('"no acepto" is a no', () => {
    expect(es.recognize('no acepto', CONSENT_QUESTION)).toBe('no')
    expect(es.recognize('No, no acepto', CONSENT_QUESTION)).toBe('no')
  })
  it('"I don\'t agree" / "I do not agree" are a no', () => {
    expect(en.recognize("I don't agree", CONSENT_QUESTION)).toBe('no')
    expect(en.recognize('I do not agree', CONSENT_QUESTION)).toBe('no')
  })
  it('menu phrases that contain an info word mean their own answer', () => {
    expect(es.recognize('nada más', MENU)).toBe('done')
    expect(es.recognize('aviso de privacidad', MENU)).toBe('notice')
    expect(es.recognize('ver aviso', MENU)).toBe('notice')
    expect(en.recognize('privacy notice', MENU)).toBe('notice')
    expect(en.recognize('see notice', MENU)).toBe('notice')
  })
  it('a longer phrase plus a word of another answer is still ambiguous (never consent)', () => {
    expect(es.recognize('sí no acepto', CONSENT_QUESTION)).toBeUndefined()
    expect(es.recognize('no, sí acepto', CONSENT_QUESTION)).toBeUndefined()
    expect(es.recognize('acepto, no acepto', CONSENT_QUESTION)).toBeUndefined()
    expect(en.recognize("I agree, I don't agree", CONSENT_QUESTION)).toBeUndefined()
  })
  it("without the longer phrase's intent among the candidates, its leftover words are unclear", () => {
    expect(es.recognize('no acepto', ['yes', 'info'])).toBeUndefined()
    expect(en.recognize("I don't agree", ['yes', 'info'])).toBeUndefined()
  })
  it('synthetic: longer phrase wins; overlapping phrases of equal length are ambiguous', () => {
    const r = createRecognizer({ a: ['x y'], b: ['y'], c: ['y z'] })
    expect(r.recognize('x y', ['a', 'b'])).toBe('a')
    expect(r.recognize('y', ['a', 'b'])).toBe('b')
    expect(r.recognize('y x y', ['a', 'b'])).toBeUndefined()
    expect(r.recognize('x y z', ['a', 'c'])).toBeUndefined()
  })
})
