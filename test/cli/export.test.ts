/**
 * `npm run export` as the owner runs it, on a data folder filled by real conversations: two CSV
 * files a spreadsheet opens, or one JSON document; --since, --what, --out; clear refusals.
 */
import { createHash } from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from 'csv-parse/sync'
import * as XLSX from 'xlsx'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { csvCell } from '../../src/app/export.js'
import { parseExportOptions } from '../../src/main/commands/export.js'
import { ES, MX, openTestBot, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { runScript } from '../support/run-script.js'

/** Runs in a project folder of the test's own (`project`), so that exports/ is never this repository's. */
function runExport(args: string[], cwd = project) {
  return runScript('src/main/commands/export.ts', args, { cwd, env: { ...process.env, DATA_DIR: '' } })
}

/** CSV as a spreadsheet reads it (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(cell), (cell = '')
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++
    } else cell += c
  }
  return rows
}

/**
 * A cell as a spreadsheet shows it. The only formula an export may hold is a text constant
 * (`="…"`, pieces joined by `&`, CHAR(n)): anything else fails the test.
 */
function shown(cell: string): string {
  if (!cell.startsWith('=')) return cell
  const piece = /^(?:"((?:[^"]|"")*)"|CHAR\((\d+)\))(&|$)/
  let rest = cell.slice(1)
  let text = ''
  while (rest) {
    const match = piece.exec(rest)
    if (!match) throw new Error(`a formula that is not a text constant: ${cell}`)
    text += match[2] ? String.fromCharCode(Number(match[2])) : match[1]!.replaceAll('""', '"')
    rest = rest.slice(match[0].length)
  }
  return text
}

/**
 * What a spreadsheet's CSV import makes of a cell (Excel's, LibreOffice's and Google Sheets'
 * guesses, all together): a formula, a number, a date or time, a truth value, or text.
 */
function readAs(cell: string): 'formula' | 'number' | 'date' | 'boolean' | 'text' {
  const t = cell.trim()
  if (/^[=+\-@]/.test(cell)) return 'formula'
  if (/^\(?[$€£¥]?[\d.,\s]*\d[\d.,\s]*([eE][+-]?\d+)?%?\)?$/.test(t)) return 'number'
  if (/^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/.test(t) || /^\d{1,2}:\d{2}/.test(t)) return 'date'
  if (/\d/.test(t) && /^[\d\s.,/-]*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|ene|abr|ago|dic)[a-z]*\.?[\d\s.,/-]*$/i.test(t))
    return 'date'
  if (/^(true|false|verdadero|falso)$/i.test(t)) return 'boolean'
  return 'text'
}

