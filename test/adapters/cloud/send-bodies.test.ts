/** Meta's length limits, in characters (not UTF-16 units): labels cut with "…", long texts split at line ends. */
import { describe, expect, it } from 'vitest'
import { cut, splitText } from '../../../src/adapters/cloud/send-bodies.js'

describe('a label too long', () => {
  it('keeps its start and ends with …, never splitting an emoji or leaving a space before …', () => {
    expect(cut('Sí', 20)).toBe('Sí')
    expect(cut('  Sí  ', 20)).toBe('Sí')
    expect(cut('12345678901234567890', 20)).toBe('12345678901234567890')
    expect(cut('123456789012345678901', 20)).toBe('1234567890123456789…')
    expect(cut('Elegir un canal de contacto', 20)).toBe('Elegir un canal de…')
    const emoji = `${'😀'.repeat(25)}`
    expect(Array.from(cut(emoji, 20))).toEqual([...Array.from('😀'.repeat(19)), '…'])
  })
})

describe('a text too long', () => {
  it('stays whole up to the limit', () => {
    expect(splitText('a'.repeat(4096))).toEqual(['a'.repeat(4096)])
  })

  it('is cut at the last line break before the limit, the break itself dropped', () => {
    expect(splitText('aaaa\nbbbb\ncccc', 10)).toEqual(['aaaa\nbbbb', 'cccc'])
  })

  it('without a line break, is cut at the limit between two characters', () => {
    const smiles = '😀'.repeat(9)
    expect(splitText(smiles, 4)).toEqual(['😀😀😀😀', '😀😀😀😀', '😀'])
  })
})
