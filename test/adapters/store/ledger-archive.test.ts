/**
 * The backups' copy of the ledger: extended by what the ledger gained, never the whole ledger
 * again; made anew, in a new file, when the ledger no longer continues it.
 */
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { extendLedgerArchive } from '../../../src/adapters/store/ledger-archive.js'
import { tempDir } from './helpers.js'

const line = (seq: number) => `${JSON.stringify({ seq, prev: 'x'.repeat(64), hash: String(seq).repeat(8) })}\n`

/** Runs one backup's step against the live ledger as it is now. */
async function backUp(backups: string, ledger: string, onSync?: (path: string) => void): Promise<string> {
  const handle = await open(ledger, 'r')
  try {
    return await extendLedgerArchive(backups, handle, statSync(ledger).size, onSync)
  } finally {
    await handle.close()
  }
}

describe("the backups' copy of the ledger", () => {
  it('is extended by the records added since, in place, and made anew when the ledger no longer continues it', async () => {
    const dir = tempDir()
    const ledger = join(dir, 'ledger.jsonl')
    const backups = join(dir, 'backups')
    mkdirSync(backups)
    writeFileSync(ledger, Array.from({ length: 2000 }, (_, i) => line(i + 1)).join(''))
    const archive = await backUp(backups, ledger)
    expect(readFileSync(archive, 'utf8')).toBe(readFileSync(ledger, 'utf8'))
    const first = statSync(archive)

    appendFileSync(ledger, line(2001) + line(2002))
    const written: string[] = []
    await backUp(backups, ledger, (path) => written.push(path))
    expect(readFileSync(archive, 'utf8')).toBe(readFileSync(ledger, 'utf8'))
    // The same file, grown by the two new lines only.
    expect(statSync(archive).ino).toBe(first.ino)
    expect(written).toEqual([archive])

    // An erasure's redaction (or a restored copy): the ledger's bytes changed before its end.
    const redacted = readFileSync(ledger, 'utf8').replace(line(1999), line(1999).replace('"prev"', '"prev" '))
    writeFileSync(ledger, redacted)
    await backUp(backups, ledger)
    expect(readFileSync(archive, 'utf8')).toBe(redacted)
    expect(statSync(archive).ino).not.toBe(first.ino)

    // A ledger shorter than the copy (another copy of the data put back) is copied whole too.
    writeFileSync(ledger, line(1))
    await backUp(backups, ledger)
    expect(readFileSync(archive, 'utf8')).toBe(line(1))
  })
})
