/**
 * The owner's client list and do-not-contact list, read from the files in
 * test/fixtures/contact-lists/ (each the bytes a spreadsheet writes; README.md there says which),
 * through the real csv-parse and libphonenumber. Each test asserts what the owner is shown: the
 * clients with their lines, and each row left out with its line and what to mend.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ContactListError, parseContactList, type ReadOptions, readContactList } from '../../src/adapters/contact-list.js'

// The setup file moves the working directory to a scratch one: resolve paths from this file.
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/contact-lists/${name}`, import.meta.url))
const read = (name: string, options?: ReadOptions) => readContactList(fixture(name), options)

/** The message a ContactListError carries, or a failure when the list was read. */
async function refusal(name: string, options?: ReadOptions): Promise<ContactListError> {
  const error = await read(name, options).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContactListError)
  return error as ContactListError
}

describe('the shapes spreadsheets save a list in', () => {
  it('Excel "CSV UTF-8" in a Spanish locale: byte-order mark, semicolons, CRLF; accents intact, the empty row at the end skipped', async () => {
    const list = await read('excel-csv-utf8-es-ES.csv', { defaultCountry: 'ES' })
    expect(list.format).toEqual({ delimiter: 'semicolon', encoding: 'utf-8-bom' })
    expect(list.clients.map((c) => [c.line, c.phone, c.name])).toEqual([
      [2, '34612345678', 'Begoña Ibáñez'],
      [3, '34622112233', 'Jordi Puig'],
      [4, '447911123456', 'Emma Walsh'],
      [5, '5215512345678', 'Ana López'],
      [6, '34633445566', 'Marco Rossi'],
      [7, '34633445577', 'Lucía Fernández'],
      [8, '34633445588', 'Paul Martin'],
    ])
    expect(list.invalid).toEqual([])
  })

  it('Google Sheets: UTF-8 without a mark, commas, CRLF, no line end after the last row', async () => {
    const list = await read('google-sheets.csv')
    expect(list.format).toEqual({ delimiter: 'comma', encoding: 'utf-8' })
    expect(list.clients.map((c) => [c.line, c.phone])).toEqual([
      [2, '525512345678'],
      [4, '5215587654321'], // a number cell: Sheets dropped the +
      [5, '12025550123'],
      [6, '525512345678'],
    ])
  })

  it('Excel plain "CSV" in Mexico: Windows-1252, read as such (ñ, í, Á) and said so', async () => {
    const list = await read('excel-csv-windows-1252-es-MX.csv', { defaultCountry: 'MX' })
    expect(list.format).toEqual({ delimiter: 'comma', encoding: 'windows-1252' })
    expect(list.clients.map((c) => c.name)).toEqual(['José Peña Núñez', 'María Ramírez', 'Ángel Cruz'])
  })

  it('LibreOffice with tabs between cells', async () => {
    const list = await read('libreoffice-tab.csv')
    expect(list.format).toEqual({ delimiter: 'tab', encoding: 'utf-8' })
    expect(list.clients).toEqual([
      { line: 2, phone: '525512345678', name: 'José Peña', language: 'es' },
      { line: 3, phone: '5215587654321', name: 'Ana Ruiz', language: 'en' },
    ])
  })

  it('Excel "Unicode text" (UTF-16) is refused with the format to save in instead', async () => {
    const error = await refusal('excel-unicode-text.txt')
    expect(error.message).toBe(
      `${fixture('excel-unicode-text.txt')}:1: is saved as Unicode text (UTF-16), which is not CSV: in the spreadsheet, save it as "CSV UTF-8"`,
    )
  })
})

