import { describe, expect, it } from 'vitest'
import { handleKindOf, parseHandle } from '../../src/domain/handles.js'

describe('handleKindOf', () => {
  it('names what each channel needs; WhatsApp needs nothing', () => {
    expect(handleKindOf('email')).toBe('email')
    expect(handleKindOf('sms')).toBe('phone')
    expect(handleKindOf('call')).toBe('phone')
    expect(handleKindOf('signal')).toBe('phone')
    expect(handleKindOf('telegram')).toBe('username')
    expect(handleKindOf('line')).toBe('lineId')
    expect(handleKindOf('whatsapp')).toBeUndefined()
  })
})

describe('parseHandle: email', () => {
  it('accepts a plain address, trimmed and lower-cased', () => {
    expect(parseHandle('email', 'Ana.Perez@Example.COM')).toBe('ana.perez@example.com')
    expect(parseHandle('email', '  ana@x.com \n')).toBe('ana@x.com')
    expect(parseHandle('email', 'ana+news@mail.example.com.mx')).toBe('ana+news@mail.example.com.mx')
  })

  it.each(['ana@', 'ana@@x.com', 'ana @x.com', 'ana@x', '@x.com', 'ana@x..com', 'ana@.x.com', 'ana@x.com.', 'ana', ''])(
    'rejects %j',
    (text) => {
      expect(parseHandle('email', text)).toBeUndefined()
    },
  )

  it('rejects a local part over 64 characters and an address over 254', () => {
    expect(parseHandle('email', `${'a'.repeat(64)}@x.com`)).toBe(`${'a'.repeat(64)}@x.com`)
    expect(parseHandle('email', `${'a'.repeat(65)}@x.com`)).toBeUndefined()
    expect(parseHandle('email', `ana@${'b'.repeat(250)}.com`)).toBeUndefined()
  })
})

describe('parseHandle: phone', () => {
  it('writes an international number as E.164', () => {
    expect(parseHandle('phone', '+52 55 1234 5678')).toBe('+525512345678')
    expect(parseHandle('phone', '+34 612 34 56 78')).toBe('+34612345678')
    expect(parseHandle('phone', '+34612345678')).toBe('+34612345678')
    expect(parseHandle('phone', '+1 (415) 555-2671')).toBe('+14155552671')
  })

  it('an international number ignores the default country', () => {
    expect(parseHandle('phone', '+34 612 345 678', 'MX')).toBe('+34612345678')
  })

  it("a number without + takes the contact's country", () => {
    expect(parseHandle('phone', '55 1234 5678', 'MX')).toBe('+525512345678')
    expect(parseHandle('phone', '(55) 1234-5678', 'MX')).toBe('+525512345678')
    expect(parseHandle('phone', '612 345 678', 'ES')).toBe('+34612345678')
    expect(parseHandle('phone', '612345678', 'ES')).toBe('+34612345678')
  })

  it('a number without + and without a country is rejected', () => {
    expect(parseHandle('phone', '612345678')).toBeUndefined()
  })

  it('a national number is not valid in the wrong country', () => {
    expect(parseHandle('phone', '612 345 678', 'MX')).toBeUndefined()
    expect(parseHandle('phone', '55 1234 5678', 'ES')).toBeUndefined()
  })

  it.each(['hello', '123', '', '+', '+34 612', '+999 123456789', 'ana@x.com'])('rejects %j', (text) => {
    expect(parseHandle('phone', text, 'ES')).toBeUndefined()
  })
})

describe('parseHandle: username (Telegram)', () => {
  it('writes the name with one leading @', () => {
    expect(parseHandle('username', '@ana_perez')).toBe('@ana_perez')
    expect(parseHandle('username', 'ana_perez')).toBe('@ana_perez')
    expect(parseHandle('username', '  ana_perez  ')).toBe('@ana_perez')
    expect(parseHandle('username', 'Ana_Perez')).toBe('@Ana_Perez')
  })

  it('accepts 5 to 32 characters', () => {
    expect(parseHandle('username', 'abcde')).toBe('@abcde')
    expect(parseHandle('username', `a${'b'.repeat(31)}`)).toBe(`@a${'b'.repeat(31)}`)
  })

  it.each([
    'ab',
    'abcd',
    '@ab',
    `a${'b'.repeat(32)}`,
    '1abcde',
    '_abcde',
    'ana perez',
    'ana-perez',
    '@@ana_perez',
    'https://t.me/ana_perez',
    '',
  ])('rejects %j', (text) => {
    expect(parseHandle('username', text)).toBeUndefined()
  })
})

describe('parseHandle: LINE id', () => {
  it('writes the id lower-cased, without @', () => {
    expect(parseHandle('lineId', '@Ana.Perez')).toBe('ana.perez')
    expect(parseHandle('lineId', 'ana_perez-1')).toBe('ana_perez-1')
    expect(parseHandle('lineId', ' 1234 ')).toBe('1234')
  })

  it('accepts 4 to 20 characters', () => {
    expect(parseHandle('lineId', 'abcd')).toBe('abcd')
    expect(parseHandle('lineId', 'a'.repeat(20))).toBe('a'.repeat(20))
  })

  it.each(['abc', 'a'.repeat(21), 'ana perez', 'ana@perez', 'añá_pérez', ''])('rejects %j', (text) => {
    expect(parseHandle('lineId', text)).toBeUndefined()
  })
})

describe('Mexican mobiles written with the old 1 after +52', () => {
  it('are accepted and stored without it', () => {
    expect(parseHandle('phone', '+5215512345678')).toBe('+525512345678')
    expect(parseHandle('phone', '+52 1 33 1234 5678')).toBe('+523312345678')
  })
})
