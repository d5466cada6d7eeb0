/**
 * Connections and transactions. Every session commits synchronously (`synchronous_commit = on`,
 * whatever the server's default): COMMIT answers once the transaction is durable, and only then
 * does a store's promise resolve and the contact get a confirmation.
 *
 * A transaction PostgreSQL rolled back to break a deadlock or a serialization conflict is run
 * again at once; one whose session was lost is run again once on a fresh connection (the writes
 * check first what an earlier attempt committed, see writes.ts). What still fails is thrown as a
 * PostgresStoreError whose code tells the engine whether to wait and try again.
 */
import { setTimeout as wait } from 'node:timers/promises'
import pg from 'pg'
import type { Logger } from '../../ports/logger.js'
import { isConflict, isConnectionLost, storeError } from './errors.js'

export type Pool = pg.Pool
export type Db = pg.PoolClient

export interface PoolOptions {
  url: string
  size: number
  applicationName: string
  log: Logger
}

/** A pool whose sessions commit synchronously; a connection the server drops is logged, never fatal. */
export function createPool({ url, size, applicationName, log }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    application_name: applicationName,
    // A server that does not answer is a fault to wait out, not a start that hangs forever.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    // Set when the session starts (a startup parameter), so it holds before any query of the
    // caller's: a COMMIT returns only once it is durable. (A query sent on connect would run
    // beside the caller's first one, which pg 8 deprecates.)
    options: '-c synchronous_commit=on',
  })
  pool.on('connect', (client) => {
    // Without a listener, a session the server ends while checked out would crash the process.
    client.on('error', () => {})
  })
  pool.on('error', (error) => log.warn('store.connection_lost', { code: (error as { code?: string }).code }))
  return pool
}

export interface Attempts {
  /** Runs after a deadlock or serialization failure (default 5). */
  conflicts?: number
  /** Runs on a fresh connection after the session was lost (default 1). */
  reconnects?: number
}

/**
 * Runs `work` in a transaction (READ COMMITTED) and commits it. `doing` names the work in errors.
 * `work` must be safe to run again: it may be, after a conflict or a lost session.
 */
export async function inTransaction<T>(pool: pg.Pool, doing: string, work: (db: Db) => Promise<T>, attempts: Attempts = {}): Promise<T> {
  let conflicts = attempts.conflicts ?? 5
  let reconnects = attempts.reconnects ?? 1
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(pool, work)
    } catch (error) {
      if (isConflict(error) && conflicts-- > 0) {
        // A little apart, so the transactions that collided do not collide again.
        await wait(Math.random() * 5 * 2 ** attempt)
        continue
      }
      if (isConnectionLost(error) && reconnects-- > 0) continue
      throw storeError(error, doing)
    }
  }
}

async function once<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  const db = await pool.connect()
  // A session that failed mid-transaction is not handed out again: the pool makes a new one.
  let destroy: Error | undefined
  try {
    await db.query('BEGIN')
    const result = await work(db)
    await db.query('COMMIT')
    return result
  } catch (error) {
    if (isConnectionLost(error)) destroy = error as Error
    else await db.query('ROLLBACK').catch((rollback: Error) => (destroy = rollback))
    throw error
  } finally {
    db.release(destroy)
  }
}

/**
 * One statement outside a transaction (a load, a page of a scan), run again once on a fresh
 * connection if the session was lost; its errors told as the store's.
 */
export async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  doing: string,
  text: string,
  values: unknown[],
  /** A name for a statement run often: the server plans it once per connection. */
  name?: string,
): Promise<R[]> {
  for (let reconnects = 1; ; reconnects--) {
    try {
      return (await pool.query<R>(name ? { name, text, values } : { text, values })).rows
    } catch (error) {
      if (isConnectionLost(error) && reconnects > 0) continue
      throw storeError(error, doing)
    }
  }
}