describe('cells and lines', () => {
  it('a quoted name holding a comma, a quote and a line break: one cell, one line in the greeting, and the rows after it keep their lines', async () => {
    const list = await read('google-sheets.csv')
    expect(list.clients[0]).toEqual({ line: 2, phone: '525512345678', name: 'García, Luis Tienda Centro' })
    expect(list.clients[2]).toEqual({ line: 5, phone: '12025550123', name: 'Sam "Sunny" Lee' })
  })

  it('a line break inside quotes turned into CRLF (a conversion of every line end) still counts as one line', async () => {
    const list = await read('crlf-inside-quotes.csv')
    expect(list.clients.map((c) => [c.line, c.name])).toEqual([
      [2, 'Ana Ruiz Sucursal Norte'],
      [4, 'Luis Gómez'],
      [6, 'Eva Mora'],
    ])
  })

  it('bad numbers are left out, each with its line and what to mend, without the whole number in the message', async () => {
    const list = await read('excel-csv-windows-1252-es-MX.csv', { defaultCountry: 'MX' })
    expect(list.invalid.map((p) => p.line)).toEqual([4, 5, 6, 7])
    const [scientific, letters, short, empty] = list.invalid.map((p) => p.message)
    expect(scientific).toBe(
      '"5.21551E+12" is a number the spreadsheet wrote in scientific notation, which has lost its last digits: format the phone column as Text, type the numbers again in full, and save the CSV again',
    )
    expect(letters).toBe(
      '"pendiente" is not a phone number (it has letters or signs in it): write only the number, with + and its country code',
    )
    expect(short).toBe(
      '"55 ••34" (6 digits) is too short for a phone number in MX (+52): check it, and write it in full with its country code',
    )
    expect(empty).toBe('no number: the phone cell is empty; write the number, or delete the row')
  })

  it('duplicates stay in the list, each with its own line (the planner reports them)', async () => {
    const list = await read('google-sheets.csv')
    expect(list.clients.filter((c) => c.phone === '525512345678').map((c) => c.line)).toEqual([2, 6])
  })

  it('numbers without + are read in the default country (MX, ES), a number with another country code as it is', async () => {
    const mexico = await read('excel-csv-windows-1252-es-MX.csv', { defaultCountry: 'MX' })
    expect(mexico.clients.map((c) => c.phone)).toEqual(['525512345678', '525587654321', '34612345678'])
    const spain = await read('excel-csv-utf8-es-ES.csv', { defaultCountry: 'es' })
    expect(spain.clients[0]!.phone).toBe('34612345678')
  })

  it('without a default country, a number without + is left out: it needs its country code', async () => {
    const list = await read('excel-csv-utf8-es-ES.csv')
    expect(list.invalid).toEqual([
      {
        line: 2,
        message: '"61• •• •• 78" (9 digits) has no country code: write it with + and its country code (+52 for Mexico, +34 for Spain…)',
      },
      {
        line: 7,
        message: '"63• •• •• 77" (9 digits) has no country code: write it with + and its country code (+52 for Mexico, +34 for Spain…)',
      },
      {
        line: 8,
        message: '"63• •• •• 88" (9 digits) has no country code: write it with + and its country code (+52 for Mexico, +34 for Spain…)',
      },
    ])
    expect(list.invalid[0]!.message).not.toContain('612 34 56 78')
  })

  it('00 before the country code is read as +', async () => {
    const list = await read('excel-csv-utf8-es-ES.csv', { defaultCountry: 'ES' })
    expect(list.clients.find((c) => c.line === 4)!.phone).toBe('447911123456') // 0044 7911 123456
    expect(list.clients.find((c) => c.line === 6)!.phone).toBe('34633445566') // 0034 633 44 55 66
  })

  it('Mexican mobiles keep the form they are written in: 52 1… as WhatsApp writes them, 52… as libphonenumber does', async () => {
    const list = await read('excel-csv-utf8-es-ES.csv', { defaultCountry: 'ES' })
    expect(list.clients.find((c) => c.line === 5)!.phone).toBe('5215512345678') // +52 1 55 1234 5678
    const sheets = await read('google-sheets.csv')
    expect(sheets.clients.find((c) => c.line === 2)!.phone).toBe('525512345678') // +52 55 1234 5678
  })

  it('a language column: names and codes of the languages the bot speaks; any other is noted and the client kept without one', async () => {
    const list = await read('excel-csv-utf8-es-ES.csv', { defaultCountry: 'ES' })
    expect(list.clients.map((c) => [c.line, c.language])).toEqual([
      [2, 'es'], // Español
      [3, undefined], // ca
      [4, 'en'], // en-US
      [5, 'es'], // es_MX
      [6, undefined], // klingon
      [7, undefined], // empty: nothing to note
      [8, 'en'], // Inglés
    ])
    expect(list.notes).toEqual([
      { line: 3, message: 'the language "ca" is not one the bot speaks (es, en): the client is kept, with no language' },
      { line: 6, message: 'the language "klingon" is not one the bot speaks (es, en): the client is kept, with no language' },
    ])
  })

  it('with both a phone and a mobile column, numbers are read from the mobile one, and the owner is told on the header line', () => {
    const csv = 'Nombre,Teléfono,Celular\r\nAna Ruiz,55 5555 0000,55 1234 5678\r\n'
    const list = parseContactList(Buffer.from(csv), 'clientes.csv', { defaultCountry: 'MX' })
    expect(list.clients).toEqual([{ line: 2, phone: '525512345678', name: 'Ana Ruiz' }])
    expect(list.notes).toEqual([{ line: 1, message: 'numbers are read from the column "Celular"; "Teléfono" left aside' }])
  })
})

