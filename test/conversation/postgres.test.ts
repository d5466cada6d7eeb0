/**
 * The bot on PostgreSQL (`DATABASE_URL`, `BOT_NUMBER`), started as `npm start` starts it
 * (`startBot` with the store from the config), with the real owner files and the messages
 * BuilderBot's test provider delivers: whole conversations, a restart between two answers, the
 * contact's rights, two numbers in one database, one process per number, and the dashboard, all
 * read back through the number's reader. The server is a real one (test/support/postgres.ts).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openPostgresReader } from '../../src/adapters/postgres/index.js'
import type { StoreConfig } from '../../src/app/config.js'
import type { ConsentData } from '../../src/ports/consent-store.js'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { verifyLedger } from '../../src/main/commands/ledger-verify.js'
import { Chat, MX, RecordingProvider, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { postgresPerFile } from '../support/postgres.js'
import { runScript } from '../support/run-script.js'
import { ownerProject, runCli } from '../cli/run-cli.js'

const postgres = postgresPerFile()
const ADMIN_TOKEN = 'test-admin-token-7f3c9a2e51'

const bots: RunningBot[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.close().catch(() => {})
  for (const dir of dirs.splice(0)) removeDir(dir)
})

/** A bot on `number` of the database at `url`, its data folder (WhatsApp session, log key) of its own. */
async function pgBot(url: string, number: string, options: { dataDir?: string; http?: boolean } = {}) {
  const dataDir = options.dataDir ?? tempDir()
  if (!dirs.includes(dataDir)) dirs.push(dataDir)
  const provider = new RecordingProvider()
  const storage: StoreConfig = { kind: 'postgres', url, number }
  const bot = await startBot({
    flowsDir: join(ROOT, 'flows'),
    localesDir: join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: 'es',
    provider,
    storage,
    ...(options.http ? { http: { port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN } } : {}),
  })
  bots.push(bot)
  return { bot, dataDir, chat: (from: string, name = 'Ana') => new Chat(bot, provider, from, name) }
}

async function readNumber(url: string, number: string): Promise<ConsentData> {
  const reader = openPostgresReader({ url, number })
  try {
    return await reader.read()
  } finally {
    await reader.close()
  }
}

async function chainOf(url: string, number: string) {
  const reader = openPostgresReader({ url, number })
  try {
    return await verifyLedger(reader, { liveHead: true })
  } finally {
    await reader.close()
  }
}

