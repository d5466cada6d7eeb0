/**
 * Many numbers in one database, one bot per number: each number's data and ledger are its own
 * (its own chain, seq 1, 2, …), and a second bot for a number is refused while the first runs.
 */
import { describe, expect, it } from 'vitest'
import { listNumbers, PostgresNumberBusyError } from '../../../src/adapters/postgres/index.js'
import { verifyChain } from '../../../src/domain/ledger.js'
import { change } from '../store/fixtures.js'
import { recordingLogger } from '../store/helpers.js'
import { postgresPerFile } from '../../support/postgres.js'
import { closedAfterEach, sessions, terminate } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()
const SAME_PERSON = '5215512345678'

describe('numbers in one PostgreSQL database', () => {
  it('keeps each number its own contacts and its own verifying chain, written at once', async () => {
    const url = await postgres.database()
    expect(await listNumbers(url)).toEqual([])
    const [centro, norte] = await Promise.all([open.store({ url, number: 'tienda-centro' }), open.store({ url, number: 'tienda-norte' })])
    // The same person writes to both businesses; each number has other contacts too.
    await Promise.all([
      ...Array.from({ length: 12 }, (_, n) => centro.commit(change(String(34600000000 + n), 1, 'sí'))),
      ...Array.from({ length: 7 }, (_, n) => norte.commit(change(String(34700000000 + n), 1, 'yes'))),
      centro.commit(change(SAME_PERSON, 1, 'sí, centro')),
      norte.commit(change(SAME_PERSON, 1, 'sí, norte')),
    ])
    expect(await listNumbers(url)).toEqual(['tienda-centro', 'tienda-norte'])

    for (const [number, count, answer] of [
      ['tienda-centro', 13, 'sí, centro'],
      ['tienda-norte', 8, 'sí, norte'],
    ] as const) {
      const { ledger, contacts } = await open.reader({ url, number }).read()
      expect(ledger.map((entry) => entry.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
      expect(verifyChain(ledger)).toEqual({ intact: true, count })
      expect(Object.keys(contacts)).toHaveLength(count)
      expect(ledger.find((entry) => entry.personal?.contact === SAME_PERSON)?.personal?.answer).toBe(answer)
    }
    expect((await centro.load(SAME_PERSON)).contact?.id).toBe(SAME_PERSON)
    expect((await open.reader({ url, number: 'tienda-sur' }).read()).ledger).toEqual([])
  })

  it('refuses a second bot for a number while the first runs, saying who holds it; lets it start once the first stopped', async () => {
    const url = await postgres.database()
    const first = await open.store({ url, number: 'tienda-centro' })
    await first.commit(change(SAME_PERSON, 1, 'sí'))
    const refused = await open.store({ url, number: 'tienda-centro' }).then(
      () => undefined,
      (error: Error) => error,
    )
    expect(refused).toBeInstanceOf(PostgresNumberBusyError)
    expect(refused?.message).toMatch(
      new RegExp(
        `^another bot \\(consent-bot lock pid ${process.pid} tienda-centro, from 127\\.0\\.0\\.1, since .+\\) is running number tienda-centro on this database; stop it first`,
      ),
    )
    // Another number of the same database is not held.
    await (await open.store({ url, number: 'tienda-norte' })).close()
    // The owner's tools read beside the running bot.
    expect(Object.keys((await open.reader({ url, number: 'tienda-centro' }).read()).contacts)).toEqual([SAME_PERSON])

    await first.close()
    const second = await open.store({ url, number: 'tienda-centro' })
    expect((await second.load(SAME_PERSON)).contact?.id).toBe(SAME_PERSON)
  })

  it('lets the number go when its bot dies: the lock is the session’s, not a file a kill leaves behind', async () => {
    const url = await postgres.database()
    const killed = await open.store({ url, number: 'tienda-centro' })
    await killed.commit(change(SAME_PERSON, 1, 'sí'))
    // Its process gone: the server ends its sessions.
    await terminate(postgres, [...(await sessions(postgres, 'lock')), ...(await sessions(postgres, 'store'))])
    const next = await open.store({ url, number: 'tienda-centro' })
    expect((await next.load(SAME_PERSON)).contact?.id).toBe(SAME_PERSON)
  })

  it('takes the number again when the lock’s own connection is cut while the bot runs, and goes on refusing a second bot', async () => {
    const url = await postgres.database()
    const logger = recordingLogger()
    const store = await open.store({ url, number: 'tienda-centro', logger })
    const lost = logger.next('store.number_lock_lost')
    const again = logger.next('store.number_lock_taken_again')
    await terminate(postgres, await sessions(postgres, 'lock'))
    expect(await lost).toEqual({ number: 'tienda-centro' })
    await again
    await expect(open.store({ url, number: 'tienda-centro' })).rejects.toThrow(PostgresNumberBusyError)
    // The store itself never stopped writing.
    await store.commit(change(SAME_PERSON, 1, 'sí'))
    expect((await store.load(SAME_PERSON)).contact?.id).toBe(SAME_PERSON)
  })

  it('refuses a number name that is not 1–64 letters, digits, "-", "_" or "."', async () => {
    const url = await postgres.database()
    for (const number of ['', 'tienda centro', 'tienda/centro', "x'; DROP TABLE contacts; --", 'x'.repeat(65)])
      await expect(open.store({ url, number }), number).rejects.toThrow(/is not a number name for the PostgreSQL store/)
    expect(() => open.reader({ url, number: 'a b' })).toThrow(/is not a number name/)
    await (await open.store({ url, number: 'Tienda_Centro.2-b' })).close()
  })
})
