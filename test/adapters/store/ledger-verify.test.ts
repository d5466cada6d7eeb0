/**
 * `npm run ledger:verify` on a ledger written by the store, then edited by hand the ways a
 * tamperer (or an accident) would: a field changed in a text editor, a line deleted, two lines
 * swapped, an answer rewritten, a line broken.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openConsentReader, openLowdbStore } from '../../../src/adapters/lowdb-store.js'
import { describeVerdict, verifyLedger } from '../../../src/main/commands/ledger-verify.js'
import type { LedgerEntry } from '../../../src/domain/ledger.js'
import { runCli } from '../../cli/run-cli.js'
import { change } from './fixtures.js'
import { tempDir } from './helpers.js'

/** A data directory whose ledger holds 10 records; returns the ledger's path and its lines. */
async function tenRecords(): Promise<{ dir: string; file: string; lines: string[] }> {
  const dir = tempDir()
  const store = await openLowdbStore(dir)
  for (let n = 0; n < 10; n++) await store.commit(change(String(34600000000 + n), n, 'sí'))
  await store.close()
  const file = join(dir, 'ledger.jsonl')
  return { dir, file, lines: readFileSync(file, 'utf8').split('\n').slice(0, -1) }
}

const verify = (dir: string) => verifyLedger(openConsentReader(dir))
const write = (file: string, lines: string[]) => writeFileSync(file, `${lines.join('\n')}\n`)
const idOn = (lines: string[], line: number) => (JSON.parse(lines[line - 1]!) as LedgerEntry).record.id

describe('ledger:verify', () => {
  it('says how many records there are and that the chain is intact', async () => {
    const { dir } = await tenRecords()
    const verdict = await verify(dir)
    expect(verdict).toMatchObject({ intact: true, count: 10, cutShort: false, signed: { seq: 10 }, notices: 1, receipts: 10 })
    expect(describeVerdict(verdict)).toMatch(
      /^10 records, chain intact\nsigned up to record 10 \(.+\)\nsigning key fingerprint: ([0-9a-f]{4} ){15}[0-9a-f]{4} /,
    )
  })

  it('names a middle record whose field was changed in a text editor', async () => {
    const { dir, file, lines } = await tenRecords()
    const edited = [...lines]
    edited[4] = edited[4]!.replace('"event":"given"', '"event":"refused"')
    expect(edited[4]).not.toBe(lines[4])
    write(file, edited)
    const verdict = await verify(dir)
    expect(verdict).toEqual({
      intact: false,
      where: `${file}:5`,
      seq: 5,
      recordId: idOn(lines, 5),
      reason: 'was changed after it was written',
      intactBefore: 4,
    })
    expect(describeVerdict(verdict)).toBe(
      `${file}:5: record 5 (${idOn(lines, 5)}) was changed after it was written. The 4 records before it are intact; compare this line with the same line in a backup (backups/) to see what changed.`,
    )
  })

  it('names the place of a deleted line and of two swapped lines', async () => {
    const { dir, file, lines } = await tenRecords()
    write(
      file,
      lines.filter((_, i) => i !== 3),
    )
    expect(await verify(dir)).toMatchObject({
      intact: false,
      where: `${file}:4`,
      seq: 5,
      recordId: idOn(lines, 5),
      reason: expect.stringMatching(/^has number 5 where 4 was expected/),
    })

    const swapped = [...lines]
    ;[swapped[2], swapped[6]] = [lines[6]!, lines[2]!]
    write(file, swapped)
    expect(await verify(dir)).toMatchObject({
      intact: false,
      where: `${file}:3`,
      seq: 7,
      reason: expect.stringMatching(/^has number 7 where 3 was expected/),
    })
  })

  it("names a record whose contact's answer was rewritten, and a line that no longer parses", async () => {
    const { dir, file, lines } = await tenRecords()
    const edited = [...lines]
    edited[7] = edited[7]!.replace('"answer":"sí"', '"answer":"no"')
    write(file, edited)
    expect(await verify(dir)).toMatchObject({
      intact: false,
      where: `${file}:8`,
      seq: 8,
      reason: 'has personal details that were changed after they were written',
    })

    edited[7] = lines[7]!.slice(0, 100)
    write(file, edited)
    expect(await verify(dir)).toMatchObject({
      intact: false,
      where: `${file}:8`,
      reason: expect.stringMatching(/^is not valid JSON/),
      intactBefore: 7,
    })
  })

  it('does not count a last line a crash cut short, and says so', async () => {
    const { dir, file, lines } = await tenRecords()
    appendFileSync(file, lines[9]!.slice(0, 50))
    const verdict = await verify(dir)
    expect(verdict).toMatchObject({ intact: true, count: 10, cutShort: true })
    expect(describeVerdict(verdict)).toMatch(/^10 records, chain intact \(the last line, cut short by a crash/)
  })

  it('runs as npm run ledger:verify: exit 0 when intact, 1 naming the line when not', async () => {
    const { dir, file, lines } = await tenRecords()
    const intact = await runCli('ledger-verify.ts', ['--data-dir', dir], tempDir())
    expect(intact).toMatchObject({ code: 0, stdout: expect.stringMatching(/^10 records, chain intact\nsigned up to record 10 /) })

    write(file, [...lines.slice(0, 5), lines[5]!.replace(/"at":"[^"]+"/, '"at":"2020-01-01T00:00:00.000Z"'), ...lines.slice(6)])
    // The data folder comes from DATA_DIR, as for the bot.
    const broken = await runCli('ledger-verify.ts', [], tempDir(), { DATA_DIR: dir })
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain(`${file}:6: record 6 (${idOn(lines, 6)}) was changed after it was written`)

    expect((await runCli('ledger-verify.ts', ['--data-dir', tempDir()], tempDir())).stderr).toMatch(/there is no ledger here/)
    expect((await runCli('ledger-verify.ts', ['--bogus'], tempDir())).code).toBe(2)
  })
})
