/**
 * `npm run export` as the owner runs it, on a data folder filled by real conversations: two CSV
 * files a spreadsheet opens, or one JSON document; --since, --what, --out; clear refusals.
 */
import { createHash } from 'node:crypto'
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parse } from 'csv-parse/sync'
import * as XLSX from 'xlsx'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { csvCell } from '../../src/app/export.js'
import type { CampaignPlan } from '../../src/domain/campaign.js'
import { openCampaignStore } from '../../src/main/campaign-store.js'
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
      [['--what', 'all'], /--what must be "ledger", "contacts", "campaigns" or "both"/],
      [['--out', '-'], /--out - writes one CSV part to the screen: add --what ledger or --what contacts/],
      [['--format'], /argument missing/],
      [['--dta-dir', 'x'], /Unknown option '--dta-dir'/],
      [['--tz', 'Mars/Olympus'], /--tz must be a time zone like America\/Mexico_City or UTC, not "Mars\/Olympus"/],
    ]
    for (const [args, message] of cases) expect(() => parseExportOptions(args, {}, ROOT), args.join(' ')).toThrow(message)
  })
})

/** A client on the owner's list who never wrote to the bot. */
const NEW_CLIENT = '5215599990001'
/** An owner's file named so that a spreadsheet would run it, were it written bare. */
const FORMULA_FILE = '=HYPERLINK("http://x","clic").csv'

function plan(id: string, createdAt: string, source: string, phones: string[]): CampaignPlan {
  return {
    id,
    createdAt,
    policyVersion: '2026-11-01',
    provider: 'whatsapp',
    pace: { kind: 'linked-device', minGapSeconds: 15, maxGapSeconds: 45, perDay: 150 },
    includeKnown: false,
    source,
    targets: phones.map((phone, i) => ({ phone, line: i + 2, language: 'es' as const })),
    skipped: [],
  }
}

