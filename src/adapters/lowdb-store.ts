/**
 * The consent store on files an owner can open, in the data directory:
 *
 *     store.json          schema version and how many contact files there are
 *     contacts/NN.json    contacts and their conversations, spread by a hash of the contact id (lowdb)
 *     journal.jsonl       every commit since the contact files were last written (write-ahead log)
 *     ledger.jsonl        the consent ledger: append-only, hash-chained evidence
 *     notices.json        the exact notice texts the ledger's hashes refer to
 *     backups/<time>/     copies taken after each start-up; the newest three are kept
 *
 * A commit appends one journal line and its ledger lines and resolves once an fsync covers them;
 * memory is updated then, so it only ever holds what is on disk. Commits that arrive while an
 * fsync is in flight share the next one (group commit), so a burst of messages costs a few
 * fsyncs, and the cost of a message does not grow with the number of contacts. Once the journal
 * passes a size, the contact files that changed are rewritten (compaction) and a new journal
 * begins.
 *
 * A file that does not parse or has the wrong shape is never overwritten or repaired: the bot
 * refuses to start, names the file and line, and points to the newest backup. The one exception
 * is a last line a kill cut short (no newline at the end): it was never confirmed, and is cut off.
 *
 * The parts, in store/: layout (file names, manifest), recover (what the files hold, read the same
 * way by the bot at start and by the owner's tools), open (recovery, then mending what a kill
 * left), sharded-store (load, commit, erase, scan), contact-files, commit-log (group commit),
 * compaction, erasure, backups, reader (the ConsentReader port); and the file formats: shards,
 * journal, ledger-file, json-lines, durable-file, errors.
 */
export { DatabaseFileError } from './store/errors.js'
export { CONTACTS_DIR, LEGACY_FILE, MANIFEST_FILE, NOTICES_FILE } from './store/layout.js'
export { LEDGER_FILE } from './store/ledger-file.js'
export { LOCK_DIR, PID_FILE, StoreLockedError } from './store/lock.js'
export { openLowdbStore } from './store/open.js'
export { openConsentReader, readConsentData, readConsentDataInTurns } from './store/reader.js'
export type { LowdbStore, LowdbStoreOptions } from './store/sharded-store.js'
export { SCHEMA_VERSION } from './store/shards.js'
