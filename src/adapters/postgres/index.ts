/**
 * The consent store on PostgreSQL: many numbers in one database, one bot per number.
 *
 *     contacts, conversations   the contacts and their conversations (json), by number and id
 *     ledger                    each number's consent ledger, its own hash chain (seq 1, 2, …)
 *     ledger_heads              each number's last entry: locked by every write, the anchored head
 *     ledger_seals, ledger_keys signed heads and each number's Ed25519 key
 *     notices                   the exact notice texts the ledger's hashes refer to
 *     schema_migrations         the migrations applied (migrations/NNN_*.sql)
 *
 * A commit, an erasure or an import is one transaction, and resolves once COMMIT answered with
 * `synchronous_commit = on`: a confirmation is sent only for what is durable.
 *
 * The parts: store (open, load, commit, erase, scan, import), writer (one transaction at a time,
 * group commit), writes (what a transaction writes), import, seals, number-lock (one bot per
 * number), migrate, reader (the ConsentReader port, listNumbers), rows, connection, errors, number.
 */
export { PostgresLedgerError, PostgresNumberBusyError, PostgresStoreError } from './errors.js'
export { PostgresImportError } from './import.js'
export { MIGRATIONS_DIR, readMigrations } from './migrate.js'
export { checkNumberName } from './number.js'
export { listNumbers, openPostgresReader, type PostgresReader, type PostgresReaderOptions } from './reader.js'
export { CHECKPOINT_EVERY } from './seals.js'
export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from './store.js'
