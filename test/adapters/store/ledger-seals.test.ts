/**
 * Issue 13, evidence that survives a careless owner: a ledger cut at its end, emptied, deleted,
 * re-forged with every hash recomputed, or a notice text edited is caught by ledger:verify (exit 1,
 * saying what is missing and where it was anchored) and refused at start (nothing written).
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openConsentReader, openLowdbStore, readConsentData } from '../../../src/adapters/lowdb-store.js'
import { consentReceipt, findEntry } from '../../../src/app/receipt.js'
import { headSignatureHolds, keyFingerprint, type LedgerEntry, sealEntry, type SignedHead } from '../../../src/domain/ledger.js'
import { describeVerdict, verifyLedger } from '../../../src/main/commands/ledger-verify.js'
import { runCli } from '../../cli/run-cli.js'
import { change, NOTICE_HASH } from './fixtures.js'
import { contents, listAll, tempDir } from './helpers.js'

async function tenRecords(): Promise<{ dir: string; file: string; lines: string[] }> {
  const dir = tempDir()
  const store = await openLowdbStore(dir)
  for (let n = 0; n < 10; n++) await store.commit(change(String(34600000000 + n), n, 'sí'))
  await store.close()
  const file = join(dir, 'ledger.jsonl')
  return { dir, file, lines: readFileSync(file, 'utf8').split('\n').slice(0, -1) }
}

const verify = (dir: string) => verifyLedger(openConsentReader(dir))
const write = (file: string, lines: string[]) => writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '')
const checkpoints = (dir: string): SignedHead[] =>
  readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SignedHead)

/** Opening the store is refused with `pattern`, and no file of the folder changes. */
async function refusedAtStart(dir: string, pattern: RegExp): Promise<void> {
  const before = contents(dir)
  const error = await openLowdbStore(dir).then(
    () => undefined,
    (e: Error) => e,
  )
  expect(error?.name).toBe('DatabaseFileError')
  expect(error?.message).toMatch(pattern)
  expect(contents(dir)).toEqual(before)
}

