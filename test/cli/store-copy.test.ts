/**
 * `npm run store:copy` as the owner runs it, on data folders filled by real conversations (an
 * erasure among them, whose ledger entries have no personal part), against a real PostgreSQL
 * server: into a number and back, verbatim, with the notice campaigns and their erased list; its
 * refusals; and the owner's commands (ledger:verify, export, receipt, staff) reading the numbers it
 * filled, one or all.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readConsentData } from '../../src/adapters/lowdb-store.js'
import { listNumbers, openPostgresReader } from '../../src/adapters/postgres/index.js'
import type { StoreConfig } from '../../src/app/config.js'
import { openCampaignStore } from '../../src/main/campaign-store.js'
import { FILES } from '../../src/main/store.js'
import type { CampaignStore } from '../../src/ports/campaign-store.js'
import type { ConsentData } from '../../src/ports/consent-store.js'
import { plan } from '../ports/campaign-store.contract.js'
import { ES, MX, openTestBot, removeDir, tempDir, US } from '../support/chat.js'
import { postgresPerFile } from '../support/postgres.js'
import { listFiles, ownerProject, runCli } from './run-cli.js'

const postgres = postgresPerFile()
const PASSWORD = 'consent-test-password'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir)
})

/** A data folder: MX and ES answered, US answered and then had their data erased. */
async function filledFolder(second = false): Promise<string> {
  const bot = await openTestBot()
  dirs.push(bot.dataDir)
  for (const body of ['hola', 'sí', 'sí', '1']) await bot.chat(second ? '5215598765432' : MX).say(body)
  for (const body of ['hola', 'si', 'no', 'telegram']) await bot.chat(ES).say(body)
  for (const body of ['hi', 'yes', 'yes', 'stay here', 'delete my data', 'DELETE']) await bot.chat(US, 'John').say(body)
  await bot.close()
  return bot.dataDir
}

const copy = (args: string[], url: string, extra: NodeJS.ProcessEnv = {}) =>
  runCli('store-copy.ts', args, ownerProject(), { DATABASE_URL: url, ...extra })

async function readNumber(url: string, number: string): Promise<ConsentData> {
  const reader = openPostgresReader({ url, number })
  try {
    return await reader.read()
  } finally {
    await reader.close()
  }
}

