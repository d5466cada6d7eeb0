/**
 * `npm start` in piped mode, as a separate process: each line is one message from --from,
 * every reply goes to stdout, and at end of input it exits 0 once all is answered and saved.
 */
import { cpSync, existsSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readDatabase, removeDir, ROOT, tempDir } from './support/chat.js'
import { runScript } from './support/run-script.js'

function runBot(args: string[], input: string, cwd = ROOT) {
  return runScript('src/main/start.ts', args, { input, cwd })
}

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach(removeDir))
function dataDir() {
  const dir = tempDir()
  dirs.push(dir)
  return dir
}

describe('the console provider, piped', () => {
  it('answers every line, exits 0, and has saved everything', async () => {
    const dir = dataDir()
    const run = await runBot(['--from', '5215512345678', '--data-dir', dir], 'hola\nsí\nno\nemail\nana@example.com\nsí\n')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^¡Hola! 👋 Te escribe el asistente de \*Tienda Ejemplo\*\./)
    expect(run.stdout).toMatch(/De acuerdo, no te enviaremos ofertas\./)
    expect(run.stdout.trimEnd()).toMatch(
      /Canal preferido: Correo electrónico \(ana@example\.com\)\nTu comprobante: \*[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}\*\.\nEscríbenos cuando quieras: [^\n]*\*BAJA\* los retira todos\.\nTu mensaje ha llegado a nuestro equipo[^\n]*$/,
    )
    const db = readDatabase(dir)
    expect(db.ledger.map((r) => r.event)).toEqual(['given', 'refused'])
    expect(db.contacts['5215512345678']!.channel).toMatchObject({ channel: 'email', handle: 'ana@example.com' })
    // BuilderBot's own log files land in the data directory, not in the project.
    expect(readdirSync(join(dir, 'runtime'))).toContain('core.class.log')
    // Every folder and file in the data directory is the owner's alone.
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? [join(d, n), ...walk(join(d, n))] : [join(d, n)]))
    for (const path of [dir, ...walk(dir)]) expect((statSync(path).mode & 0o077).toString(8), path).toBe('0')
  })

  it('/staff <text> is the staff writing from the phone: the bot stays out of the chat, and BAJA still works', async () => {
    const dir = dataDir()
    const run = await runBot(
      ['--from', '5215512345678', '--data-dir', dir],
      'hola\n/staff Hola, soy Marta de la tienda. ¿En qué te ayudo?\nsí, la camiseta roja\nbaja\n',
    )
    expect(run.code).toBe(0)
    const replies = run.stdout.trimEnd().split('\n')
    // The greeting and its question, then nothing until BAJA: the staff line and the answer to Marta get no reply.
    expect(replies.at(-2)).toBe('Responde *SÍ* o *NO*.')
    expect(replies.at(-1)).toMatch(/^Hecho: has retirado tu permiso/)
    expect(run.stdout).not.toContain('Marta')
    const db = readDatabase(dir)
    expect(db.ledger.map((r) => r.event)).toEqual(['withdrawn'])
    expect(db.contacts['5215512345678']!.handover).toMatchObject({ pausedBy: 'phone' })
  })

  it('resumes in a new process with the same data directory', async () => {
    const dir = dataDir()
    await runBot(['--from', '14155552671', '--data-dir', dir], 'hi\nyes\n')
    const second = await runBot(['--from', '14155552671', '--data-dir', dir], 'no\n')
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^All right, we will not send you offers\.\n/)
    expect(second.stdout).not.toMatch(/This is the assistant/)
  })

  it('refuses to start on a broken flow file, naming the file and line', async () => {
    const project = tempDir()
    dirs.push(project)
    cpSync(join(ROOT, 'flows'), join(project, 'flows'), { recursive: true })
    cpSync(join(ROOT, 'locales'), join(project, 'locales'), { recursive: true })
    const flow = join(project, 'flows/consent.yaml')
    const { readFileSync } = await import('node:fs')
    writeFileSync(flow, readFileSync(flow, 'utf8').replace('next: askMarketing', 'next: askMarketting'))
    const run = await runBot(['--data-dir', join(project, 'data')], 'hola\n', project)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/flows\/consent\.yaml:\d+: next of answer yes of askService "askMarketting" is not a step/)
    expect(run.stdout).toBe('')
    expect(existsSync(join(project, 'data/consent-db.json'))).toBe(false)
  })

  it('refuses to start on a damaged database file, names it, leaves it untouched and points to the backup', async () => {
    const dir = dataDir()
    expect((await runBot(['--data-dir', dir], 'hola\nsí\n')).code).toBe(0)
    const shard = readdirSync(join(dir, 'contacts')).find((name) => name.endsWith('.json'))!
    const file = join(dir, 'contacts', shard)
    writeFileSync(file, '{"contacts": {"5215512345678": ')
    const run = await runBot(['--data-dir', dir], 'hola\n')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(file)
    expect(run.stderr).toMatch(/not valid JSON/)
    expect(run.stderr).toMatch(/backups\//)
    expect(run.stdout).toBe('')
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(file, 'utf8')).toBe('{"contacts": {"5215512345678": ')
  })

  it('refuses the database file of the previous release rather than converting evidence silently', async () => {
    const dir = dataDir()
    const file = join(dir, 'consent-db.json')
    writeFileSync(file, '{"schemaVersion": 1, "contacts": {}, "conversations": {}, "ledger": [], "notices": {}}')
    const run = await runBot(['--data-dir', dir], 'hola\n')
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/consent-db\.json: is the database of an earlier version of the bot/)
  })

  it('a data folder it may not create (EPERM under /sys): one line naming the folder and what to do, no stack trace', async () => {
    // On Linux nothing can be created under /sys, even as root: a real EPERM, no mock.
    if (!existsSync('/sys')) throw new Error('this test needs Linux /sys (creating anything under it fails with EPERM)')
    const run = await runBot(['--data-dir', '/sys/consent-bot-test'], 'hola\n')
    expect(run.code).not.toBe(0)
    expect(run.code).not.toBeNull()
    expect(run.stdout).toBe('')
    expect(run.stderr).not.toMatch(/^ {4}at /m)
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('/sys/consent-bot-test')
    expect(lines[0]).toMatch(/may not write to its data folder.*give it a folder of its own \(--data-dir or DATA_DIR\)/)
    expect(existsSync('/sys/consent-bot-test')).toBe(false)
  })

  it('a data folder path that is a regular file (ENOTDIR/EEXIST): one line naming the file and what to do, no stack trace', async () => {
    const file = join(dataDir(), 'not-a-folder')
    writeFileSync(file, 'a file, not a folder\n')
    for (const path of [file, join(file, 'data')]) {
      const run = await runBot(['--data-dir', path], 'hola\n')
      expect(run.code, path).not.toBe(0)
      expect(run.code, path).not.toBeNull()
      expect(run.stdout).toBe('')
      expect(run.stderr).not.toMatch(/^ {4}at /m)
      const lines = run.stderr.trimEnd().split('\n')
      expect(lines, path).toHaveLength(1)
      expect(lines[0]).toContain(`${file} is a file, not a folder`)
      expect(lines[0]).toMatch(/Move that file away, or give the bot another folder \(--data-dir or DATA_DIR\)/)
    }
  })

  it('a disk that refuses the ledger mid-conversation: told truthfully, exit non-zero, no stack trace, nothing claimed', async () => {
    // /dev/full answers every write with ENOSPC (and cannot be cut back): the ledger is put there
    // after a first run made the folder, so the bot starts, then cannot save the consent.
    if (!existsSync('/dev/full')) throw new Error('this test needs /dev/full (Linux)')
    const dir = dataDir()
    expect((await runBot(['--from', '34612345678', '--data-dir', dir], 'hola\n')).code).toBe(0)
    rmSync(join(dir, 'ledger.jsonl'))
    symlinkSync('/dev/full', join(dir, 'ledger.jsonl'))
    const run = await runBot(['--from', '34612345678', '--data-dir', dir], 'sí\n')
    expect(run.code).toBe(1)
    expect(run.stderr).not.toMatch(/^ {4}at /m)
    expect(run.stderr).not.toMatch(/unexpected error/)
    // The contact is never told their answer was saved, nor thanked for it.
    expect(run.stdout).not.toMatch(/ofertas adaptadas|comprobante/)
    expect(run.stdout).toMatch(/no hemos podido guardar|se guardará|lo guardaremos/i)
  })

  it('--json: many contacts through one pipe, each reply naming its contact, a bad line reported by number and skipped', async () => {
    const dir = dataDir()
    const ana = '5215511111111'
    const bob = '34612345678'
    const line = (from: string, body: string) => `${JSON.stringify({ from, body })}\n`
    // Interleaved as two people writing at once would be; the third line is not a message.
    const input = `${line(ana, 'hola')}${line(`+${bob}`, 'hello')}{"from":"${ana}","text":"sí"}\n${line(ana, 'sí')}${line(bob, 'yes')}`
    const run = await runBot(['--json', '--data-dir', dir], input)
    expect(run.code).toBe(0)
    // Told by its number and what it lacks, never by what it said.
    expect(run.stderr).toBe(
      'console --json: input line 3 needs "body": the message\'s text; skipped (each line is like {"from":"5215512345678","body":"hola"})\n',
    )
    const replies = run.stdout
      .trimEnd()
      .split('\n')
      .map((text) => JSON.parse(text) as { to: string; text: string })
    const to = (contact: string) => replies.filter((reply) => reply.to === contact).map((reply) => reply.text)
    expect(replies.every((reply) => reply.to === ana || reply.to === bob)).toBe(true)
    expect(to(ana)[0]).toMatch(/^¡Hola! 👋/)
    // Bob wrote in English: his conversation is his own, in his language.
    expect(to(bob)[0]).toMatch(/^Hi! 👋/)
    // Each agreed to the first purpose and was asked the next one.
    expect(to(ana).at(-1)).toMatch(/ofertas/)
    expect(to(bob).at(-1)).toMatch(/offers/)
    const db = readDatabase(dir)
    expect(Object.keys(db.contacts).sort()).toEqual([bob, ana].sort())
    expect(db.ledger.map((r) => [r.personal?.contact, r.event])).toEqual(
      expect.arrayContaining([
        [ana, 'given'],
        [bob, 'given'],
      ]),
    )
  })

  it('says what is wrong with a bad option', async () => {
    const run = await runBot(['--provider', 'telegram'], '')
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--provider .* must be "console", "whatsapp" or "cloud"/)
    const json = await runBot(['--provider', 'whatsapp', '--json'], '')
    expect(json.code).toBe(2)
    expect(json.stderr).toMatch(/--json is for --provider console/)
  })
})