describe('a file that cannot be read as a list', () => {
  it('no phone column: the file, line 1, what was found and the accepted names', async () => {
    const error = await refusal('no-phone-column.csv')
    expect(error.message).toBe(
      `${fixture('no-phone-column.csv')}:1: no column is named as the phone number (found "Nombre", "Correo", "Ciudad"): name the numbers' column in the first line with one of phone, telephone, tel, number, mobile, whatsapp, teléfono, número, celular, móvil, cel (any case, accents or not)`,
    )
    expect(error.problems).toEqual([{ line: 1, message: expect.stringContaining('no column is named') }])
  })

  it('a misspelt phone column is pointed at', () => {
    const read = () => parseContactList(Buffer.from('Nombre,Telfono\nAna,+52 55 1234 5678\n'), 'clientes.csv')
    expect(read).toThrow(/^clientes\.csv:1: .*\("Telfono" is close to "teléfono": check its spelling\)/)
  })

  it('an empty file (Excel writes only its byte-order mark)', async () => {
    const error = await refusal('empty-excel-utf8.csv')
    expect(error.message).toBe(
      `${fixture('empty-excel-utf8.csv')}:1: is empty: the first line must name the columns (e.g. "Teléfono,Nombre"), and each line after it be one client`,
    )
  })

  it('a comma typed inside a name without quotes: every such row, with its line', async () => {
    const error = await refusal('unquoted-comma.csv')
    expect(error.problems.map((p) => p.line)).toEqual([3, 4])
    expect(error.message.split('\n')[0]).toBe(
      `${fixture('unquoted-comma.csv')}:3: this row has 3 cells where the header names 2 columns: a cell with a comma in it must be written in double quotes ("García, Luis")`,
    )
  })

  it('a quote never closed: the line it opens on', async () => {
    const error = await refusal('unclosed-quote.csv')
    expect(error.message).toBe(
      `${fixture('unclosed-quote.csv')}:2: a double quote (") opens a cell in this row and is never closed, so the rest of the file would be one cell: close it, or delete it`,
    )
  })

  it('a file that is not there', async () => {
    const error = await refusal('missing.csv')
    expect(error.message).toBe(`${fixture('missing.csv')}:1: cannot be read (ENOENT): check the file's name and folder`)
  })
})

describe('the do-not-contact list', () => {
  it('one number a line and no header: every line is a number, blank lines skipped, bad ones with their lines', async () => {
    const list = await read('do-not-contact.csv', { headerOptional: true, defaultCountry: 'MX' })
    expect(list.clients).toEqual([
      { line: 1, phone: '525512345678' },
      { line: 2, phone: '5215587654321' },
      { line: 4, phone: '34612345678' },
      { line: 6, phone: '525587654321' },
    ])
    expect(list.invalid).toEqual([
      {
        line: 5,
        message: '"55 ••34" (6 digits) is too short for a phone number in MX (+52): check it, and write it in full with its country code',
      },
    ])
  })

  it('a client list must have its header: a first line that is a number is pointed at', async () => {
    const error = await refusal('do-not-contact.csv', { defaultCountry: 'MX' })
    expect(error.message).toMatch(/do-not-contact\.csv:1: .*; this line looks like a number: add a line above it naming the columns$/)
  })

  it('a do-not-contact list with a header is read by it', async () => {
    const list = await read('libreoffice-tab.csv', { headerOptional: true })
    expect(list.clients.map((c) => c.line)).toEqual([2, 3])
  })
})