describe('the bot on PostgreSQL', () => {
  it('answers a whole conversation, in Spanish and in English, every answer kept in its number with its evidence', {
    timeout: 60_000,
  }, async () => {
    const url = await postgres.database()
    const { chat } = await pgBot(url, 'tienda-centro')
    const mx = chat(MX)
    const greeting = await mx.say('hola')
    expect(greeting).toHaveLength(3)
    expect(greeting[0]).toContain('Tienda Ejemplo')
    expect(greeting[2]).toMatch(/¿Aceptas que usemos tus datos para \*atender esta conversación/)
    expect((await mx.say('Sí.'))[0]).toMatch(/enviarte ofertas/)
    expect((await mx.say('sí')).join('\n')).toMatch(/1\. WhatsApp[\s\S]*2\. Telegram/)
    const done = await mx.say('1')
    expect(done[0]).toBe('Perfecto, seguimos por WhatsApp.')
    expect(done[1]).toMatch(/atender esta conversación y tus pedidos: sí[\s\S]*enviarte ofertas adaptadas a ti: sí/)

    const us = chat(US, 'John')
    expect((await us.say('hello'))[2]).toMatch(/Do you agree that we use your data/)
    expect((await us.say('yes'))[0]).toMatch(/send you offers/)
    expect((await us.say('no')).join('\n')).toMatch(/we will not send you offers/)
    expect((await us.say('stay here'))[0]).toBe('Great, we stay on WhatsApp.')

    const data = await readNumber(url, 'tienda-centro')
    expect(data.contacts[MX]).toMatchObject({
      language: 'es',
      channel: { channel: 'whatsapp' },
      consents: { service: { state: 'given' }, marketing: { state: 'given' } },
    })
    expect(data.contacts[US]).toMatchObject({ language: 'en', consents: { service: { state: 'given' }, marketing: { state: 'refused' } } })
    expect(data.ledger.map((e) => [e.seq, e.record.event, e.record.purposes, e.personal?.contact])).toEqual([
      [1, 'given', ['service'], MX],
      [2, 'given', ['marketing'], MX],
      [3, 'given', ['service'], US],
      [4, 'refused', ['marketing'], US],
    ])
    expect(data.ledger[0]!.personal).toMatchObject({ contact: MX, answer: 'Sí.' })
    // Each consent names the record that set it; the notice text its hash refers to is kept.
    expect(data.contacts[MX]!.consents.service!.record).toBe(data.ledger[0]!.record.id)
    expect(data.notices[data.ledger[0]!.record.notice.hash]!.text).toMatch(/Tienda Ejemplo/)
    expect(await chainOf(url, 'tienda-centro')).toMatchObject({ intact: true, count: 4 })
    // As the owner checks it beside the running bot, whose head is ahead of its last signature.
    const verify = await runCli('ledger-verify.ts', ['--number', 'tienda-centro'], ownerProject(), { DATABASE_URL: url })
    expect(verify.stderr).toBe('')
    expect(verify.stdout).toMatch(/^tienda-centro: 4 records, chain intact\n/)
  })

  it('goes on where a conversation stood after a restart, and serves STOP and DELETE from the database', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const first = await pgBot(url, 'main')
    await first.chat(MX).say('hola')
    await first.chat(MX).say('sí')
    await first.bot.close()

    const again = await pgBot(url, 'main', { dataDir: first.dataDir })
    const mx = again.chat(MX)
    expect((await mx.say('no gracias'))[0]).toBe('De acuerdo, no te enviaremos ofertas.')
    expect((await mx.say('BAJA')).join('\n')).toMatch(/retirado/)
    expect((await readNumber(url, 'main')).contacts[MX]!.consents.service!.state).toBe('withdrawn')
    expect((await mx.say('borrar'))[0]).toMatch(/^¿Seguro que quieres que borremos todos tus datos\?/)
    expect((await mx.say('sí'))[0]).toMatch(/hemos borrado todos tus datos/i)

    const data = await readNumber(url, 'main')
    expect(data.contacts).toEqual({})
    expect(data.conversations).toEqual({})
    expect(data.ledger.map((e) => e.record.event)).toEqual(['given', 'refused', 'withdrawn', 'erased'])
    // The answers are gone; the chain holds without them.
    expect(data.ledger.map((e) => e.personal)).toEqual([null, null, null, null])
    expect(await chainOf(url, 'main')).toMatchObject({ intact: true, count: 4 })
  })

  it('keeps two numbers apart in one database, and runs one process per number', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const centro = await pgBot(url, 'tienda-centro')
    const norte = await pgBot(url, 'tienda-norte')
    await centro.chat(MX).say('hola')
    await centro.chat(MX).say('sí')
    await norte.chat(MX).say('hola')
    await norte.chat(MX).say('no')
    // The same person is a contact of each number, with a chain of each.
    expect((await readNumber(url, 'tienda-centro')).ledger.map((e) => [e.seq, e.record.event])).toEqual([[1, 'given']])
    expect((await readNumber(url, 'tienda-norte')).ledger.map((e) => [e.seq, e.record.event])).toEqual([[1, 'refused']])

    // A second process for a number that runs refuses to start, saying why.
    await expect(pgBot(url, 'tienda-centro')).rejects.toThrow(
      /another bot .*is running number tienda-centro on this database; stop it first/,
    )
    // So does a bot of another number on a data folder in use: the WhatsApp session there is the first one's.
    await expect(pgBot(url, 'tienda-sur', { dataDir: centro.dataDir })).rejects.toThrow(/already running on the data folder/)
    // The first ones go on.
    expect((await centro.chat(MX).say('sí')).join('\n')).toMatch(/1\. WhatsApp/)
  })

  it('serves the privacy page and the dashboard from the database', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const { bot, chat } = await pgBot(url, 'tienda-centro', { http: true })
    for (const body of ['hola', 'sí', 'no', '1']) await chat(MX).say(body)
    const web = bot.web!
    const auth = { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }
    expect((await fetch(`${web.url}/privacy`)).status).toBe(200)
    const dashboard = await fetch(`${web.url}/admin?lang=en`, auth)
    expect(dashboard.status).toBe(200)
    // The number's key, as the database keeps it, is the one the dashboard shows.
    const reader = openPostgresReader({ url, number: 'tienda-centro' })
    const fingerprint = (await reader.seals()).key!.fingerprint
    await reader.close()
    expect(await dashboard.text()).toContain(fingerprint)
    const exported = (await (await fetch(`${web.url}/admin/export.json`, auth)).json()) as { ledger: { event: string }[] }
    expect(exported.ledger.map((r) => r.event)).toEqual(['given', 'refused'])
  })

  it('runs as npm start with DATABASE_URL and --number, and stops at a bad address in one line without its password', {
    timeout: 60_000,
  }, async () => {
    const url = await postgres.database()
    const dataDir = tempDir()
    dirs.push(dataDir)
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATABASE_URL: url }
    const run = await runScript('src/main/start.ts', ['--from', MX, '--data-dir', dataDir, '--number', 'tienda-centro'], {
      input: 'hola\nsí\nno\n1\n',
      cwd: ROOT,
      env,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/De acuerdo, no te enviaremos ofertas\./)
    expect((await readNumber(url, 'tienda-centro')).ledger.map((e) => e.record.event)).toEqual(['given', 'refused'])
    // The data folder keeps the session's runtime and the log key, and no store files.
    expect(readdirSync(dataDir).sort()).toEqual(['log-key', 'runtime'])

    const bad = await runScript('src/main/start.ts', ['--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...env, DATABASE_URL: 'mysql://bot:s3cr3t-pw@db.example/consent' },
    })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^The bot did not start: DATABASE_URL must be a PostgreSQL address/)
    expect(bad.stderr).not.toContain('s3cr3t')
    const unreachable = await runScript('src/main/start.ts', ['--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...env, DATABASE_URL: 'postgres://bot:s3cr3t-pw@127.0.0.1:1/consent' },
    })
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toBe(
      'The bot did not start: the database at postgres://bot@127.0.0.1:1/consent cannot be reached (connect ECONNREFUSED 127.0.0.1:1): is PostgreSQL running there? Check DATABASE_URL\n',
    )
  })
})
