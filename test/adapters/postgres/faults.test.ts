/**
 * The database failing under the store: a session lost mid-commit is made again on a fresh
 * connection; what still fails is thrown with a code storeFaultReason reads (the engine waits and
 * tries the same change again), nothing of it written; a change tried again after its COMMIT's
 * answer was lost is not written twice; the logs never carry a number or an answer.
 */
import { describe, expect, it } from 'vitest'
import { PostgresStoreError } from '../../../src/adapters/postgres/index.js'
import { createPool, inTransaction } from '../../../src/adapters/postgres/connection.js'
import { faultCode, storeError } from '../../../src/adapters/postgres/errors.js'
import { PatientWrites } from '../../../src/app/patient-writes.js'
import { verifyChain } from '../../../src/domain/ledger.js'
import { storeFaultReason } from '../../../src/ports/consent-store.js'
import { NUMBER } from '../../ports/consent-store.contract.js'
import { change, versionOf } from '../store/fixtures.js'
import { recordingLogger } from '../store/helpers.js'
import { postgresPerFile, startPostgres } from '../../support/postgres.js'
import { blockedSession, closedAfterEach, sessions, terminate } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()
const number = 'tienda-centro'

/** A store with one contact, and an administrator's transaction holding that contact's row: the next commit of it waits. */
async function commitThatWaits() {
  const url = await postgres.database()
  const logger = recordingLogger()
  const store = await open.store({ url, number, logger })
  await store.commit(change(NUMBER, 1, 'sí'))
  const admin = await open.client(url)
  await admin.query('BEGIN')
  await admin.query('SELECT 1 FROM contacts WHERE number = $1 AND id = $2 FOR UPDATE', [number, NUMBER])
  return { url, logger, store, admin, reader: open.reader({ url, number }) }
}

