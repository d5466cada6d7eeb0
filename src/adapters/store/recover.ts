/**
 * Recovery: what a data directory holds, read and checked, as the bot finds it when it starts.
 * One path for the bot (at start, before it writes anything) and for the owner's tools (at any
 * time, also while the bot runs; they never write): the manifest, the contact files, the
 * journals replayed over them, the notices, and the ledger's tail (the bot) or whole (a reader),
 * with the ledger lines a kill left only in the journal restored.
 *
 * It reads and never writes: what needs mending (a last line a kill cut short, ledger lines to
 * restore) is returned for the bot to mend. A file that does not parse or has the wrong shape
 * throws DatabaseFileError naming the file and line. It is a generator that yields after each
 * unit of work (a file, a few thousand ledger lines), so a running bot can read in turns.
 */
import type { KeyObject } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENESIS, type LedgerEntry } from '../../domain/ledger.js'
import { newestBackup } from './backups.js'
import { parseJsonFile } from './durable-file.js'
import { DatabaseFileError } from './errors.js'
import { JOURNAL_FILE, parseJournalLine, rotatedJournals, type JournalRecord } from './journal.js'
import { splitLines } from './json-lines.js'
import { LEDGER_FILE, parseLedgerLine, readLedgerTail, readLinesSync } from './ledger-file.js'
import {
  CHECKPOINTS_FILE,
  CONTACTS_DIR,
  LEGACY_FILE,
  legacyError,
  MANIFEST_FILE,
  type Manifest,
  manifestProblem,
  newManifest,
  NOTICES_FILE,
  type Notices,
  noticesProblem,
  storeFilesIn,
} from './layout.js'
import { type Checkpoint, readCheckpoints, readSigningKey, sealProblem } from './seals.js'
import type { RecoveredShard } from './contact-files.js'
import { emptyIndex, indexShard, shardEntries } from './shard-index.js'
import { shardFileName, shardOf, type ShardEntries } from './shards.js'

export interface RecoverOptions {
  /** 'tail': the last record only (the bot never loads the ledger whole); 'all': every record (a reader). */
  ledger: 'tail' | 'all'
  /** How many contact files a new data directory gets. */
  shards: number
  /**
   * 'all': every contact read into `shards` (a reader); 'index': where each contact is in its
   * file, and what the journals changed, in `indexed` (the bot, which reads contacts as asked).
   */
  contacts?: 'all' | 'index'
}

/** A last line a kill cut short: never confirmed. The bot cuts it off; a reader leaves it out. */
export interface TornLine {
  file: string
  completeBytes: number
  bytes: number
}

export interface Recovered {
  /** False for a folder without a store yet (the bot makes one; a reader finds it empty). */
  exists: boolean
  /** The data directory's names when the read began. */
  names: string[]
  manifest: Manifest
  /** Each contact file's entries with the journals replayed over them (`contacts: 'all'`; else empty). */
  shards: ShardEntries[]
  /** Each contact file's index and the journals' changes over it (`contacts: 'index'`; else empty). */
  indexed: RecoveredShard[]
  /**
   * The ids the journals added to a contact file, in the order they were added (a reader lists
   * them after the contacts the files already held, in the order the bot first met them).
   */
  added: Set<string>
  /** The contact files the journals changed: the next compaction writes them. */
  replayed: Set<number>
  rotated: { name: string; n: number }[]
  journalLines: number
  notices: Notices
  torn: TornLine[]
  /** Every ledger record of ledger.jsonl (with `ledger: 'all'`). */
  ledger: LedgerEntry[]
  /** Records the journal holds and ledger.jsonl lost to a kill between their two fsyncs, in order. */
  restored: LedgerEntry[]
  /** The ledger's last record, restored ones included. */
  last: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
  /** The signed heads of checkpoints.jsonl (a last line a kill cut short left out). */
  checkpoints: Checkpoint[]
  /** The key that signs them (ledger-key.pem), when the folder has one. */
  signingKey: KeyObject | undefined
}

/** How many ledger lines are read between two turns. */
const LEDGER_LINES_PER_TURN = 2000

