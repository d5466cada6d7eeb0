/**
 * The PostgreSQL store's schema: versioned SQL files applied once, under a lock, however many
 * bots start at once; never destructive; a database migrated by a newer bot is refused.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS_DIR, readMigrations } from '../../../src/adapters/postgres/index.js'
import { change } from '../store/fixtures.js'
import { recordingLogger } from '../store/helpers.js'
import { postgresPerFile } from '../../support/postgres.js'
import { closedAfterEach } from './helpers.js'

const postgres = postgresPerFile()
const open = closedAfterEach()

describe('the PostgreSQL schema', () => {
  it('is migrated once when several bots (each its own number) start at once on a fresh database', async () => {
    const url = await postgres.database()
    const logs = [recordingLogger(), recordingLogger(), recordingLogger(), recordingLogger()]
    const stores = await Promise.all(logs.map((logger, i) => open.store({ url, number: `tienda-${i}`, logger })))
    const applied = await postgres.sql<{ version: number; name: string }>(
      url,
      'SELECT version, name FROM schema_migrations ORDER BY version',
    )
    expect(applied).toEqual(readMigrations().map(({ version, name }) => ({ version, name })))
    expect(logs.flatMap((log) => log.events).filter((event) => event === 'store.migrated')).toHaveLength(applied.length)
    await Promise.all(stores.map((store, i) => store.commit(change(String(5215500000000 + i), 1, 'sí'))))
    for (const store of stores) await store.close()

    // Opened again: nothing left to apply.
    const again = recordingLogger()
    await (await open.store({ url, number: 'tienda-0', logger: again })).close()
    expect(again.events).not.toContain('store.migrated')
    expect(await postgres.sql(url, 'SELECT version FROM schema_migrations')).toHaveLength(applied.length)
  })

  it('ships its migrations as SQL files that only add (CREATE, ALTER … ADD): nothing dropped, emptied or rewritten', () => {
    const files = readdirSync(MIGRATIONS_DIR)
    expect(files.length).toBeGreaterThan(0)
    expect(files.every((name) => /^\d{3}_[\w-]+\.sql$/.test(name))).toBe(true)
    for (const name of files) {
      // Comments may say anything; statements may only add.
      const statements = readFileSync(join(MIGRATIONS_DIR, name), 'utf8')
        .replace(/--.*$/gm, '')
        .split(';')
        .map((statement) => statement.trim())
        .filter(Boolean)
      expect(statements.length, name).toBeGreaterThan(0)
      for (const statement of statements)
        expect(statement, name).toMatch(/^(CREATE (TABLE|INDEX|UNIQUE INDEX)|ALTER TABLE \w+ ADD|COMMENT ON)\b/i)
    }
  })

  it('refuses a database a newer bot migrated, and changes nothing in it', async () => {
    const url = await postgres.database()
    await (await open.store({ url, number: 'tienda-centro' })).close()
    await postgres.sql(url, "INSERT INTO schema_migrations (version, name, checksum) VALUES (99, '099_future.sql', 'x')")
    const before = await postgres.sql(url, 'SELECT * FROM ledger_heads')
    await expect(open.store({ url, number: 'tienda-centro' })).rejects.toThrow(
      /version 99 \(099_future\.sql\), newer than this bot knows.*update the bot/,
    )
    expect(await postgres.sql(url, 'SELECT * FROM ledger_heads')).toEqual(before)
    // The number is free again: the refused start let go of its lock.
    const [{ locks }] = await postgres.sql<{ locks: string }>(url, "SELECT count(*) AS locks FROM pg_locks WHERE locktype = 'advisory'")
    expect(Number(locks)).toBe(0)
  })
})