/** Every file of a folder with its digest, to show that a copy leaves its source as it was. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir).map((file) => [
      file,
      createHash('sha256')
        .update(readFileSync(join(dir, file)))
        .digest('hex'),
    ]),
  )
}

describe('npm run store:copy, a data folder into PostgreSQL', () => {
  it('copies contacts, conversations, notices and every ledger entry verbatim, and says so in one line', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    const source = readConsentData(dataDir)
    expect(source.ledger.some((entry) => entry.personal === null)).toBe(true)
    const before = snapshot(dataDir)

    const run = await copy(['--from', dataDir, '--to', 'database', '--number', 'tienda-centro'], url)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      new RegExp(
        `^Copied the data folder ${dataDir} to the number "tienda-centro" in postgres://consent_test@127\\.0\\.0\\.1:\\d+/t_\\d+: ` +
          `2 contacts, 2 conversations, ${source.ledger.length} ledger records, ${Object.keys(source.notices).length} notice texts?, ` +
          // US, erased in the conversations above: the bot put them on its erased list.
          '0 campaigns and an erased list of 1 entry; read back record by record, all equal; chain intact; new heads are signed with the key [0-9a-f ]+ \\(publish it\\)\\n$',
      ),
    )
    expect(run.stdout).not.toContain(PASSWORD)

    const copied = await readNumber(url, 'tienda-centro')
    expect(copied.ledger).toEqual(source.ledger)
    expect(copied.contacts).toEqual(source.contacts)
    expect(copied.conversations).toEqual(source.conversations)
    expect(copied.notices).toEqual(source.notices)
    // The source is left as it was (its lock, held during the copy, is gone again).
    expect(snapshot(dataDir)).toEqual(before)

    const verify = await runCli('ledger-verify.ts', ['--number', 'tienda-centro'], ownerProject(), { DATABASE_URL: url })
    expect(verify.code).toBe(0)
    expect(verify.stdout).toMatch(new RegExp(`^tienda-centro: ${source.ledger.length} records, chain intact\\n`))
  })

  it('refuses a number that holds data, a folder a bot runs on, and a ledger that does not verify, copying nothing', {
    timeout: 60_000,
  }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    expect((await copy(['--from', dataDir, '--to', 'database'], url)).code).toBe(0)
    const again = await copy(['--from', dataDir, '--to', 'database'], url)
    expect(again.code).toBe(1)
    // The first copy carried US's erasure onto the number's erased list: that is seen first.
    expect(again.stderr).toMatch(
      /^npm run store:copy: the number "main" in postgres:.* holds notice campaigns or an erased list already: copy only into a number that holds nothing\. Nothing was written\n$/,
    )

    // A bot runs on the folder (in this test's process).
    const running = await openTestBot({ dataDir })
    try {
      const busy = await copy(['--from', dataDir, '--to', 'database', '--number', 'other'], url)
      expect(busy.code).toBe(1)
      expect(busy.stderr).toBe(
        `npm run store:copy: a bot (PID ${process.pid}) is running on the data folder ${dataDir}: stop it before copying\n`,
      )
    } finally {
      await running.close()
    }

    // One record changed after it was written.
    const ledgerFile = join(dataDir, 'ledger.jsonl')
    const lines = readFileSync(ledgerFile, 'utf8').split('\n')
    lines[1] = lines[1]!.replace('"given"', '"refused"')
    writeFileSync(ledgerFile, lines.join('\n'))
    const broken = await copy(['--from', dataDir, '--to', 'database', '--number', 'broken'], url)
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(
      /^npm run store:copy: the ledger of the data folder .* does not verify, so it is not copied: .*ledger\.jsonl:2: record 2/,
    )
    expect(await listNumbers(url)).toEqual(['main'])
  })

  it('takes no password on the command line, and never prints one', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    const refused = await copy(['--from', dataDir, '--to', url], url)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(
      /^npm run store:copy: --to holds a password, which shows in the process list: put the address in DATABASE_URL/,
    )
    expect(refused.stderr).not.toContain(PASSWORD)
    // The same address without it: the password comes from PGPASSWORD, as psql takes it.
    const bare = new URL(url)
    bare.password = ''
    const run = await copy(['--from', dataDir, '--to', bare.href, '--number', 'tienda-norte'], 'postgres://unused@127.0.0.1:1/none', {
      PGPASSWORD: PASSWORD,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(await listNumbers(url)).toEqual(['tienda-norte'])

    for (const [args, message] of [
      [['--from', dataDir, '--to', 'database', '--number', 'tienda centro'], /--number \(BOT_NUMBER\) must be 1 to 64 letters/],
      [['--from', dataDir, '--to', tempDir()], /one of --from and --to must be the database/],
      [['--from', dataDir], /give both --from and --to/],
    ] as const) {
      const bad = await copy([...args], url)
      expect(bad.code, args.join(' ')).toBe(2)
      expect(bad.stderr).toMatch(message)
    }
    const nowhere = await copy(['--from', dataDir, '--to', 'database'], 'postgres://consent_test@127.0.0.1:1/none')
    expect(nowhere.code).toBe(1)
    expect(nowhere.stderr).toMatch(
      /^npm run store:copy: the database at postgres:\/\/consent_test@127\.0\.0\.1:1\/none cannot be reached \(.*ECONNREFUSED.*\): is PostgreSQL running there\?/,
    )
  })
})

describe('npm run store:copy, a number back into a data folder', () => {
  it('writes a new folder the file store opens and the bot goes on with, equal record by record', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    const source = readConsentData(dataDir)
    expect((await copy(['--from', dataDir, '--to', 'database', '--number', 'tienda-centro'], url)).code).toBe(0)

    const back = tempDir()
    dirs.push(back)
    const run = await copy(['--from', 'database', '--number', 'tienda-centro', '--to', back], url)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      new RegExp(`^Copied the number "tienda-centro" in postgres://.* to the data folder ${back}: 2 contacts, .*chain intact`),
    )
    const copied = readConsentData(back)
    expect(copied.ledger).toEqual(source.ledger)
    expect(copied.contacts).toEqual(source.contacts)
    expect(copied.conversations).toEqual(source.conversations)
    expect(copied.notices).toEqual(source.notices)
    expect(readdirSync(back)).toEqual(
      expect.arrayContaining(['store.json', 'ledger.jsonl', 'ledger-key.json', 'checkpoints.jsonl', 'contacts']),
    )
    const verify = await runCli('ledger-verify.ts', ['--data-dir', back], ownerProject())
    expect(verify.stderr).toBe('')
    expect(verify.code).toBe(0)

    // The bot runs on the new folder: MX's conversation goes on where it stood, the chain with it.
    const bot = await openTestBot({ dataDir: back })
    expect((await bot.chat(MX).say('BAJA')).join('\n')).toMatch(/retirado/)
    await bot.close()
    const after = readConsentData(back).ledger
    expect(after.slice(0, source.ledger.length)).toEqual(source.ledger)
    expect(after.at(-1)).toMatchObject({ seq: source.ledger.length + 1, prev: source.ledger.at(-1)!.hash, record: { event: 'withdrawn' } })

    const full = await copy(['--from', 'database', '--number', 'tienda-centro', '--to', dataDir], url)
    expect(full.code).toBe(1)
    expect(full.stderr).toBe(`npm run store:copy: ${dataDir} is not empty: give a new folder, so that no data is mixed\n`)
    const absent = await copy(['--from', 'database', '--number', 'nope', '--to', join(back, 'x')], url)
    expect(absent.code).toBe(1)
    expect(absent.stderr).toMatch(/holds no number "nope" \(it holds: tienda-centro\); give it with --number\n$/)
    expect(existsSync(join(back, 'x'))).toBe(false)
  })
})

/** The campaign store the bot opens on `store` (the data folder `dataDir` on files). */
async function withCampaigns<T>(store: StoreConfig, dataDir: string, use: (campaigns: CampaignStore) => Promise<T>): Promise<T> {
  const campaigns = await openCampaignStore(store, { dataDir })
  try {
    return await use(campaigns)
  } finally {
    await campaigns.close()
  }
}

