/**
 * The PostgreSQL ledger sealed as the file store's is: a key per number made at its first start,
 * a signed head every 1000 records (in the commit's transaction), at a clean stop and at the
 * start after a kill; ledger:verify checks the chain against them and catches a cut or re-forged
 * ledger, which the bot also refuses at start.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PostgresLedgerError } from '../../../src/adapters/postgres/index.js'
import { headSignatureHolds, keyFingerprint, type LedgerEntry, sealEntry } from '../../../src/domain/ledger.js'
import { verifyLedger } from '../../../src/main/commands/ledger-verify.js'
import { change } from '../store/fixtures.js'
import { postgresPerFile } from '../../support/postgres.js'
import { closedAfterEach, sessions, terminate, walk } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()
const number = 'tienda-centro'

async function tenRecords(): Promise<string> {
  const url = await postgres.database()
  const store = await open.store({ url, number })
  for (let n = 0; n < 10; n++) await store.commit(change(String(34600000000 + n), n, 'sí'))
  await store.close()
  return url
}

describe('the PostgreSQL ledger sealed outside itself', () => {
  it('signs its head every 1000 records and at a clean stop, with a key made at the first start; ledger:verify finds it intact', async () => {
    const url = await postgres.database()
    const store = await open.store({ url, number })
    const [key] = await postgres.sql<{ fingerprint: string; public_key: string; private_key: string; algorithm: string }>(
      url,
      'SELECT algorithm, fingerprint, public_key, private_key FROM ledger_keys WHERE number = $1',
      [number],
    )
    expect(key).toMatchObject({ algorithm: 'Ed25519', fingerprint: keyFingerprint(key!.private_key) })
    const reader = open.reader({ url, number })
    // Nothing to sign yet: an empty ledger.
    expect((await reader.seals()).signed).toEqual([])

    for (let n = 0; n < 1001; n += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, 1001 - n) }, (_, i) => store.commit(change(String(34700000000 + n + i), n + i, 'sí'))),
      )
    const running = await reader.seals()
    expect(running.signed).toHaveLength(1)
    expect(running.signed[0]!.head.seq).toBeGreaterThanOrEqual(1000)
    expect(await verifyLedger(reader, { liveHead: true })).toMatchObject({ intact: true, count: 1001 })

    await store.close()
    const seals = await reader.seals()
    expect(seals.signed.map((seal) => seal.head.seq).at(-1)).toBe(1001)
    for (const { head } of seals.signed) expect(headSignatureHolds(key!.public_key, head)).toBe(true)
    expect(seals).toMatchObject({
      ledger: `postgres table ledger (number ${number})`,
      anchors: [{ where: `postgres table ledger_heads (number ${number})`, seq: 1001 }, ...seals.signed.map(() => expect.anything())],
      key: { where: `postgres table ledger_keys (number ${number})`, fingerprint: key!.fingerprint },
    })
    expect(seals.signed[0]!.where).toMatch(/^postgres table ledger_seals \(number tienda-centro\) row id=\d+$/)
    expect(await verifyLedger(reader)).toMatchObject({ intact: true, count: 1001, signed: { seq: 1001, fingerprint: key!.fingerprint } })
    const steps = await walk(reader)
    expect(steps.at(-1)).toMatchObject({ kind: 'record', where: `ledger row number=${number} seq=1001` })
  })

  it('signs at the next start the head a killed bot left unsigned', async () => {
    const url = await postgres.database()
    const killed = await open.store({ url, number })
    for (let n = 0; n < 3; n++) await killed.commit(change(String(34600000000 + n), n, 'sí'))
    await terminate(postgres, [...(await sessions(postgres, 'lock')), ...(await sessions(postgres, 'store'))])
    const reader = open.reader({ url, number })
    expect((await reader.seals()).signed).toEqual([])

    await open.store({ url, number })
    const { signed } = await reader.seals()
    expect(signed.map((seal) => seal.head.seq)).toEqual([3])
    expect(await verifyLedger(reader)).toMatchObject({ intact: true, count: 3, signed: { seq: 3 } })
  })

  it('catches the last records deleted: ledger:verify names what its head anchored, and the bot refuses to start, changing nothing', async () => {
    const url = await tenRecords()
    await postgres.sql(url, 'DELETE FROM ledger WHERE number = $1 AND seq > 8', [number])
    const verdict = await verifyLedger(open.reader({ url, number }))
    expect(verdict).toMatchObject({ intact: false, sealBroken: true, where: `postgres table ledger (number ${number})`, count: 8 })
    expect(verdict.intact === false && verdict.reason).toMatch(/ends at record 8, but the ledger reached record 10/)

    const before = await postgres.sql(url, 'SELECT * FROM ledger_seals ORDER BY id')
    await expect(open.store({ url, number })).rejects.toThrow(PostgresLedgerError)
    await expect(open.store({ url, number })).rejects.toThrow(
      /^The ledger of number tienda-centro in PostgreSQL ends at record 8, but table ledger_heads anchored record 10 .*Nothing was changed/,
    )
    expect(await postgres.sql(url, 'SELECT * FROM ledger_seals ORDER BY id')).toEqual(before)
  })

  it('catches a ledger re-forged with every hash recomputed (and its head moved with it): its signed head names another record', async () => {
    const url = await tenRecords()
    const rows = await postgres.sql<{ seq: string; record: LedgerEntry['record']; personal: LedgerEntry['personal'] }>(
      url,
      'SELECT seq, record, personal FROM ledger WHERE number = $1 ORDER BY seq',
      [number],
    )
    // Record 4's purposes changed, and the chain sealed again from there on, as a forger would.
    let previous: LedgerEntry | undefined
    for (const row of rows) {
      if (row.seq === '4') row.record.purposes = ['marketing']
      const entry = sealEntry(previous, row.record, row.personal)
      await postgres.sql(url, 'UPDATE ledger SET prev = $3, hash = $4, record = $5 WHERE number = $1 AND seq = $2', [
        number,
        entry.seq,
        entry.prev,
        entry.hash,
        JSON.stringify(entry.record),
      ])
      previous = entry
    }
    await postgres.sql(url, 'UPDATE ledger_heads SET hash = $2 WHERE number = $1', [number, previous!.hash])
    const verdict = await verifyLedger(open.reader({ url, number }))
    expect(verdict).toMatchObject({ intact: false, sealBroken: true })
    expect(verdict.intact === false && verdict.reason).toMatch(/holds a record 10 that is not record 10 .*rewritten/)
    await expect(open.store({ url, number })).rejects.toThrow(/does not hold record 10 as it was signed .*rewritten/)
  })

  it('refuses to start when the key that signed its heads is gone (a new one would sign a forgery as well)', async () => {
    const url = await tenRecords()
    await postgres.sql(url, 'DELETE FROM ledger_keys')
    await expect(open.store({ url, number })).rejects.toThrow(/has signed heads \(table ledger_seals\) but its key is gone/)
    expect(await postgres.sql(url, 'SELECT * FROM ledger_keys')).toEqual([])
    // ledger:verify says so too.
    expect(await verifyLedger(open.reader({ url, number }))).toMatchObject({ intact: false, sealBroken: true })
  })

  it('keeps each notice text with its hash, as ledger:verify checks', async () => {
    const url = await tenRecords()
    const [row] = await postgres.sql<{ hash: string; notice: { text: string } }>(url, 'SELECT hash, notice FROM notices')
    expect(createHash('sha256').update(row!.notice.text).digest('hex')).toBe(row!.hash)
    await postgres.sql(
      url,
      `UPDATE notices SET notice = json_build_object('policyVersion', '2026-11-01', 'language', 'es', 'text', 'otro')`,
    )
    expect(await verifyLedger(open.reader({ url, number }))).toMatchObject({
      intact: false,
      sealBroken: true,
      where: `postgres table notices (number ${number})`,
    })
  })
})
