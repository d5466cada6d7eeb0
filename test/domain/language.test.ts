import { describe, expect, it } from 'vitest'
import { countryOf, guessLanguage, isLanguage } from '../../src/domain/language.js'

describe('countryOf', () => {
  it('reads the country from a WhatsApp sender id, with or without +', () => {
    expect(countryOf('5215512345678')).toBe('MX')
    expect(countryOf('525512345678')).toBe('MX')
    expect(countryOf('+34612345678')).toBe('ES')
    expect(countryOf('34612345678')).toBe('ES')
    expect(countryOf('447700900123')).toBe('GB')
    expect(countryOf('4915123456789')).toBe('DE')
  })

  it('a fictional range still gets a country from its calling code', () => {
    expect(countryOf('12025550123')).toBe('US')
  })

  it('an id that is not a phone number has no country', () => {
    expect(countryOf('123456789012345@lid')).toBeUndefined()
    expect(countryOf('12345')).toBeUndefined()
    expect(countryOf('1234567890123456')).toBeUndefined()
    expect(countryOf('')).toBeUndefined()
  })

  it('an unassigned calling code has no country', () => {
    expect(countryOf('999123456789')).toBeUndefined()
  })
})

describe('guessLanguage', () => {
  it.each([
    ['5215512345678', 'es'], // Mexico, WhatsApp's mobile form with the 1
    ['525512345678', 'es'], // Mexico
    ['34612345678', 'es'], // Spain
    ['5491123456789', 'es'], // Argentina
    ['17875551234', 'es'], // Puerto Rico, within +1
    ['12025550123', 'en'], // United States
    ['14155552671', 'en'], // United States
    ['447700900123', 'en'], // United Kingdom
    ['447400123456', 'en'], // United Kingdom
  ] as const)('%s → %s whatever the fallback', (id, language) => {
    expect(guessLanguage(id, 'es')).toBe(language)
    expect(guessLanguage(id, 'en')).toBe(language)
  })

  it('a …@lid sender carries no number: the fallback', () => {
    expect(guessLanguage('123456789012345@lid', 'es')).toBe('es')
    expect(guessLanguage('123456789012345@lid', 'en')).toBe('en')
  })

  it('a country that is neither Spanish- nor English-speaking: the fallback', () => {
    expect(guessLanguage('4915123456789', 'es')).toBe('es') // Germany
    expect(guessLanguage('4915123456789', 'en')).toBe('en')
    expect(guessLanguage('33612345678', 'en')).toBe('en') // France
    expect(guessLanguage('33612345678', 'es')).toBe('es')
  })

  it('a number with no known country: the fallback', () => {
    expect(guessLanguage('999123456789', 'es')).toBe('es')
    expect(guessLanguage('999123456789', 'en')).toBe('en')
  })
})

describe('isLanguage', () => {
  it('accepts only the languages the bot speaks', () => {
    expect(isLanguage('es')).toBe(true)
    expect(isLanguage('en')).toBe(true)
    expect(isLanguage('fr')).toBe(false)
    expect(isLanguage('ES')).toBe(false)
    expect(isLanguage(undefined)).toBe(false)
    expect(isLanguage(1)).toBe(false)
  })
})

describe('numbers of the islands sharing +44', () => {
  it('are spoken to in English (Guernsey)', () => {
    expect(guessLanguage('447911123456', 'es')).toBe('en')
  })
})