/** Every file of the data folder and its digest, to show that an export changes nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex')
    }
  }
  walk(dir)
  return files
}

let dataDir: string
let project: string
const dirs: string[] = []

beforeAll(async () => {
  project = tempDir()
  dirs.push(project)
  let now = new Date('2026-11-20T10:00:00Z')
  const bot = await openTestBot({ clock: () => now })
  dataDir = bot.dataDir
  dirs.push(dataDir)
  // 11-20: Ana (MX) agrees to the service in her own words, declines offers, gives her email;
  // Eva (ES) agrees to both and keeps her own number for SMS.
  for (const text of ['hola', 'Sí, claro', 'no', 'email', 'ana@example.com', 'sí']) await bot.chat(MX).say(text)
  now = new Date('2026-11-20T15:00:00Z')
  for (const text of ['hola', 'sí', 'sí', 'sms', 'mismo', 'sí']) await bot.chat(ES).say(text)
  // 11-21: Tom (US) answers both, stays on WhatsApp, then has his data erased.
  now = new Date('2026-11-21T12:00:00Z')
  for (const text of ['hi', 'yes', 'no', 'whatsapp', 'delete', 'yes']) await bot.chat(US).say(text)
  await bot.close()
}, 60_000)

afterAll(() => dirs.forEach(removeDir))

describe('npm run export', () => {
  it('writes the ledger and the contacts as two CSV files a spreadsheet opens, and changes nothing else', async () => {
    const before = snapshot(dataDir)
    const run = await runExport(['--data-dir', dataDir, '--tz', 'America/Mexico_City'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const day = new Date().toISOString().slice(0, 10)
    const ledgerFile = join(project, 'exports', `consent-ledger-${day}.csv`)
    const contactsFile = join(project, 'exports', `consent-contacts-${day}.csv`)
    expect(run.stdout).toBe(`7 ledger records → ${ledgerFile}\n2 contacts → ${contactsFile}\n`)
    // Phone numbers inside: readable by the owner's account only.
    expect(statSync(ledgerFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(project, 'exports')).mode & 0o777).toBe(0o700)
    // Not one byte of the data folder changed, and nothing was added to it.
    expect(snapshot(dataDir)).toEqual(before)

    const ledgerText = readFileSync(ledgerFile, 'utf8')
    // Excel needs the byte-order mark to read UTF-8 ("Sí" rather than "SÃ­").
    expect(ledgerText.startsWith('\uFEFF')).toBe(true)
    const [header, ...records] = parseCsv(ledgerText.slice(1)).map((row) => row.map(shown))
    expect(header).toEqual([
      'seq',
      'receipt',
      'time (UTC)',
      'time (local, America/Mexico_City)',
      'day (local, America/Mexico_City)',
      'event',
      'purposes',
      'service after',
      'marketing after',
      'policy version',
      'notice hash',
      'language',
      'collection method',
      'message id',
      'contact',
      'answer',
      'pseudonym',
    ])
    expect(records.map((r) => [r[5], r[6], r[14]])).toEqual([
      ['given', 'service', MX],
      ['refused', 'marketing', MX],
      ['given', 'service', ES],
      ['given', 'marketing', ES],
      // Tom's records stay, without his number or words: his data was erased.
      ['given', 'service', ''],
      ['refused', 'marketing', ''],
      ['erased', '', ''],
    ])
    const [first] = records
    // Ana answered at 10:00 UTC, 04:00 in Mexico City.
    expect(first!.slice(2, 5)).toEqual(['2026-11-20 10:00:00', '2026-11-20 04:00:00', '2026-11-20'])
    expect(first!.slice(7, 13)).toEqual(['given', '', '2026-11-01', expect.stringMatching(/^[0-9a-f]{64}$/), 'es', 'whatsapp-chat'])
    // The answer word for word, comma and all, in one cell.
    expect(first![15]).toBe('Sí, claro')
    expect(records[1]!.slice(7, 9)).toEqual(['given', 'refused'])
    expect(new Set(records.slice(4).map((r) => r[16])).size).toBe(1)

    const [contactsHeader, ...contacts] = parseCsv(readFileSync(contactsFile, 'utf8').slice(1)).map((row) => row.map(shown))
    const local = (what: string) => `${what} (local, America/Mexico_City)`
    expect(contactsHeader).toEqual([
      'contact',
      'language',
      'first seen (UTC)',
      local('first seen'),
      'last seen (UTC)',
      local('last seen'),
      'policy version',
      'service',
      'service since (UTC)',
      local('service since'),
      'marketing',
      'marketing since (UTC)',
      local('marketing since'),
      'channel',
      'channel handle or link',
      'channel since (UTC)',
      local('channel since'),
      'step',
      'pseudonym',
    ])
    expect(contacts.map((c) => [c[0], c[7], c[10], c[13], c[14]])).toEqual([
      [MX, 'given', 'refused', 'email', 'ana@example.com'],
      // A handle a spreadsheet would run as a formula is shown as written, without an apostrophe.
      [ES, 'given', 'given', 'sms', `+${ES}`],
    ])
  })

  it('writes CSV a spreadsheet import reads as typed: text stays text, times are dates, nothing runs', async () => {
    const out = join(tempDir(), 'typed.csv')
    dirs.push(join(out, '..'))
    const run = await runExport(['--out', out, '--tz', 'America/Mexico_City', '--data-dir', dataDir])
    expect(run.code).toBe(0)
    for (const part of ['ledger', 'contacts']) {
      const text = readFileSync(out.replace(/\.csv$/, `-${part}.csv`), 'utf8')
      const [header, ...rows] = parse(text, { bom: true, relax_column_count: false }) as string[][]
      expect(rows.length).toBeGreaterThan(1)
      for (const row of rows)
        header!.forEach((title, i) => {
          const cell = row[i]!
          if (cell === '') return
          const as = readAs(cell)
          if (title === 'seq') expect(as, `${title}: ${cell}`).toBe('number')
          else if (/^(time|day|.* since|first seen|last seen)\b.*\((UTC|local, .*)\)$/.test(title))
            expect(as, `${title}: ${cell}`).toBe('date')
          // Anything else is text: as it is, or a text constant (`="…"`) for what would be misread.
          else if (as === 'formula') expect(readAs(shown(cell)), `${title}: ${cell}`).not.toBe('text')
          else expect(as, `${title}: ${cell}`).toBe('text')
        })
      if (part === 'ledger') {
        const first = rows[0]!.map(shown)
        expect(first[header!.indexOf('contact')]).toBe(MX)
        expect(rows[0]![header!.indexOf('contact')]).toBe(`="${MX}"`)
        expect(rows[0]![header!.indexOf('policy version')]).toBe('="2026-11-01"')
      }
    }
  })

  it('writes a spreadsheet with --format xlsx: phone numbers and versions as text, times as dates, no formula', async () => {
    const out = join(tempDir(), 'consent.xlsx')
    dirs.push(join(out, '..'))
    const run = await runExport(['--format', 'xlsx', '--out', out, '--tz', 'America/Mexico_City', '--data-dir', dataDir])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`7 ledger records and 2 contacts → ${out}\n`)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    // Read back with another library than the one that wrote it (SheetJS).
    const book = XLSX.read(readFileSync(out), { cellFormula: true, cellNF: true })
    expect(book.SheetNames).toEqual(['Ledger', 'Contacts'])
    const ledger = book.Sheets.Ledger!
    const column = (sheet: XLSX.WorkSheet, title: string) => {
      const header = XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1 })[0]!
      expect(header, title).toContain(title)
      return XLSX.utils.encode_col(header.indexOf(title))
    }
    const at = (sheet: XLSX.WorkSheet, title: string, row: number) => sheet[`${column(sheet, title)}${row}`] as XLSX.CellObject
    expect(at(ledger, 'seq', 2)).toMatchObject({ t: 'n', v: 1 })
    expect(at(ledger, 'contact', 2)).toMatchObject({ t: 's', v: MX })
    expect(at(ledger, 'policy version', 2)).toMatchObject({ t: 's', v: '2026-11-01' })
    expect(at(ledger, 'receipt', 2)).toMatchObject({ t: 's', v: expect.stringMatching(/^[A-Z0-9-]+$/) })
    expect(at(ledger, 'answer', 2)).toMatchObject({ t: 's', v: 'Sí, claro' })
    // Dates: a date-formatted number, the wall-clock time in UTC and in Mexico City.
    const date = (cell: XLSX.CellObject) => {
      expect(cell.t).toBe('n')
      expect(XLSX.SSF.is_date(cell.z as string), String(cell.z)).toBe(true)
      const d = XLSX.SSF.parse_date_code(cell.v as number)
      const two = (n: number) => String(n).padStart(2, '0')
      return `${d.y}-${two(d.m)}-${two(d.d)} ${two(d.H)}:${two(d.M)}:${two(Math.round(d.S))}`
    }
    expect(date(at(ledger, 'time (UTC)', 2))).toBe('2026-11-20 10:00:00')
    expect(date(at(ledger, 'time (local, America/Mexico_City)', 2))).toBe('2026-11-20 04:00:00')
    expect(date(at(ledger, 'day (local, America/Mexico_City)', 2))).toBe('2026-11-20 00:00:00')
    const contacts = book.Sheets.Contacts!
    expect(at(contacts, 'contact', 3)).toMatchObject({ t: 's', v: ES })
    // Text a spreadsheet would run as a formula is a text cell, shown as written.
    expect(at(contacts, 'channel handle or link', 3)).toMatchObject({ t: 's', v: `+${ES}` })
    expect(date(at(contacts, 'last seen (UTC)', 3))).toBe('2026-11-20 15:00:00')
    for (const sheet of Object.values(book.Sheets))
      for (const [ref, cell] of Object.entries(sheet)) if (!ref.startsWith('!')) expect((cell as XLSX.CellObject).f, ref).toBeUndefined()
  })

  it('writes one JSON document with --format json --out', async () => {
    const out = join(tempDir(), 'all.json')
    dirs.push(join(out, '..'))
    const run = await runExport(['--format', 'json', '--out', out, '--data-dir', dataDir])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`7 ledger records and 2 contacts → ${out}\n`)
    const json = JSON.parse(readFileSync(out, 'utf8'))
    expect(json.schema).toBe('consent-export/1')
    expect(json.ledger).toHaveLength(7)
    expect(json.ledger[0]).toMatchObject({
      seq: 1,
      event: 'given',
      purposes: ['service'],
      consents: { service: 'given' },
      contact: MX,
      answer: 'Sí, claro',
      policyVersion: '2026-11-01',
      language: 'es',
      collectionMethod: 'whatsapp-chat',
    })
    expect(json.ledger.at(-1)).toMatchObject({ event: 'erased', contact: null, answer: null })
    expect(json.contacts.map((c: { contact: string }) => c.contact)).toEqual([MX, ES])
    expect(json.contacts[1]).toMatchObject({
      language: 'es',
      consents: { marketing: { state: 'given' } },
      channel: { channel: 'sms', handle: `+${ES}` },
      step: 'settled',
    })
  })

  it('writes outside the data folder by default (exports/, git-ignored): an erasure leaves no copy in data/, the owner keeps theirs', async () => {
    // A copy of the data folder, so the erasure below leaves the other tests' data as it was.
    const data = tempDir()
    dirs.push(data)
    cpSync(dataDir, data, { recursive: true })
    const run = await runExport(['--what', 'contacts', '--data-dir', data])
    expect(run.code).toBe(0)
    const day = new Date().toISOString().slice(0, 10)
    const copy = join(project, 'exports', `consent-contacts-${day}.csv`)
    expect(run.stdout).toBe(`2 contacts → ${copy}\n`)

    // Ana asks to have her data erased.
    const bot = await openTestBot({ dataDir: data })
    for (const text of ['borrar', 'sí']) await bot.chat(MX).say(text)
    await bot.close()
    const holding = (dir: string) =>
      Object.keys(snapshot(dir)).filter((file) => {
        const text = readFileSync(join(dir, file), 'utf8')
        return text.includes(MX) || text.includes('ana@example.com')
      })
    expect(holding(data)).toEqual([])
    // The export is the owner's own copy, out of the erasure's reach, as the README says.
    expect(readFileSync(copy, 'utf8')).toContain('ana@example.com')
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    expect(readme).toMatch(/npm run export {2,}# exports\/consent-ledger-<day>\.csv/)
    expect(readme).toMatch(/an\s+erasure\s+\(BORRAR \/ DELETE\) does not reach them/)
    // Never committed.
    expect(spawnSync('git', ['check-ignore', '-q', 'exports/consent-ledger-2026-11-20.csv'], { cwd: ROOT }).status).toBe(0)
  }, 30_000)

  it('writes everything into a pipe read slowly, and fails (exit 1) when the reader goes away', async () => {
    // A ledger far bigger than a pipe holds (64 KB).
    const data = tempDir()
    dirs.push(data)
    const bot = await openTestBot({ dataDir: data })
    for (let i = 0; i < 120; i++) for (const text of ['hola', 'sí', 'no']) await bot.chat(`52155${String(10000000 + i)}`).say(text)
    await bot.close()
    // Through a shell pipe, as an owner would: a reader that sleeps before it reads (a pipe holds
    // 64 KB; Node's own child-process pipes read eagerly and would hide the problem), and one that
    // goes away after 100 bytes.
    const command = [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src/main/commands/export.ts')]
      .concat(['--what', 'ledger', '--format', 'json', '--out', '-', '--data-dir', data])
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(' ')
    const piped = (reader: string) =>
      new Promise<{ stdout: Buffer; stderr: string }>((resolve, reject) => {
        const shell = spawn('bash', ['-c', `${command} | ${reader}; echo "export exited \${PIPESTATUS[0]}" >&2`], {
          cwd: project,
          env: { ...process.env, DATA_DIR: '' },
        })
        const out: Buffer[] = []
        let stderr = ''
        shell.stdout.on('data', (chunk: Buffer) => out.push(chunk))
        shell.stderr.on('data', (chunk) => (stderr += chunk))
        shell.on('error', reject)
        shell.on('close', () => resolve({ stdout: Buffer.concat(out), stderr }))
      })

    const slow = await piped('{ sleep 0.5; cat; }')
    expect(slow.stderr).toBe('export exited 0\n')
    expect(slow.stdout.length).toBeGreaterThan(2 * 65_536)
    expect(JSON.parse(slow.stdout.toString('utf8')).ledger).toHaveLength(240)

    const gone = await piped('head -c 100 >/dev/null')
    expect(gone.stderr).toBe('npm run export: the output could not be written whole (EPIPE)\nexport exited 1\n')
  }, 60_000)

  it('keeps to records from --since on, and writes one part to the screen with --out -', async () => {
    const run = await runExport(['--since', '2026-11-21', '--what', 'ledger', '--out', '-', '--data-dir', dataDir])
    expect(run.code).toBe(0)
    const [, ...records] = parseCsv(run.stdout.slice(1))
    expect(records.map((r) => r[5])).toEqual(['given', 'refused', 'erased'])

    const contacts = await runExport([
      '--since',
      '2026-11-20T12:00:00Z',
      '--what',
      'contacts',
      '--format',
      'json',
      '--out',
      '-',
      '--data-dir',
      dataDir,
    ])
    // Ana was last seen at 10:00, Eva after noon.
    expect(JSON.parse(contacts.stdout).contacts.map((c: { contact: string }) => c.contact)).toEqual([ES])
  })

  it('says what is wrong with an option, or with the data folder', async () => {
    const empty = tempDir()
    dirs.push(empty)
    const bad = await runExport(['--format', 'xls'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^npm run export: --format must be "csv", "xlsx" or "json", not "xls"\n\nUsage: npm run export/)
    const missing = await runExport(['--data-dir', join(empty, 'nothing-here')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/nothing-here: there is no such folder; give the bot's data folder with --data-dir/)
    expect(missing.stdout).toBe('')

    const cases: [string[], RegExp][] = [
      [['--since', 'last week'], /--since must be a date like 2026-11-01/],
      [['--since', '2026-02-30'], /--since must be a date/],
      [['--what', 'all'], /--what must be "ledger", "contacts" or "both"/],
      [['--out', '-'], /--out - writes one CSV part to the screen: add --what ledger or --what contacts/],
      [['--format'], /argument missing/],
      [['--dta-dir', 'x'], /Unknown option '--dta-dir'/],
      [['--tz', 'Mars/Olympus'], /--tz must be a time zone like America\/Mexico_City or UTC, not "Mars\/Olympus"/],
    ]
    for (const [args, message] of cases) expect(() => parseExportOptions(args, {}, ROOT), args.join(' ')).toThrow(message)
  })
})

describe('a CSV cell', () => {
  it('cannot smuggle a formula into a spreadsheet', () => {
    expect(csvCell('=HYPERLINK("http://x","click")')).toBe(`"=""=HYPERLINK(""""http://x"""",""""click"""")"""`)
    expect(csvCell('@SUM(A1)')).toBe(`"=""@SUM(A1)"""`)
    expect(csvCell('-1+2')).toBe(`"=""-1+2"""`)
    expect(csvCell('=1\n=2')).toBe(`"=""=1""&CHAR(10)&""=2"""`)
    // Longer than a formula may be: the apostrophe, as before.
    expect(csvCell(`=${'x'.repeat(9000)}`)).toBe(`'=${'x'.repeat(9000)}`)
    for (const text of ['=HYPERLINK("http://x","click")', '-1+2', `+${'"'.repeat(300)}`, '@a\tb\r\nc', '5215512345678'])
      expect(shown(parse(csvCell(text))[0]![0]!), text).toBe(text)
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell('Sí.')).toBe('Sí.')
    // What a spreadsheet would take for a number, a date or a truth value stays text.
    expect(csvCell('5215512345678')).toBe(`"=""5215512345678"""`)
    expect(csvCell('2026-11-01')).toBe(`"=""2026-11-01"""`)
    expect(csvCell('TRUE')).toBe(`"=""TRUE"""`)
    expect(csvCell('1 nov')).toBe(`"=""1 nov"""`)
    expect(csvCell('K7QM-3XD9-2F')).toBe('K7QM-3XD9-2F')
    expect(csvCell({ wall: '2026-11-20 04:00:00' })).toBe('2026-11-20 04:00:00')
    expect(csvCell(12)).toBe('12')
    expect(csvCell(null)).toBe('')
  })
})