describe('the PostgreSQL store when the database fails', () => {
  it('makes a commit again on a fresh connection when its session is lost mid-transaction, and writes it once', async () => {
    const { store, admin, reader } = await commitThatWaits()
    const committed = store.commit(change(NUMBER, 2, 'no, gracias'))
    await terminate(postgres, [await blockedSession(postgres)])
    // Tried again, it waits for the same row: let it go.
    await blockedSession(postgres)
    await admin.query('ROLLBACK')
    await committed

    const { ledger } = await reader.read()
    expect(ledger.map((entry) => entry.personal?.answer)).toEqual(['sí', 'no, gracias'])
    expect(verifyChain(ledger)).toEqual({ intact: true, count: 2 })
    expect(versionOf((await store.load(NUMBER)).conversation)).toBe(2)
  })

  it('fails with a fault the engine waits out when the session is lost again and again, nothing of it written; saved once the database is back', async () => {
    const { store, admin, reader, logger } = await commitThatWaits()
    const before = await reader.read()
    const told: string[] = []
    let failure: unknown
    let meanwhile: Awaited<ReturnType<typeof reader.read>> | undefined
    const writes = new PatientWrites({
      clock: () => new Date(),
      log: logger,
      // The engine's wait: here, until the database is back.
      retryDelay: async () => {
        meanwhile = await reader.read()
        await admin.query('ROLLBACK')
      },
    })
    const written = writes.write(
      NUMBER,
      () =>
        store.commit(change(NUMBER, 2, 'no, gracias')).catch((error: unknown) => {
          failure ??= error
          throw error
        }),
      async () => void told.push('waiting'),
    )
    // The first try and the store's own second one, each cut off.
    for (let cut = 0; cut < 2; cut++) await terminate(postgres, [await blockedSession(postgres)])
    await written

    expect(failure).toBeInstanceOf(PostgresStoreError)
    expect(failure).toMatchObject({ code: 'EIO', sqlState: '57P01' })
    expect(storeFaultReason(failure)).toBe('failing')
    expect(told).toEqual(['waiting'])
    // Nothing half-written while it waited: the contact, its conversation and the ledger as before.
    expect(meanwhile).toEqual(before)
    const { ledger } = await reader.read()
    expect(ledger.map((entry) => entry.personal?.answer)).toEqual(['sí', 'no, gracias'])
    expect(verifyChain(ledger)).toMatchObject({ intact: true })
    expect(logger.events.filter((event) => event.startsWith('store.write_'))).toEqual(['store.write_failed', 'store.write_resumed'])
    for (const line of logger.lines) for (const secret of [NUMBER, 'gracias', 'sí']) expect(line).not.toContain(secret)
  })

  it('writes a change tried again after its COMMIT answered (the answer lost) once: its records are found in the ledger', async () => {
    const url = await postgres.database()
    const store = await open.store({ url, number })
    const answered = change(NUMBER, 1, 'sí')
    await store.commit(answered)
    await store.commit(change('34600000001', 1, 'yes'))
    await store.commit(answered)
    const { ledger } = await open.reader({ url, number }).read()
    expect(ledger.map((entry) => entry.personal?.contact)).toEqual([NUMBER, '34600000001'])
  })

  it('tells a read-only database (a standby) as readOnly, and writes again once it takes writes', async () => {
    const { url, store, admin, logger } = await commitThatWaits()
    await admin.query('ROLLBACK')
    const database = new URL(url).pathname.slice(1)
    await postgres.sql(postgres.adminUrl, `ALTER DATABASE ${database} SET default_transaction_read_only = on`)
    // New sessions get the setting: the store's are ended, as a failover would.
    await terminate(postgres, await sessions(postgres, 'store'))
    const refused = await store.commit(change(NUMBER, 2, 'no')).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toMatchObject({ code: 'EROFS', sqlState: '25006' })
    expect(storeFaultReason(refused)).toBe('readOnly')
    expect(logger.lines.find((line) => line.includes('store.write_failed'))).toMatch(/point DATABASE_URL at the primary/)
    expect(versionOf((await store.load(NUMBER)).conversation)).toBe(1)

    await postgres.sql(postgres.adminUrl, `ALTER DATABASE ${database} RESET default_transaction_read_only`)
    await terminate(postgres, await sessions(postgres, 'store'))
    await store.commit(change(NUMBER, 2, 'no'))
    expect(versionOf((await store.load(NUMBER)).conversation)).toBe(2)
    expect(logger.events).toContain('store.write_resumed')
  })

  it('fails at once, as failing, while the server is down, and still closes', async () => {
    const server = await startPostgres()
    try {
      const url = server.url('postgres')
      const store = await open.store({ url, number })
      await store.commit(change(NUMBER, 1, 'sí'))
      await server.stop()
      const refused = await store.commit(change(NUMBER, 2)).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(storeFaultReason(refused)).toBe('failing')
      await expect(store.load(NUMBER)).rejects.toMatchObject({ code: 'EIO' })
      await store.close()
    } finally {
      await server.stop()
    }
  })

  it('commits synchronously whatever the database’s default: COMMIT answers once the transaction is durable', async () => {
    const url = await postgres.database()
    const database = new URL(url).pathname.slice(1)
    await postgres.sql(postgres.adminUrl, `ALTER DATABASE ${database} SET synchronous_commit = off`)
    expect(await postgres.sql(url, 'SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'off' }])
    const pool = createPool({ url, size: 2, applicationName: 'consent-bot store test', log: recordingLogger() })
    try {
      const settings = await inTransaction(pool, 'reading a setting', async (db) => (await db.query('SHOW synchronous_commit')).rows)
      expect(settings).toEqual([{ synchronous_commit: 'on' }])
    } finally {
      await pool.end()
    }
  })

  it('maps the database’s refusals to the codes storeFaultReason reads, and never quotes a value', () => {
    const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code })
    expect(faultCode(pgError('53100'))).toBe('ENOSPC')
    expect(faultCode(pgError('25006'))).toBe('EROFS')
    expect(faultCode(pgError('42501'))).toBe('EACCES')
    for (const code of ['57P01', '08006', 'ECONNREFUSED', 'ECONNRESET', '40001', '40P01', '58030'])
      expect(storeFaultReason({ code: faultCode(pgError(code)) }), code).toBe('failing')
    expect(faultCode(new Error('Connection terminated unexpectedly'))).toBe('EIO')
    expect(faultCode(pgError('23505'))).toBeUndefined()
    const quoted = storeError(pgError('22P02', `invalid input syntax for type integer: "${NUMBER}"`), 'saving a change')
    expect(quoted.message).not.toContain(NUMBER)
    expect(quoted).toMatchObject({ sqlState: '22P02', code: undefined })
  })
})
