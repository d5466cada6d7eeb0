/**
 * Issue 5, crash safety: the bot process (test/support/crash-bot.ts, the real bot under a scripted
 * load of many contacts) is killed with SIGKILL at random points, again and again, on the same data
 * directory. After each kill: every file parses (a last line cut short aside), every consent and
 * channel the bot confirmed to a contact is in the files, and the ledger chain holds. Each restart
 * resumes the conversations where they stood, and a last run finishes them all.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openConsentReader, readConsentData } from '../../src/adapters/lowdb-store.js'
import { verifyLedger } from '../../src/main/commands/ledger-verify.js'
import { verifyChain } from '../../src/domain/ledger.js'
import { listAll, tempDir } from '../adapters/store/helpers.js'
import { bundleCrashBot, startProcess } from '../support/crash-process.js'
const CONTACTS = 100
const KILLS = 20

bundleCrashBot()

/** Every data file parses; a .jsonl file may end in a line cut short. Temp files and half-made backups are skipped. */
function expectEveryFileParses(dataDir: string): void {
  for (const { path, isDir } of listAll(dataDir)) {
    if (isDir || path.endsWith('.tmp') || path.split('/').some((part) => part.endsWith('.partial'))) continue
    const text = readFileSync(join(dataDir, path), 'utf8')
    if (path.endsWith('.jsonl')) {
      const lines = text.split('\n')
      // The last element is '' for a file ending in a newline, or a line cut short: not checked.
      for (const [i, line] of lines.slice(0, -1).entries()) expect(() => JSON.parse(line), `${path}:${i + 1}`).not.toThrow()
    } else expect(() => JSON.parse(text), path).not.toThrow()
  }
}

describe('a bot killed with SIGKILL at random points', () => {
  it('loses no confirmed consent or channel, leaves files that parse and a chain that holds, and resumes', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir('crash-data-')
    const confirmed: [contact: string, what: string][] = []
    const onLine = (line: string) => {
      if (line.startsWith('CONFIRMED ')) confirmed.push(line.split(' ').slice(1) as [string, string])
    }
    let kills = 0
    let killedMidCompaction = 0
    // The next processes load their modules while the current one runs; each reads the data only on go.
    const ahead = [startProcess(dataDir, CONTACTS, onLine), startProcess(dataDir, CONTACTS, onLine)]
    for (;;) {
      const run = ahead.shift()!
      await run.printed('LOADED')
      ahead.push(startProcess(dataDir, CONTACTS, onLine))
      run.child.stdin.write('go\n')
      await run.printed('READY')
      if (kills < KILLS) {
        // Kill after a random number of confirmations (0: during start-up's own work), give or take a few ms.
        const after = Math.floor(Math.random() * 20)
        await run.confirmations(after)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
        run.child.kill('SIGKILL')
      }
      const { code, signal, stderr } = await run.exited
      if (signal === 'SIGKILL') kills++
      else expect({ code, stderr }).toEqual({ code: 0, stderr: '' })

      // A rotated journal still there: the kill came in the middle of a compaction.
      if (readdirSync(dataDir).some((name) => /^journal\.\d+\.jsonl$/.test(name))) killedMidCompaction++
      expectEveryFileParses(dataDir)
      const data = readConsentData(dataDir)
      for (const [contact, what] of confirmed) {
        const stored = data.contacts[contact]
        const [item, state] = what.split(':')
        const found = item === 'greeted' ? Boolean(stored) : item === 'channel' ? stored?.channel?.channel : stored?.consents[item!]?.state
        expect([contact, what, found]).toEqual([contact, what, item === 'greeted' ? true : state])
      }
      expect(verifyChain(data.ledger)).toMatchObject({ intact: true })
      expect(await verifyLedger(openConsentReader(dataDir))).toMatchObject({ intact: true })
      if (code === 0) break
    }
    for (const waiting of ahead) waiting.child.kill('SIGKILL')

    expect(kills).toBe(KILLS)
    // Kills landed in the middle of compactions too (each run folds the journal its predecessors left).
    expect(killedMidCompaction).toBeGreaterThan(0)
    // The last run finished every conversation: each contact went through each step once.
    const data = readConsentData(dataDir)
    expect(Object.keys(data.contacts)).toHaveLength(CONTACTS)
    for (const contact of Object.values(data.contacts)) {
      expect(contact.channel?.channel).toBe('whatsapp')
      expect(contact.consents.marketing?.state).toBe(Number(contact.id.slice(-1)) % 2 ? 'refused' : 'given')
    }
  })
})
