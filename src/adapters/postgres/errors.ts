/**
 * The database's errors as the store tells them: a write PostgreSQL refused for now (disk full,
 * read-only, connection lost) carries the `code` that storeFaultReason reads, so the engine waits
 * and tries the same change again; anything else stays an ordinary error. Messages never carry a
 * query's parameters (phone numbers, answers): PostgreSQL's own detail lines are left out.
 */
import type { StoreFaultReason } from '../../ports/consent-store.js'

/** Another process holds the number's lock: it runs this number on this database. */
export class PostgresNumberBusyError extends Error {
  constructor(
    readonly number: string,
    /** Who holds it, as pg_stat_activity tells (absent when the database does not show it). */
    readonly holder?: string,
  ) {
    super(
      `another bot${holder ? ` (${holder})` : ''} is running number ${number} on this database; stop it first, or give this one a number of its own. The owner's commands (export, receipt, ledger:verify) can run beside it`,
    )
    this.name = 'PostgresNumberBusyError'
  }
}

/** What the database holds for a number and cannot be trusted (a cut ledger, a missing key). */
export class PostgresLedgerError extends Error {
  constructor(
    readonly number: string,
    readonly reason: string,
  ) {
    super(`The ledger of number ${number} in PostgreSQL ${reason}. Nothing was changed. Run npm run ledger:verify for the details`)
    this.name = 'PostgresLedgerError'
  }
}

/**
 * A write the database did not take. `code` is a Node-style code when the database refuses
 * writes for now (ENOSPC, EROFS, EACCES, EIO: see storeFaultReason), `sqlState` PostgreSQL's own.
 */
export class PostgresStoreError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sqlState: string | undefined,
  ) {
    super(message)
    this.name = 'PostgresStoreError'
  }
}

/** Node's codes for a server that cannot be reached, and PostgreSQL's for a session it ended. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // admin_shutdown (pg_terminate_backend, a fast stop), crash_shutdown, cannot_connect_now, too_many_connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
])

/** What node-pg says when the socket goes without a code (the server vanished mid-query). */
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The session is gone: the transaction did not commit, or its COMMIT's answer was lost. */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error)
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true
  return !code && error instanceof Error && CONNECTION_MESSAGES.test(error.message)
}

/** A transaction PostgreSQL rolled back to break a deadlock or a serialization conflict: run it again. */
export const isConflict = (error: unknown): boolean => ['40001', '40P01'].includes(codeOf(error) ?? '')

/** The Node-style code storeFaultReason reads, for an error the database may not give later. */
export function faultCode(error: unknown): string | undefined {
  if (isConnectionLost(error) || isConflict(error)) return 'EIO'
  switch (codeOf(error)) {
    case '53100': // disk_full
      return 'ENOSPC'
    case '25006': // read_only_sql_transaction: a standby, or default_transaction_read_only
      return 'EROFS'
    case '42501': // insufficient_privilege
      return 'EACCES'
    case '53000': // insufficient_resources
    case '53200': // out_of_memory
    case '55P03': // lock_not_available
    case '57014': // query_canceled (statement_timeout)
    case '58000': // system_error
    case '58030': // io_error
      return 'EIO'
    default:
      return undefined
  }
}

/** What the owner can do about it, by storeFaultReason. */
export const FAULT_HINTS: Record<StoreFaultReason | 'other', string> = {
  full: "the database server's disk is full: free some space",
  readOnly: 'the database takes no writes (a standby, or read-only): point DATABASE_URL at the primary',
  forbidden: "the database user may not write the store's tables: grant it the rights",
  failing: 'the database cannot be reached or failed: check the server and the network',
  other: 'the database refused the write',
}

/**
 * `error` as the store throws it: the database's (or the network's) with PostgreSQL's code and
 * short message, never its detail (it quotes values); the store's own as they are.
 */
export function storeError(error: unknown, doing: string): Error {
  const code = codeOf(error)
  if (error instanceof PostgresStoreError || (code === undefined && !isConnectionLost(error)))
    return error instanceof Error ? error : new Error(String(error))
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
  const constraint = (error as { constraint?: unknown }).constraint
  // Class 22 (data exception) messages may quote the value that did not fit: left out.
  const said = sqlState?.startsWith('22') ? 'a value did not fit its column' : (error as Error)?.message
  const message = `PostgreSQL ${doing} failed: ${said}${sqlState ? ` (SQLSTATE ${sqlState}${typeof constraint === 'string' ? `, constraint ${constraint}` : ''})` : ''}`
  return new PostgresStoreError(message, faultCode(error), sqlState)
}