/** Reads everything; yields after each unit of work. */
export function* recover(dataDir: string, options: RecoverOptions): Generator<void, Recovered> {
  const absent = (names: string[]): Recovered => ({
    exists: false,
    names,
    manifest: newManifest(options.shards),
    shards: options.contacts === 'index' ? [] : Array.from({ length: options.shards }, () => new Map()),
    indexed:
      options.contacts === 'index' ? Array.from({ length: options.shards }, () => ({ index: emptyIndex(), changed: new Map() })) : [],
    added: new Set(),
    replayed: new Set(),
    rotated: [],
    journalLines: 0,
    notices: {},
    torn: [],
    ledger: [],
    restored: [],
    last: undefined,
    checkpoints: [],
    signingKey: undefined,
  })
  if (!existsSync(dataDir)) return absent([])
  // Compaction may run meanwhile (a reader beside a running bot): journals are read before the
  // contact files they are folded into, and the whole read is tried again if a journal was
  // rotated during it.
  for (let attempt = 1; ; attempt++) {
    const names = readdirSync(dataDir)
    if (names.includes(LEGACY_FILE)) throw legacyError(dataDir)
    if (!names.includes(MANIFEST_FILE)) {
      const found = storeFilesIn(names)
      if (found.length)
        throw new DatabaseFileError(
          join(dataDir, MANIFEST_FILE),
          undefined,
          `is missing, while the data directory holds ${found.join(', ')}`,
        )
      return absent(names)
    }

    // Journals, oldest first: each line is a contact's whole state, so the last line wins.
    const rotated = rotatedJournals(names)
    const journals = [...rotated.map((r) => r.name), JOURNAL_FILE]
    const torn: TornLine[] = []
    const records: { file: string; record: JournalRecord }[] = []
    for (const name of journals) {
      const file = join(dataDir, name)
      const buffer = readIfThere(file)
      if (!buffer) continue
      const { lines, completeBytes, tornBytes } = splitLines(buffer)
      if (tornBytes) torn.push({ file, completeBytes, bytes: tornBytes })
      lines.forEach((text, i) => records.push({ file, record: parseJournalLine(file, i + 1, text) }))
      yield
    }
    if (rotatedSince(dataDir, journals) && attempt < 5) continue

    const manifestFile = join(dataDir, MANIFEST_FILE)
    const manifest = parseJsonFile<Manifest>(manifestFile, readIfThere(manifestFile, 'utf8') ?? '', manifestProblem)
    const shards: ShardEntries[] = []
    const indexed: RecoveredShard[] = []
    const replayed = new Set<number>()
    for (let index = 0; index < manifest.shards; index++) {
      const file = join(dataDir, CONTACTS_DIR, shardFileName(index))
      if (options.contacts === 'index') {
        const buffer = readIfThere(file)
        const read = buffer === undefined ? { index: emptyIndex() } : indexShard(buffer, file, index, manifest.shards)
        // A file laid out otherwise is held in memory as changes, and rewritten at the next compaction.
        if ('entries' in read) replayed.add(index)
        indexed.push(
          'entries' in read ? { index: emptyIndex(), changed: new Map(read.entries) } : { index: read.index, changed: new Map() },
        )
      } else {
        const buffer = readIfThere(file)
        shards.push(buffer === undefined ? new Map() : shardEntries(buffer, file, index, manifest.shards))
      }
      yield
    }
    // A compaction that began meanwhile may have folded changes newer than the journals read
    // above into the contact files: laying those journals over them would undo the changes. Again.
    if (rotatedSince(dataDir, journals) && attempt < 5) continue

    const added = new Set<string>()
    for (const { record } of records) {
      if (record.removed !== undefined) {
        const index = shardOf(record.removed, manifest.shards)
        if (options.contacts === 'index') indexed[index]!.changed.set(record.removed, null)
        else shards[index]!.delete(record.removed)
        added.delete(record.removed)
        replayed.add(index)
      }
      if (record.contact) {
        const index = shardOf(record.contact.id, manifest.shards)
        const entry = {
          contact: record.contact.json,
          ...(record.contact.conversation === undefined ? {} : { conversation: record.contact.conversation }),
        }
        if (options.contacts === 'index') indexed[index]!.changed.set(record.contact.id, entry)
        else {
          const shard = shards[index]!
          if (!shard.has(record.contact.id)) added.add(record.contact.id)
          shard.set(record.contact.id, entry)
        }
        replayed.add(index)
      }
    }

    // Read after the journals: a notice is on disk before any line that refers to it.
    const noticesFile = join(dataDir, NOTICES_FILE)
    const noticesText = readIfThere(noticesFile, 'utf8')
    const notices = noticesText === undefined ? {} : parseJsonFile<Notices>(noticesFile, noticesText, noticesProblem)

    // Read before the ledger: a head is signed only once the ledger holds it.
    const signed = readCheckpoints(dataDir)
    if (signed.tornBytes) torn.push({ file: join(dataDir, CHECKPOINTS_FILE), completeBytes: signed.completeBytes, bytes: signed.tornBytes })
    const signingKey = readSigningKey(dataDir)

    const ledgerFile = join(dataDir, LEDGER_FILE)
    const ledger: LedgerEntry[] = []
    let last: Pick<LedgerEntry, 'seq' | 'hash'> | undefined
    if (options.ledger === 'tail') {
      const tail = readLedgerTail(ledgerFile)
      if (tail.tornBytes) torn.push({ file: ledgerFile, completeBytes: tail.completeBytes, bytes: tail.tornBytes })
      last = tail.last
    } else if (existsSync(ledgerFile)) {
      for (const { line, text, complete } of readLinesSync(ledgerFile)) {
        // A last line a kill cut short is left out, as the bot cuts it.
        if (complete) ledger.push(parseLedgerLine(ledgerFile, line, text))
        if (line % LEDGER_LINES_PER_TURN === 0) yield
      }
      last = ledger.at(-1)
    }
    // A kill between the journal's fsync and the ledger's can leave ledger lines only in the journal.
    const restored: LedgerEntry[] = []
    for (const { file, record } of records) {
      for (const entry of record.ledger) {
        if (entry.seq <= (last?.seq ?? 0)) continue
        if (entry.seq !== (last?.seq ?? 0) + 1 || entry.prev !== (last?.hash ?? GENESIS)) {
          throw new DatabaseFileError(
            file,
            record.line,
            `holds ledger record ${entry.seq}, which does not follow the last record of ${LEDGER_FILE} (${last?.seq ?? 'none'}): the two files come from different copies of the data`,
          )
        }
        restored.push(entry)
        last = entry
      }
    }
    // A ledger that ends before a head anchored elsewhere was cut, emptied or replaced.
    const hashAt = (seq: number) => (options.ledger === 'all' ? (ledger[seq - 1] ?? restored.find((e) => e.seq === seq))?.hash : undefined)
    const unsealed = sealProblem(dataDir, manifest, signed.checkpoints, signingKey, last, hashAt, options.ledger === 'tail')
    if (unsealed) throw unsealed
    return {
      exists: true,
      names,
      manifest,
      shards,
      indexed,
      added,
      replayed,
      rotated,
      journalLines: records.length,
      notices,
      torn,
      ledger,
      restored,
      last,
      checkpoints: signed.checkpoints,
      signingKey,
    }
  }
}

/** Runs `recover` through without a break (the bot at start, and a tool that reads at once). */
export function recoverAtOnce(dataDir: string, options: RecoverOptions): Recovered {
  const steps = recover(dataDir, options)
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value
}

/** The same error, with where the owner finds the last good copy of their data. */
export function withNewestBackup(error: unknown, dataDir: string): unknown {
  return error instanceof DatabaseFileError && error.backup === undefined ? error.withBackup(newestBackup(dataDir)) : error
}

/** Whether a journal was rotated out since `journals` were listed (a compaction began meanwhile). */
const rotatedSince = (dataDir: string, journals: string[]): boolean =>
  rotatedJournals(readdirSync(dataDir)).some((r) => !journals.includes(r.name))

/** A file's content, or undefined when it does not exist; any other failure names the file. */
function readIfThere(file: string): Buffer | undefined
function readIfThere(file: string, encoding: 'utf8'): string | undefined
function readIfThere(file: string, encoding?: 'utf8'): Buffer | string | undefined {
  try {
    return encoding ? readFileSync(file, encoding) : readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
}