/** A Mexican mobile erased at their request (by the bot, under both of its forms), and the other form. */
const ERASED = '5215587654321'
const ERASED_OLD = '525587654321'

describe('npm run store:copy, the notice campaigns and their erased list', () => {
  it('carries them into a number and back into a new folder: the same campaigns, nobody erased written to again', {
    timeout: 60_000,
  }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    // Made by the stores the bot keeps them in: March's campaign half sent (US skipped, their data
    // erased), paused by Meta's limit; February's never started. One more person erased.
    const source = await withCampaigns(FILES, dataDir, async (store) => {
      await store.create(plan('2026-02-old', '2026-02-01T10:00:00.000Z', [ES]))
      const id = '2026-03-policy'
      await store.create(plan(id, '2026-03-01T10:00:00.000Z', [MX, ES, US, '5215511110001']))
      await store.setStatus(id, { status: 'running', at: '2026-03-01T10:00:01.000Z' })
      await store.mark(id, 0, { state: 'sending', at: '2026-03-01T10:00:02.000Z' })
      await store.mark(id, 0, { state: 'sent', at: '2026-03-01T10:00:03.000Z', messageIds: ['wamid.1'] })
      await store.mark(id, 1, { state: 'sent', at: '2026-03-01T10:00:33.000Z', messageIds: ['wamid.2'] })
      await store.mark(id, 2, { state: 'skipped', at: '2026-03-01T10:01:03.000Z', reason: 'erased' })
      await store.setStatus(id, { status: 'paused', at: '2026-03-01T10:01:30.000Z', reason: "Meta's rate limit was reached (130429)" })
      await store.addErased(ERASED)
      return { campaigns: await store.list(), suppression: await store.suppressionList() }
    })
    expect(source.campaigns.map((c) => c.plan.id)).toEqual(['2026-03-policy', '2026-02-old'])
    // US, and both forms of ERASED.
    expect(source.suppression?.digests).toHaveLength(3)
    const before = snapshot(dataDir)

    /** What the campaigns `store` opens to hold, as the bot would find them. */
    const expectCopied = (store: StoreConfig, dir: string) =>
      withCampaigns(store, dir, async (copied) => {
        expect(await copied.list()).toEqual(source.campaigns)
        expect(await copied.suppressionList()).toEqual(source.suppression)
        for (const address of [ERASED, ERASED_OLD, US]) expect(await copied.isErased(address), address).toBe(true)
        for (const address of [MX, ES]) expect(await copied.isErased(address), address).toBe(false)
      })

    const into = await copy(['--from', dataDir, '--to', 'database', '--number', 'tienda-centro'], url)
    expect(into.stderr).toBe('')
    expect(into.code).toBe(0)
    expect(into.stdout).toMatch(/ notice texts?, 2 campaigns and an erased list of 3 entries; read back record by record, all equal;/)
    expect(into.stdout).not.toContain(ERASED)
    await expectCopied({ kind: 'postgres', url, number: 'tienda-centro' }, '')
    expect(snapshot(dataDir)).toEqual(before)

    const back = tempDir()
    dirs.push(back)
    const out = await copy(['--from', 'database', '--number', 'tienda-centro', '--to', back], url)
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/, 2 campaigns and an erased list of 3 entries; read back record by record, all equal;/)
    await expectCopied(FILES, back)
    expect(statSync(join(back, 'campaigns', 'suppression.key')).mode & 0o777).toBe(0o600)
    // The copy's lock, held while its campaigns were written, is gone again.
    expect(readdirSync(back)).not.toContain('bot.lock')

    // The bot on the folder copied back goes on with the campaigns' erased list: a new erasure is kept under its key.
    await withCampaigns(FILES, back, (store) => store.addErased(ES))
    await withCampaigns(FILES, back, async (store) => {
      expect(await store.isErased(ES)).toBe(true)
      expect(await store.isErased(ERASED)).toBe(true)
    })
  })

  it('refuses a number that holds campaigns already, writing none of the data', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const dataDir = await filledFolder()
    const other: StoreConfig = { kind: 'postgres', url, number: 'tienda-sur' }
    await withCampaigns(other, '', (store) => store.create(plan('2026-01-sur', '2026-01-01T10:00:00.000Z')))

    const run = await copy(['--from', dataDir, '--to', 'database', '--number', 'tienda-sur'], url)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^npm run store:copy: the number "tienda-sur" in postgres:.* holds notice campaigns or an erased list already: copy only into a number that holds nothing\. Nothing was written\n$/,
    )
    const held = await readNumber(url, 'tienda-sur')
    expect([held.ledger.length, Object.keys(held.contacts).length, Object.keys(held.notices).length]).toEqual([0, 0, 0])
    await withCampaigns(other, '', async (store) => {
      expect((await store.list()).map((c) => c.plan.id)).toEqual(['2026-01-sur'])
      expect(await store.suppressionList()).toBeUndefined()
    })
  })
})

