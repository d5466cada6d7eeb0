/**
 * The file store as the owner's tools read it (export, receipts, the dashboard, ledger:verify):
 * the same recovery the bot runs when it starts, never writing, also while the bot runs. A last
 * line a kill cut short is left out, as the bot would cut it.
 */
import { createPublicKey } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Contact } from '../../domain/consent.js'
import type { LedgerEntry } from '../../domain/ledger.js'
import type { ConsentReader, LedgerSeals, LedgerStep } from '../../ports/consent-reader.js'
import type { ConsentData, StoredConversation } from '../../ports/consent-store.js'
import { keyFingerprint } from '../../domain/ledger.js'
import { parseJsonFile } from './durable-file.js'
import { DatabaseFileError } from './errors.js'
import {
  CHECKPOINTS_FILE,
  CONTACTS_DIR,
  KEY_FILE,
  MANIFEST_FILE,
  type Manifest,
  manifestProblem,
  newManifest,
  NOTICES_FILE,
} from './layout.js'
import { LEDGER_FILE, parseLedgerLine, readLinesSync } from './ledger-file.js'
import { type Recovered, recover, withNewestBackup } from './recover.js'
import { anchorsOf, readCheckpoints, readSigningKey } from './seals.js'
import { shardOf } from './shards.js'

/** The reader of the store in `dataDir` (nothing is read until asked). */
export function openConsentReader(dataDir: string): ConsentReader {
  return {
    read: () => readConsentDataInTurns(dataDir),
    ledger: () => walkLedger(join(dataDir, LEDGER_FILE)),
    seals: async () => readSeals(dataDir),
  }
}

/** store.json's head, checkpoints.jsonl and the key's public half, read as they are. */
export function readSeals(dataDir: string): LedgerSeals {
  const manifestFile = join(dataDir, MANIFEST_FILE)
  const manifest = existsSync(manifestFile)
    ? parseJsonFile<Manifest>(manifestFile, readFileSync(manifestFile, 'utf8'), manifestProblem)
    : newManifest(1)
  const { checkpoints } = readCheckpoints(dataDir)
  const key = readSigningKey(dataDir)
  return {
    ledger: join(dataDir, LEDGER_FILE),
    notices: join(dataDir, NOTICES_FILE),
    contacts: join(dataDir, CONTACTS_DIR),
    anchors: anchorsOf(dataDir, manifest, checkpoints),
    signed: checkpoints.map(({ line, head }) => ({ where: `${join(dataDir, CHECKPOINTS_FILE)}:${line}`, head })),
    ...(key
      ? {
          key: {
            where: join(dataDir, KEY_FILE),
            publicKey: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
            fingerprint: keyFingerprint(key),
          },
        }
      : {}),
  }
}

/** Everything stored in a data directory, read at once (for the owner's tools and for tests). */
export function readConsentData(dataDir: string): ConsentData {
  try {
    const steps = readAll(dataDir)
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value
  } catch (error) {
    throw withNewestBackup(error, dataDir)
  }
}

/**
 * The same read, for a running bot (its dashboard and downloads): it lets the bot answer
 * messages between one contacts file or a few thousand ledger lines and the next, instead of
 * stopping for the whole read (seconds at 100,000 contacts).
 */
export async function readConsentDataInTurns(dataDir: string): Promise<ConsentData> {
  try {
    const steps = readAll(dataDir)
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value
      await yieldToEventLoop()
    }
  } catch (error) {
    throw withNewestBackup(error, dataDir)
  }
}

function* readAll(dataDir: string): Generator<void, ConsentData> {
  const found = yield* recover(dataDir, { ledger: 'all', shards: 1 })
  return yield* consentData(found)
}

/**
 * Contacts parsed from their stored text: those the contact files held first, file by file, then
 * those only the journals hold, in the order the bot first met them.
 */
function* consentData(found: Recovered): Generator<void, ConsentData> {
  const data: ConsentData = { contacts: {}, conversations: {}, ledger: [...found.ledger, ...found.restored], notices: found.notices }
  const take = (id: string, entry: { contact: string; conversation?: string }) => {
    data.contacts[id] = JSON.parse(entry.contact) as Contact
    if (entry.conversation !== undefined) data.conversations[id] = JSON.parse(entry.conversation) as StoredConversation
  }
  for (const shard of found.shards) {
    for (const [id, entry] of shard) if (!found.added.has(id)) take(id, entry)
    yield
  }
  for (const id of found.added) take(id, found.shards[shardOf(id, found.shards.length)]!.get(id)!)
  return data
}

/** How many ledger lines are walked between two turns. */
const LEDGER_LINES_PER_TURN = 2000

/** ledger.jsonl line by line, each record named by `file:line`; stops at the first that does not read. */
async function* walkLedger(file: string): AsyncGenerator<LedgerStep> {
  if (!existsSync(file)) return
  for (const { line, text, complete } of readLinesSync(file)) {
    const where = `${file}:${line}`
    // A write a kill cut short: never confirmed, and the bot removes it when it starts.
    if (!complete) return yield { kind: 'unconfirmed', where }
    let entry: LedgerEntry
    try {
      entry = parseLedgerLine(file, line, text)
    } catch (error) {
      if (!(error instanceof DatabaseFileError)) throw error
      return yield { kind: 'unreadable', where, reason: error.reason }
    }
    yield { kind: 'record', where, entry }
    if (line % LEDGER_LINES_PER_TURN === 0) await yieldToEventLoop()
  }
}
