/**
 * One bot per number and database: a session-level advisory lock, held on a connection of its
 * own for as long as the store is open. Two bots on one number would both greet the same
 * contacts and interleave their conversations; the second one refuses to start instead, saying
 * who holds the number. The database releases the lock when its session ends, so a bot killed
 * (or a machine lost) leaves no stale lock behind. The owner's tools only read and never take it.
 *
 * If the lock's connection drops while the bot runs (a server restart, a network cut), the lock
 * is gone with it: that is logged, and the lock is taken again as soon as the server answers.
 */
import pg from 'pg'
import type { Logger } from '../../ports/logger.js'
import { PostgresNumberBusyError } from './errors.js'
import { applicationName, numberLockKey } from './number.js'

export interface NumberLock {
  release(): Promise<void>
}

/** Takes the number's lock or throws PostgresNumberBusyError. */
export async function lockNumber(url: string, number: string, log: Logger): Promise<NumberLock> {
  const key = numberLockKey(number)
  let released = false
  let client = await take(url, number, key)
  let retry: NodeJS.Timeout | undefined

  const watch = (held: pg.Client) => {
    held.on('error', () => {})
    held.on('end', () => {
      if (released) return
      log.error('store.number_lock_lost', { number })
      retake(1)
    })
  }
  const retake = (attempt: number) => {
    retry = setTimeout(
      async () => {
        if (released) return
        try {
          client = await take(url, number, key)
          if (released) return void (await client.end().catch(() => {}))
          watch(client)
          log.info('store.number_lock_taken_again', { number })
        } catch (error) {
          if (error instanceof PostgresNumberBusyError) log.error('store.number_taken', { number, holder: error.holder })
          retake(attempt + 1)
        }
      },
      Math.min(30_000, 500 * 2 ** attempt),
    )
    // A bot that is stopping does not wait for it.
    retry.unref()
  }
  watch(client)

  return {
    async release() {
      if (released) return
      released = true
      clearTimeout(retry)
      // Ending the session releases the lock (pg_advisory_unlock first, for a server that keeps it pooled).
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {})
      await client.end().catch(() => {})
    },
  }
}

async function take(url: string, number: string, key: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName(number, 'lock'), keepAlive: true })
  client.on('error', () => {})
  // pg's own error if the server cannot be reached or refuses the user: the caller tells the owner why.
  await client.connect()
  try {
    const { rows } = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS taken', [key])
    if (rows[0]?.taken) return client
    throw new PostgresNumberBusyError(number, await holder(client, key))
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/** Who holds the lock, as pg_stat_activity shows it (other users' sessions may be hidden). */
async function holder(client: pg.Client, key: string): Promise<string | undefined> {
  const value = BigInt.asUintN(64, BigInt(key))
  const { rows } = await client
    .query<{ application_name: string | null; client_addr: string | null; backend_start: Date | null }>(
      `SELECT a.application_name, host(a.client_addr) AS client_addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [(value >> 32n).toString(), (value & 0xffffffffn).toString()],
    )
    .catch(() => ({ rows: [] }))
  const row = rows[0]
  if (!row) return undefined
  const parts = [
    row.application_name || undefined,
    row.client_addr ? `from ${row.client_addr}` : undefined,
    row.backend_start ? `since ${row.backend_start.toISOString()}` : undefined,
  ].filter(Boolean)
  return parts.length ? parts.join(', ') : undefined
}