describe('the ledger sealed outside itself', () => {
  it('signs its head at each clean stop and every 1000 records, with a key made at the first start (0600, never in a backup)', async () => {
    const dir = tempDir()
    const store = await openLowdbStore(dir)
    const pair = JSON.parse(readFileSync(join(dir, 'ledger-key.json'), 'utf8'))
    const key: string = pair.privateKey
    expect(pair).toMatchObject({
      algorithm: 'Ed25519',
      fingerprint: keyFingerprint(key),
      publicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY/),
    })
    expect(statSync(join(dir, 'ledger-key.json')).mode & 0o777).toBe(0o600)
    // 1001 records, a few at a time: a signed head once the ledger passes record 1000, before any stop.
    for (let n = 0; n < 1001; n += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, 1001 - n) }, (_, i) => store.commit(change(String(34700000000 + n + i), n + i, 'sí'))),
      )
    const running = checkpoints(dir)
    expect(running.at(-1)!.seq).toBeGreaterThanOrEqual(1000)
    await store.close()
    const heads = checkpoints(dir)
    expect(heads.at(-1)!.seq).toBe(1001)
    for (const head of heads) expect(headSignatureHolds(key, head)).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')).ledgerHead).toMatchObject({ seq: 1001, hash: heads.at(-1)!.hash })
    const backups = listAll(join(dir, 'backups')).map((f) => f.path)
    expect(backups.some((p) => p.endsWith('checkpoints.jsonl'))).toBe(true)
    expect(backups.some((p) => p.endsWith('ledger-key.json'))).toBe(false)

    expect(await verify(dir)).toMatchObject({ intact: true, count: 1001, signed: { seq: 1001, fingerprint: keyFingerprint(key) } })
  })

  it('catches the last 1 or 2 lines deleted: ledger:verify exits 1 naming what is missing and where it was anchored; the bot refuses to start', async () => {
    for (const cut of [1, 2]) {
      const { dir, file, lines } = await tenRecords()
      write(file, lines.slice(0, -cut))
      const verdict = await verify(dir)
      expect(verdict).toMatchObject({ intact: false, sealBroken: true, where: file, count: 10 - cut })
      expect(describeVerdict(verdict)).toMatch(
        new RegExp(
          `ends at record ${10 - cut}, but the ledger reached record 10 \\(hash [0-9a-f]{12}…, anchored .+ in ${join(dir, 'store.json')}\\): the last ${cut === 1 ? 'record is' : '2 records are'} missing`,
        ),
      )
      const cli = await runCli('ledger-verify.ts', ['--data-dir', dir], tempDir())
      expect(cli.code).toBe(1)
      expect(cli.stderr).toContain(`${file}: ends at record ${10 - cut}`)
      // Receipts and exports read the same way: they say the ledger was cut rather than "no record".
      expect(() => readConsentData(dir)).toThrow(/ledger\.jsonl: ends at record/)
      await refusedAtStart(
        dir,
        new RegExp(
          `ledger\\.jsonl: ends at record ${10 - cut}, but .*store\\.json anchored record 10 .*Put back the ledger\\.jsonl of a backup`,
        ),
      )
    }
  })

  it('catches a cut whose store.json head and signed heads were removed too, by the receipt ids the contact files name', async () => {
    const { dir, file, lines } = await tenRecords()
    write(file, lines.slice(0, -2))
    const manifest = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))
    delete manifest.ledgerHead
    writeFileSync(join(dir, 'store.json'), JSON.stringify(manifest))
    unlinkSync(join(dir, 'checkpoints.jsonl'))
    const removed = (JSON.parse(lines[9]!) as LedgerEntry).record.id
    const verdict = await verify(dir)
    expect(verdict).toMatchObject({ intact: false, sealBroken: true, where: join(dir, 'contacts') })
    expect(describeVerdict(verdict)).toContain(`name record ${removed} as the one that set a contact's answer`)
  })

  it('catches an emptied or deleted ledger: verify exits 1, the bot refuses to start a new chain', async () => {
    const { dir, file } = await tenRecords()
    write(file, [])
    expect(describeVerdict(await verify(dir))).toMatch(
      /ledger\.jsonl: holds no record, but the ledger reached record 10 .*the last 10 records are missing/,
    )
    await refusedAtStart(dir, /ledger\.jsonl: holds no record, but .*anchored record 10/)

    unlinkSync(file)
    const cli = await runCli('ledger-verify.ts', ['--data-dir', dir], tempDir())
    expect(cli.code).toBe(1)
    expect(cli.stderr).toMatch(/holds no record, but the ledger reached record 10/)
    await refusedAtStart(dir, /ledger\.jsonl: holds no record, but .*anchored record 10/)
  })

  it('catches a refusal rewritten as "given" with every hash recomputed (ledger, store.json, contact file): the signed heads contradict it', async () => {
    const dir = tempDir()
    const store = await openLowdbStore(dir)
    for (let n = 0; n < 5; n++) {
      const c = change(String(34800000000 + n), n, 'no')
      const entry = c.records[0]!
      entry.record.event = 'refused'
      entry.record.consents = { service: 'refused' }
      c.contact.consents.service!.state = 'refused'
      await store.commit(c)
    }
    await store.close()
    const file = join(dir, 'ledger.jsonl')
    const original = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LedgerEntry)
    const receiptBefore = consentReceipt(original[2]!, {
      data: readConsentData(dir),
      signing: {
        fingerprint: JSON.parse(readFileSync(join(dir, 'ledger-key.json'), 'utf8')).fingerprint,
        latest: checkpoints(dir).at(-1)!,
      },
    })

    // The forger: record 3 becomes "given", every hash after it recomputed, store.json's head too.
    let previous: LedgerEntry | undefined
    const forged = original.map((entry) => {
      const record = entry.seq === 3 ? { ...entry.record, event: 'given' as const, consents: { service: 'given' as const } } : entry.record
      previous = sealEntry(previous, record, entry.personal)
      return previous
    })
    write(
      file,
      forged.map((e) => JSON.stringify(e)),
    )
    const manifest = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8'))
    manifest.ledgerHead.hash = forged.at(-1)!.hash
    writeFileSync(join(dir, 'store.json'), JSON.stringify(manifest))
    expect((await verify(dir)).intact).toBe(false)
    expect(describeVerdict(await verify(dir))).toMatch(
      /ledger\.jsonl: holds a record 5 that is not record 5 .*checkpoints\.jsonl:\d+\): the ledger was rewritten/,
    )

    // …and the signed heads' hashes rewritten too: their signatures no longer hold.
    const heads = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ ...JSON.parse(l), hash: forged.at(-1)!.hash }))
    write(
      join(dir, 'checkpoints.jsonl'),
      heads.map((h) => JSON.stringify(h)),
    )
    const verdict = await verify(dir)
    expect(describeVerdict(verdict)).toMatch(/checkpoints\.jsonl:1: is a head of record 5 whose signature does not hold with the key/)
    await refusedAtStart(dir, /checkpoints\.jsonl:\d+: holds a ledger head not signed by ledger-key\.json/)
    // The receipt given before names the record's hash and the signed head: both contradict the forgery.
    expect(receiptBefore.ledger.hash).toBe(original[2]!.hash)
    expect(receiptBefore.ledger.hash).not.toBe(forged[2]!.hash)
    expect(receiptBefore.ledger.signedHead).toMatchObject({ seq: 5, hash: original[4]!.hash })
  })

  it('catches a notice text edited in notices.json: verify exits 1, the receipt no longer shows it as the text shown', async () => {
    const { dir, lines } = await tenRecords()
    const notices = JSON.parse(readFileSync(join(dir, 'notices.json'), 'utf8'))
    notices[NOTICE_HASH].text = 'Tienda Ejemplo no usa tus datos para nada.'
    writeFileSync(join(dir, 'notices.json'), JSON.stringify(notices))
    const verdict = await verify(dir)
    expect(verdict).toMatchObject({ intact: false, sealBroken: true, where: join(dir, 'notices.json') })
    expect(describeVerdict(verdict)).toMatch(/holds a text under hash [0-9a-f]{12}… .* that no longer has that hash/)
    expect((await runCli('ledger-verify.ts', ['--data-dir', dir], tempDir())).code).toBe(1)

    const data = readConsentData(dir)
    const id = (JSON.parse(lines[0]!) as LedgerEntry).record.id
    const receipt = consentReceipt(findEntry(data, id)!, { data })
    expect(receipt.notice.text).toBeNull()
    expect(receipt.notice.textProblem).toMatch(/changed after it was shown/)
  })

  it('refuses to start without the key that signed the heads; a reader (of a backup, say) reads, and ledger:verify says the key is missing', async () => {
    const { dir } = await tenRecords()
    unlinkSync(join(dir, 'ledger-key.json'))
    expect(readConsentData(dir).ledger).toHaveLength(10)
    expect(describeVerdict(await verify(dir))).toMatch(
      /checkpoints\.jsonl:1: is a signed head, and the key that checks it \(ledger-key\.json/,
    )
    await refusedAtStart(dir, /ledger-key\.json: is missing, while checkpoints\.jsonl holds \d+ ledger heads? it signed/)
  })
})
