/**
 * The schema, as versioned SQL files beside this one (`migrations/NNN_name.sql`, read when a
 * store opens). Each is applied once, in order, inside one transaction that first takes a
 * transaction-level advisory lock: two bots starting at once on one database migrate it once,
 * the second waiting for the first and finding nothing left to do. `schema_migrations` records
 * what was applied. Migrations only add (tables, columns, indexes): none drops or rewrites data.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../../ports/logger.js'
import { inTransaction, type Pool } from './connection.js'
import { MIGRATION_LOCK_KEY } from './number.js'

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

/** The migration files, in version order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => {
      const match = /^(\d+)_[\w-]+\.sql$/.exec(name)
      if (!match) throw new Error(`${dir}${name}: a migration is named NNN_what.sql`)
      const sql = readFileSync(`${dir}${name}`, 'utf8')
      return { version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
    .sort((a, b) => a.version - b.version)
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`${dir}: migration ${i + 1} is missing or repeated (found ${migration.name})`)
  })
  return migrations
}

/** Applies the migrations the database lacks; returns the versions it applied. */
export async function migrate(pool: Pool, log: Logger, migrations = readMigrations()): Promise<number[]> {
  return inTransaction(pool, 'migrating the schema', async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY])
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await db.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    )
    const newest = rows.at(-1)
    if (newest && newest.version > migrations.length)
      throw new Error(
        `the database's schema is at version ${newest.version} (${newest.name}), newer than this bot knows (${migrations.length}): update the bot`,
      )
    for (const row of rows) {
      const known = migrations[row.version - 1]
      if (known && known.checksum !== row.checksum) log.warn('store.migration_changed', { version: row.version, name: row.name })
    }
    const applied: number[] = []
    for (const migration of migrations.slice(rows.length)) {
      await db.query(migration.sql)
      await db.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ])
      applied.push(migration.version)
      log.info('store.migrated', { version: migration.version, name: migration.name })
    }
    return applied
  })
}
