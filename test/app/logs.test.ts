/**
 * The logs of whole scripted runs carry no phone number (in any formatting), no message text and
 * no handle a contact typed: first through the real bridge with a real logger at debug level,
 * then the CLI (`npm start`) on piped input, whose stderr and log files are scanned.
 */
import { createHash, createHmac } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { contactRef, createLogger, maskPersonalData, useLogKey } from '../../src/app/logger.js'
import type { Messenger } from '../../src/ports/messenger.js'
import { RecordingProvider, removeDir, ROOT, tempDir } from '../support/chat.js'
import { runScript } from '../support/run-script.js'

const MX = '5215512345678'
const ES = '34612345678'
const US = '14155552671'
const LID = '987654321098765@lid'
const FLOODER = '447700900123'

/** What each contact writes, in order: consent, a channel with a handle, a withdrawal, bad input. */
const SCRIPTS: Record<string, string[]> = {
  [MX]: ['Hola, soy Ana López', 'sí', 'sí', 'email', 'ana.lopez@example.com', 'sí', 'BAJA'],
  [ES]: ['Buenas tardes', 'sí', 'no', 'sms', '+34 699 12 34 56', 'sí'],
  [US]: ['hi there', 'yes', 'no', 'telegram', '{{business}} <script>alert(1)</script>', 'STOP'],
  [LID]: ['hola', 'sí', 'no', 'llamada', '+52 55 9876 5432', 'sí'],
}
/** Every phone number in play: the contacts' own and those they typed as handles. */
const PHONES = [MX, ES, US, '987654321098765', '34699123456', '525598765432']
const TYPED = ['ana.lopez@example.com', 'Ana López', 'alert(1)', 'Hola, soy Ana López', 'Buenas tardes', 'hi there']

/** A phone number written any way: digits with any separators between them, a + or not. */
function phonePatterns(phone: string): RegExp[] {
  // The whole number and the part after a (1–3 digit) country code.
  const tails = [phone, phone.slice(1), phone.slice(2), phone.slice(3)].filter((p) => p.length >= 7)
  return tails.map((digits) => new RegExp(digits.split('').join('[\\s()+.\\-]*')))
}

/** Everything in a log line that could carry personal data: all of it but the timestamp. */
function scannable(line: string): { text: string; strings: string[] } {
  const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>
  const strings: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v)
    else if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  walk(rest)
  return { text: JSON.stringify(rest), strings }
}

/** The problems in a set of log lines, as readable strings (none expected). */
function leaks(lines: string[], messages: string[]): string[] {
  const found: string[] = []
  for (const line of lines) {
    const { text, strings } = scannable(line)
    for (const phone of PHONES) if (phonePatterns(phone).some((p) => p.test(text))) found.push(`phone ${phone} in ${line}`)
    for (const typed of TYPED) if (text.toLowerCase().includes(typed.toLowerCase())) found.push(`"${typed}" in ${line}`)
    // A one-word message ("sí", "email", "BAJA") is a word any log could hold: only a value that
    // is that word is a leak. Anything longer may not appear anywhere.
    for (const message of messages) {
      if (/\s/.test(message.trim()) || message.length > 20 ? strings.some((s) => s.includes(message)) : strings.includes(message))
        found.push(`message "${message}" in ${line}`)
    }
  }
  return found
}

describe('the logs of a whole scripted run through the bridge', () => {
  const dirs: string[] = []
  const bots: RunningBot[] = []
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.close()
    dirs.splice(0).forEach(removeDir)
  })

  it('carry no phone number, message text or typed handle, even in errors from elsewhere', async () => {
    const dataDir = tempDir()
    dirs.push(dataDir)
    const lines: string[] = []
    const provider = new RecordingProvider()
    let failOnce = true
    // A sending error whose message names the recipient, as a WhatsApp library's may.
    const messenger: Messenger = {
      async send(to, text) {
        if (to === ES && failOnce) {
          failOnce = false
          throw new Error(`could not send to +${ES.slice(0, 2)} ${ES.slice(2)} (${ES}@s.whatsapp.net)`)
        }
        await provider.sendMessage(to, text)
      },
    }
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider,
      messenger,
      logger: createLogger('debug', (line) => lines.push(line)),
    })
    bots.push(bot)

    let id = 0
    const say = async (from: string, payload: Record<string, unknown>) => {
      provider.emit('message', { from, name: 'Ana López', key: { id: `LOG-${++id}` }, ...payload } as never)
      await bot.settled()
    }
    const longest = Math.max(...Object.values(SCRIPTS).map((s) => s.length))
    for (let step = 0; step < longest; step++) {
      for (const [from, script] of Object.entries(SCRIPTS)) if (script[step] !== undefined) await say(from, { body: script[step] })
    }
    await say(MX, { body: '_event_media__3f1c9a52-6d2e-4b8a-9c1d-2e3f4a5b6c7d' })
    await say(US, { body: 'x'.repeat(5000) })
    // A flood: one note, the rest dropped (and counted in the log, never quoted).
    for (let i = 0; i < 30; i++)
      provider.emit('message', { from: FLOODER, key: { id: `FLOOD-${i}` }, body: `spam ${i} llámame al 5215512345678` } as never)
    await bot.settled()
    await bot.close()

    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event)
    // The run did reach the paths whose log lines are checked.
    expect(events).toEqual(expect.arrayContaining(['message.handled', 'message.failed', 'message.rate_limited']))
    expect(lines.length).toBeGreaterThan(25)
    const messages = [...Object.values(SCRIPTS).flat(), 'x'.repeat(5000), ...Array.from({ length: 30 }, (_, i) => `spam ${i}`)]
    expect(leaks(lines, messages)).toEqual([])
  })
})

