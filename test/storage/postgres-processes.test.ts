/**
 * Issue 16, past one process: real bot processes (test/support/crash-bot.ts, the real bot under a
 * scripted load, bundled by test/support/crash-process.ts) on one real PostgreSQL server
 * (test/support/postgres.ts). Two numbers side by side under load; a second process for a number
 * that runs is refused; a bot killed with SIGKILL mid-load. Afterwards every consent a contact was
 * confirmed is in the database, and every number's chain verifies.
 */
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/domain/ledger.js'
import { verifyLedger } from '../../src/main/commands/ledger-verify.js'
import { openReader } from '../../src/main/store.js'
import { tempDir } from '../adapters/store/helpers.js'
import { bundleCrashBot, startProcess, type Run } from '../support/crash-process.js'
import { postgresPerFile } from '../support/postgres.js'

bundleCrashBot()
const postgres = postgresPerFile()

type Confirmed = [contact: string, what: string]

/** A bot process for `number`, driving `contacts` contacts from `from` on; its confirmations gathered. */
function bot(url: string, number: string, contacts: number, from: number, confirmed: Confirmed[], dataDir = tempDir('pg-bot-')): Run {
  return startProcess(
    dataDir,
    contacts,
    (line) => {
      if (line.startsWith('CONFIRMED ')) confirmed.push(line.split(' ').slice(1) as Confirmed)
    },
    { CRASH_DATABASE_URL: url, CRASH_NUMBER: number, CRASH_CONTACTS_FROM: String(from) },
  )
}

/** Every confirmation is in the number's data, and its chain verifies (ledger:verify's own check included). */
async function expectKept(url: string, number: string, confirmed: Confirmed[]): Promise<void> {
  const reader = await openReader({ kind: 'postgres', url, number }, { dataDir: tempDir('pg-read-') })
  try {
    const data = await reader.read()
    for (const [contact, what] of confirmed) {
      const stored = data.contacts[contact]
      const [item, state] = what.split(':')
      const found = item === 'greeted' ? Boolean(stored) : item === 'channel' ? stored?.channel?.channel : stored?.consents[item!]?.state
      expect([number, contact, what, found]).toEqual([number, contact, what, item === 'greeted' ? true : state])
    }
    expect(verifyChain(data.ledger)).toMatchObject({ intact: true })
    expect(await verifyLedger(reader, { liveHead: true })).toMatchObject({ intact: true })
  } finally {
    await reader.close()
  }
}

async function go(run: Run): Promise<void> {
  await run.printed('LOADED')
  run.child.stdin.write('go\n')
  await run.printed('READY')
}

describe('bot processes on one PostgreSQL database', () => {
  it('two numbers side by side under load: each finishes, nothing confirmed is lost, each chain is its own and verifies', {
    timeout: 120_000,
  }, async () => {
    const url = await postgres.database()
    const [centro, norte]: Confirmed[][] = [[], []]
    const runs = [bot(url, 'tienda-centro', 60, 0, centro), bot(url, 'tienda-norte', 60, 1000, norte)]
    await Promise.all(runs.map(go))
    const ended = await Promise.all(runs.map((run) => run.exited))
    expect(ended.map(({ code, stderr }) => ({ code, stderr }))).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ])
    // 60 contacts each, through greeting, service, marketing and channel (two consent records each).
    expect([centro.length, norte.length]).toEqual([240, 240])
    await expectKept(url, 'tienda-centro', centro)
    await expectKept(url, 'tienda-norte', norte)
    const rows = await postgres.sql<{ number: string; records: string }>(
      url,
      'SELECT number, count(*) AS records FROM ledger GROUP BY number ORDER BY number',
    )
    expect(rows.map((r) => [r.number, Number(r.records)])).toEqual([
      ['tienda-centro', 120],
      ['tienda-norte', 120],
    ])
  })

  it('a second process for a number that runs is refused, in one line, and the first goes on', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    const confirmed: Confirmed[] = []
    // Enough contacts that it is still at work when the second one tries.
    const first = bot(url, 'tienda-centro', 2000, 0, confirmed)
    const second = bot(url, 'tienda-centro', 40, 5000, [])
    await go(first)
    await first.confirmations(1)
    // Its own data folder, so only the database can tell it that the number is taken.
    await second.printed('LOADED')
    second.child.stdin.write('go\n')
    const refused = await second.exited
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/another bot.* is running number tienda-centro/i)
    // The first was not disturbed: it goes on confirming, and what it confirmed is kept.
    const before = confirmed.length
    await first.confirmations(before + 20)
    expect(first.child.exitCode).toBeNull()
    first.child.kill('SIGKILL')
    await first.exited
    await expectKept(url, 'tienda-centro', confirmed)
  })

  it('a bot killed with SIGKILL mid-load, again and again: every confirmation is in the database, the chain intact, the last run finishes', {
    timeout: 120_000,
  }, async () => {
    const url = await postgres.database()
    const dataDir = tempDir('pg-crash-')
    const confirmed: Confirmed[] = []
    let kills = 0
    for (;;) {
      const run = bot(url, 'main', 40, 0, confirmed, dataDir)
      await go(run)
      if (kills < 5) {
        await run.confirmations(3 + Math.floor(Math.random() * 15))
        run.child.kill('SIGKILL')
      }
      const { code, signal, stderr } = await run.exited
      if (signal === 'SIGKILL') kills++
      else expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
      await expectKept(url, 'main', confirmed)
      if (code === 0) break
    }
    expect(kills).toBe(5)
    const reader = await openReader({ kind: 'postgres', url, number: 'main' }, { dataDir })
    const contacts = Object.values((await reader.read()).contacts)
    await reader.close()
    expect(contacts).toHaveLength(40)
    for (const contact of contacts) expect(contact.channel?.channel).toBe('whatsapp')
  })
})