describe("the owner's commands on PostgreSQL", () => {
  it('read one number (--number) or every one (--all-numbers): ledger:verify, export, receipt, staff', { timeout: 90_000 }, async () => {
    const url = await postgres.database()
    const env = { DATABASE_URL: url }
    expect((await copy(['--from', await filledFolder(), '--to', 'database', '--number', 'tienda-centro'], url)).code).toBe(0)
    const norte = await filledFolder(true)
    expect((await copy(['--from', norte, '--to', 'database', '--number', 'tienda-norte'], url)).code).toBe(0)
    const project = ownerProject()

    const verify = await runCli('ledger-verify.ts', ['--all-numbers'], project, env)
    expect(verify.code).toBe(0)
    expect(verify.stdout).toMatch(/^tienda-centro: \d+ records, chain intact\n[\s\S]*^tienda-norte: \d+ records, chain intact\n/m)

    const all = await runCli('export.ts', ['--all-numbers', '--format', 'json', '--out', 'report.json'], project, env)
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    const centro = JSON.parse(readFileSync(join(project, 'report-tienda-centro.json'), 'utf8'))
    const norteExport = JSON.parse(readFileSync(join(project, 'report-tienda-norte.json'), 'utf8'))
    expect(JSON.stringify(centro)).toContain(MX)
    expect(JSON.stringify(norteExport)).toContain('5215598765432')
    expect(JSON.stringify(norteExport)).not.toContain(MX)

    const one = await runCli('export.ts', ['--number', 'tienda-norte'], project, { ...env, BOT_NUMBER: 'tienda-centro' })
    expect(one.code).toBe(0)
    expect(listFiles(join(project, 'exports'))).toEqual([
      expect.stringMatching(/^consent-tienda-norte-contacts-\d{4}-\d{2}-\d{2}\.csv$/),
      expect.stringMatching(/^consent-tienda-norte-ledger-\d{4}-\d{2}-\d{2}\.csv$/),
    ])

    const id = readConsentData(norte).ledger[0]!.record.id
    const receipt = await runCli('receipt.ts', [id, '--all-numbers'], project, env)
    expect(receipt.stderr).toBe('')
    expect(receipt.code).toBe(0)
    expect(JSON.parse(receipt.stdout)).toMatchObject({ consentReceiptID: id })
    const elsewhere = await runCli('receipt.ts', [id, '--number', 'tienda-centro'], project, env)
    expect(elsewhere.code).toBe(1)
    expect(elsewhere.stderr).toMatch(new RegExp(`^npm run receipt: no record with id ${id} in number "tienda-centro" in postgres://`))

    const list = await runCli('staff.ts', ['list', '--number', 'tienda-centro'], project, env)
    expect(list.stderr).toBe('')
    expect(list.code).toBe(0)

    const missing = await runCli('export.ts', ['--number', 'tienda-sur'], project, env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /holds no number "tienda-sur" \(it holds: tienda-centro, tienda-norte\); give one with --number or BOT_NUMBER\n$/,
    )
    const noDatabase = await runCli('ledger-verify.ts', ['--all-numbers'], project)
    expect(noDatabase.code).toBe(2)
  })
})