describe('text from elsewhere in a log line', () => {
  it('has phone numbers, WhatsApp ids and email addresses masked, and keeps what helps find a fault', () => {
    expect(maskPersonalData('could not send to +52 1 55 1234 5678, 5215512345678:12@s.whatsapp.net or 987654321098765@lid')).toBe(
      'could not send to [number], [number] or [number]',
    )
    expect(maskPersonalData('bounce from ana.lopez@example.com')).toBe('bounce from [email]')
    expect(maskPersonalData('Connection closed. Status: 428, Reason: Connection Terminated')).toBe(
      'Connection closed. Status: 428, Reason: Connection Terminated',
    )
    expect(maskPersonalData('EACCES: permission denied, open consent-db.json')).toBe('EACCES: permission denied, open consent-db.json')
  })

  it('is masked only in the fields that carry it', () => {
    const lines: string[] = []
    createLogger('info', (l) => lines.push(l)).error('message.failed', {
      contact: '123456789012',
      error: 'to 5215512345678',
      records: 1234567,
    })
    expect(JSON.parse(lines[0]!)).toMatchObject({ contact: '123456789012', error: 'to [number]', records: 1234567 })
  })
})

function runCli(args: string[], input: string) {
  return runScript('src/main/start.ts', args, { input })
}

describe('the logs of the CLI on piped input', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach(removeDir))

  it('carry no phone number, message text or typed handle on stderr or in the runtime folder', async () => {
    const dataDir = tempDir()
    dirs.push(dataDir)
    const script = SCRIPTS[MX]!.slice(0, -1).concat(['/image', '{{business}} <script>alert(1)</script>', '4', 'BAJA'])
    const run = await runCli(['--from', MX, '--data-dir', dataDir, '--log-level', 'debug'], `${script.join('\n')}\n`)
    expect(run.code).toBe(0)
    // The conversation did happen (replies on stdout), and was logged at debug level on stderr.
    expect(run.stdout).toMatch(/Te contactaremos por \*Correo electrónico\* en: \*ana\.lopez@example\.com\*/)
    const lines = run.stderr.split('\n').filter(Boolean)
    expect(lines.filter((l) => l.includes('"message.handled"')).length).toBe(script.length)
    expect(
      leaks(
        lines,
        script.filter((s) => !s.startsWith('/')),
      ),
    ).toEqual([])

    // What BuilderBot and Baileys write into the working directory is checked as text.
    const runtime = join(dataDir, 'runtime')
    for (const file of readdirSync(runtime).filter((f) => f.endsWith('.log'))) {
      const text = readFileSync(join(runtime, file), 'utf8')
      for (const phone of PHONES) for (const pattern of phonePatterns(phone)) expect(text).not.toMatch(pattern)
      for (const typed of [...TYPED, ...script.filter((s) => s.length >= 4 && !s.startsWith('/'))]) expect(text).not.toContain(typed)
    }
  })

  it("name contacts by an id keyed with the data folder's secret (data/log-key): stable across runs, not found by trying numbers", async () => {
    const dataDir = tempDir()
    dirs.push(dataDir)
    const idsOf = (stderr: string) =>
      new Set(
        stderr
          .split('\n')
          .filter((l) => l.includes('"message.handled"'))
          .map((l) => (JSON.parse(l) as { contact: string }).contact),
      )
    const first = await runCli(['--from', MX, '--data-dir', dataDir, '--log-level', 'debug'], 'hola\n')
    expect(first.code).toBe(0)
    const keyFile = join(dataDir, 'log-key')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const key = readFileSync(keyFile, 'utf8').trim()
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    const keyed = createHmac('sha256', Buffer.from(key, 'hex')).update(MX).digest('hex').slice(0, 12)
    expect(idsOf(first.stderr)).toEqual(new Set([keyed]))
    // The unkeyed hash of before: anyone could find the number by hashing every number.
    expect(keyed).not.toBe(createHash('sha256').update(`consent-bot:${MX}`).digest('hex').slice(0, 12))

    const second = await runCli(['--from', MX, '--data-dir', dataDir, '--log-level', 'debug'], 'sí\n')
    expect(idsOf(second.stderr)).toEqual(new Set([keyed]))
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key)

    // Deleting the key cuts the ids logged before from the number: a new key, new ids.
    rmSync(keyFile)
    const third = await runCli(['--from', MX, '--data-dir', dataDir, '--log-level', 'debug'], 'hola\n')
    expect(third.code).toBe(0)
    expect(idsOf(third.stderr).has(keyed)).toBe(false)
  })
})

describe('contact ids in the log', () => {
  it('depend on the key: the same number gives another id under another key, and a key under 32 bytes is refused', () => {
    useLogKey(Buffer.alloc(32, 1))
    const one = contactRef(MX)
    expect(contactRef(MX)).toBe(one)
    expect(one).toMatch(/^[0-9a-f]{12}$/)
    useLogKey(Buffer.alloc(32, 2))
    expect(contactRef(MX)).not.toBe(one)
    expect(() => useLogKey(Buffer.alloc(16))).toThrow(/at least 32 bytes/)
  })
})