describe('npm run export, with the notice campaigns', () => {
  let withCampaigns: string
  let before: Record<string, string>
  const flows = ['--flows-dir', join(ROOT, 'flows')]

  /**
   * Two campaigns kept by the store the bot keeps them in, on a copy of the folder the tests above
   * export. November's (made 11-19): MX, ES and US written to on the 19th, then MX and ES answered
   * yes to the service on the 20th and US had their data erased on the 21st; a client the bot never
   * met failed; paused by Meta's limit. October's: done on 10-02, one written to.
   */
  beforeAll(async () => {
    withCampaigns = tempDir()
    dirs.push(withCampaigns)
    cpSync(dataDir, withCampaigns, { recursive: true })
    const store = await openCampaignStore({ kind: 'files' }, { dataDir: withCampaigns })
    await store.create(plan('2026-10-01-old1', '2026-10-01T12:00:00.000Z', 'octubre.csv', [NEW_CLIENT]))
    await store.mark('2026-10-01-old1', 0, { state: 'sent', at: '2026-10-01T12:01:00.000Z' })
    await store.setStatus('2026-10-01-old1', { status: 'done', at: '2026-10-02T09:00:00.000Z' })
    const id = '2026-11-19-k7qm'
    await store.create(plan(id, '2026-11-19T12:00:00.000Z', FORMULA_FILE, [MX, ES, US, NEW_CLIENT]))
    await store.setStatus(id, { status: 'running', at: '2026-11-19T12:00:00.000Z' })
    for (const [i, at] of ['2026-11-19T12:00:10.000Z', '2026-11-19T12:00:40.000Z', '2026-11-19T12:01:10.000Z'].entries())
      await store.mark(id, i, { state: 'sent', at })
    await store.mark(id, 3, { state: 'failed', at: '2026-11-19T12:01:40.000Z', error: 'not on WhatsApp' })
    await store.setStatus(id, {
      status: 'paused',
      at: '2026-11-19T12:02:00.000Z',
      reason: "Meta's rate limit was reached (130429): wait an hour",
    })
    await store.close()
    // The bot writing its next line this very moment: a line not finished yet, which the export must leave alone.
    appendFileSync(join(withCampaigns, 'campaigns', `${id}.states.jsonl`), '{"target":3,"sta')
    before = snapshot(withCampaigns)
  })

  it('writes a third CSV file, one row per campaign with the figures the dashboard shows, and changes nothing in the data folder', async () => {
    const run = await runExport(['--data-dir', withCampaigns, ...flows, '--tz', 'America/Mexico_City'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const day = new Date().toISOString().slice(0, 10)
    const file = join(project, 'exports', `consent-campaigns-${day}.csv`)
    expect(run.stdout.split('\n').slice(-2)).toEqual([`2 campaigns → ${file}`, ''])
    expect(statSync(file).mode & 0o777).toBe(0o600)
    // Not even the line being written was touched.
    expect(snapshot(withCampaigns)).toEqual(before)

    const [header, ...rows] = (parse(readFileSync(file, 'utf8'), { bom: true }) as string[][]).map((row) => row.map(shown))
    expect(header).toEqual([
      'campaign',
      'source file',
      'created (UTC)',
      'created (local, America/Mexico_City)',
      'status',
      'status since (UTC)',
      'status since (local, America/Mexico_City)',
      'paused because',
      'total',
      'planned',
      'sending',
      'sent',
      'skipped',
      'failed',
      'delivered',
      'read',
      'answered',
      'given',
      'refused',
      'no answer yet',
    ])
    expect(rows).toEqual([
      [
        '2026-11-19-k7qm',
        FORMULA_FILE,
        '2026-11-19 12:00:00',
        '2026-11-19 06:00:00',
        'paused',
        '2026-11-19 12:02:00',
        '2026-11-19 06:02:00',
        "Meta's rate limit was reached (130429): wait an hour",
        // Four listed: three written to, one failed; MX and ES said yes since, US (erased) never answered.
        ...['4', '0', '0', '3', '0', '1', '0', '0', '2', '2', '0', '1'],
      ],
      [
        '2026-10-01-old1',
        'octubre.csv',
        '2026-10-01 12:00:00',
        '2026-10-01 06:00:00',
        'done',
        '2026-10-02 09:00:00',
        '2026-10-02 03:00:00',
        '',
        ...['1', '0', '0', '1', '0', '0', '0', '0', '0', '0', '0', '1'],
      ],
    ])
    // The file's name is text a spreadsheet shows as written, never a formula it runs.
    const raw = parse(readFileSync(file, 'utf8'), { bom: true }) as string[][]
    expect(raw[1]![1]).toMatch(/^="/)
  })

  it('adds a sheet "Campaigns" to the spreadsheet, numbers as numbers and times as dates, and the campaigns to the JSON document', async () => {
    const out = join(tempDir(), 'consent.xlsx')
    dirs.push(join(out, '..'))
    const run = await runExport(['--format', 'xlsx', '--out', out, '--tz', 'America/Mexico_City', '--data-dir', withCampaigns, ...flows])
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(`7 ledger records and 2 contacts and 2 campaigns → ${out}\n`)
    const book = XLSX.read(readFileSync(out), { cellFormula: true, cellNF: true })
    expect(book.SheetNames).toEqual(['Ledger', 'Contacts', 'Campaigns'])
    const sheet = book.Sheets.Campaigns!
    const header = XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1 })[0]!
    const at = (title: string, row: number) => sheet[`${XLSX.utils.encode_col(header.indexOf(title))}${row}`] as XLSX.CellObject
    expect(at('source file', 2)).toMatchObject({ t: 's', v: FORMULA_FILE })
    expect(at('campaign', 2)).toMatchObject({ t: 's', v: '2026-11-19-k7qm' })
    expect(at('sent', 2)).toMatchObject({ t: 'n', v: 3 })
    expect(at('given', 2)).toMatchObject({ t: 'n', v: 2 })
    expect(at('no answer yet', 2)).toMatchObject({ t: 'n', v: 1 })
    expect(at('created (local, America/Mexico_City)', 2).t).toBe('n')
    expect(XLSX.SSF.is_date(at('created (local, America/Mexico_City)', 2).z as string)).toBe(true)
    expect(at('paused because', 3)).toBeUndefined()
    for (const [ref, cell] of Object.entries(sheet)) if (!ref.startsWith('!')) expect((cell as XLSX.CellObject).f, ref).toBeUndefined()

    const json = await runExport(['--format', 'json', '--out', '-', '--data-dir', withCampaigns, ...flows])
    expect(json.code).toBe(0)
    const document = JSON.parse(json.stdout)
    expect(document.campaigns.map((c: { id: string }) => c.id)).toEqual(['2026-11-19-k7qm', '2026-10-01-old1'])
    expect(document.campaigns[0]).toMatchObject({
      source: FORMULA_FILE,
      status: { status: 'paused', reason: "Meta's rate limit was reached (130429): wait an hour" },
      total: 4,
      counts: { planned: 0, sending: 0, sent: 3, skipped: 0, failed: 1 },
      figures: { delivered: 0, read: 0, answered: 2, given: 2, refused: 0, noAnswer: 1 },
    })
  })

  it('writes the campaigns alone with --what campaigns, and keeps to those made or still going --since a day', async () => {
    const run = await runExport(['--what', 'campaigns', '--out', '-', '--since', '2026-11-01', '--data-dir', withCampaigns, ...flows])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const [, ...rows] = parse(run.stdout, { bom: true }) as string[][]
    // October's was done before November: left out.
    expect(rows.map((r) => r[0])).toEqual(['2026-11-19-k7qm'])

    // A business that never ran one gets an empty table when it asks for it, and its two files otherwise (above).
    const none = await runExport(['--what', 'campaigns', '--out', '-', '--data-dir', dataDir])
    expect(none.code).toBe(0)
    expect(parse(none.stdout, { bom: true })).toHaveLength(1)
  })

  it('says so when policy.yaml cannot be read: the ledger and the contacts still go out, and the exit status is 1', async () => {
    const out = join(tempDir(), 'report.csv')
    dirs.push(join(out, '..'))
    const missing = join(out, '..', 'no-flows')
    const run = await runExport(['--out', out, '--data-dir', withCampaigns, '--flows-dir', missing])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `npm run export: ${missing}/policy.yaml could not be read (run npm run check; --flows-dir names another folder): the campaigns' answers are counted against its required purposes\n`,
    )
    expect(existsSync(out.replace(/\.csv$/, '-ledger.csv'))).toBe(true)
    expect(existsSync(out.replace(/\.csv$/, '-contacts.csv'))).toBe(true)
    expect(existsSync(out.replace(/\.csv$/, '-campaigns.csv'))).toBe(false)

    const alone = await runExport(['--what', 'campaigns', '--out', out, '--data-dir', withCampaigns, '--flows-dir', missing])
    expect(alone.code).toBe(1)
    expect(alone.stdout).toBe('')
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
