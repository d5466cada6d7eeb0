/**
 * The bot's number as the database knows it: a label the owner chooses (`tienda-centro`), on
 * every row, in the advisory lock's key, and in the places the owner's tools name.
 */
import { createHash } from 'node:crypto'

const NUMBER_NAME = /^[A-Za-z0-9._-]{1,64}$/

/** Throws unless `number` is 1–64 letters, digits, `-`, `_` or `.` (it shows up in names and logs). */
export function checkNumberName(number: string): void {
  if (typeof number !== 'string' || !NUMBER_NAME.test(number))
    throw new Error(
      `"${String(number).slice(0, 80)}" is not a number name for the PostgreSQL store: use 1 to 64 letters, digits, "-", "_" or "." (e.g. tienda-centro)`,
    )
}

/** A 64-bit key from a text, as PostgreSQL's advisory locks take it (a signed bigint, in decimal). */
export function lockKey(text: string): string {
  return createHash('sha256').update(text).digest().readBigInt64BE(0).toString()
}

/** The session lock that one process holds while it runs `number`. */
export const numberLockKey = (number: string): string => lockKey(`consent-bot/number/${number}`)

/** Taken for the length of a migration, so two processes starting at once migrate once. */
export const MIGRATION_LOCK_KEY = lockKey('consent-bot/migrations')

/** How a connection names itself in pg_stat_activity (PostgreSQL keeps 63 bytes of it). */
export const applicationName = (number: string, role: 'store' | 'lock' | 'reader'): string =>
  `consent-bot ${role} pid ${process.pid} ${number}`.slice(0, 63)

/** Where the owner's tools say a thing of this number is kept. */
export const where = {
  table: (table: string, number: string) => `postgres table ${table} (number ${number})`,
  ledgerRow: (number: string, seq: number) => `ledger row number=${number} seq=${seq}`,
  seal: (number: string, id: number) => `postgres table ledger_seals (number ${number}) row id=${id}`,
}
