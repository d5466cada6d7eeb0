/** What the texts adapter says about a text's variables decides what the engine may render once. */
import { describe, expect, it } from 'vitest'
import { createI18nTexts, UNKNOWN_VARIABLES } from '../../src/adapters/i18n-texts.js'

const messages = {
  greeting: 'Hola, soy *{{business}}*.',
  thanks: 'Gracias. $t(summary.line)',
  summary: { line: 'Guardado: {{summary}} ({{receipt}})' },
  loop: 'Yo mismo: $t(loop)',
  retention: { years_one: '{{count}} año', years_other: '{{count}} años' },
}
const answers = { words: {}, channels: {} }

describe('the variables of a text', () => {
  it('lists its own, those of the texts it nests, and cannot be fooled into a loop', async () => {
    const texts = await createI18nTexts({ messages: { es: messages, en: messages } as never, answers: { es: answers, en: answers } }, 'es')
    expect([...texts.variables('es', 'greeting')]).toEqual(['business'])
    expect([...texts.variables('es', 'thanks')].sort()).toEqual(['receipt', 'summary'])
    expect([...texts.variables('es', 'loop')]).toEqual([])
    // A plural or a group is not one text: its variables are unknown, so never taken as fixed.
    expect([...texts.variables('es', 'retention.years')]).toEqual([UNKNOWN_VARIABLES])
    expect(texts.render('es', 'thanks', { summary: 'sí', receipt: 'K7QM' })).toBe('Gracias. Guardado: sí (K7QM)')
  })
})
