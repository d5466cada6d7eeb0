/**
 * Pre-populated data dirs: `size` contacts who each had the scripted conversation (settled, two
 * consents in the ledger, a conversation snapshot), made by the real engine and written through
 * the store's own API, so the files are whatever the storage of the day writes. Made once per
 * size and storage version, cached, and copied for each run; not part of any measurement.
 *
 * Run as a child process by bench/run.ts: `seed.ts <size> <dir>` (seed-cache.ts names the dir).
 */
import { renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMemoryStore } from '../src/adapters/memory-store.js'
import { openLowdbStore } from '../src/adapters/lowdb-store.js'
import { loadBusinessFiles } from '../src/main/bot.js'
import { ConsentEngine } from '../src/app/engine.js'
import type { ConsentData, NewRecord } from '../src/ports/consent-store.js'
import { contactId, ROOT, SCRIPT } from './paths.js'

/** Every seeded contact's conversation with the real engine, into a memory store. */
async function converse(size: number): Promise<ConsentData> {
  const { business, texts } = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
  const memory = createMemoryStore()
  const engine = new ConsentEngine({
    business,
    texts,
    store: memory,
    messenger: { async send() {} },
    defaultLanguage: 'es',
    rateLimit: false,
  })
  const batch = 1000
  for (let from = 0; from < size; from += batch) {
    const contacts = Array.from({ length: Math.min(batch, size - from) }, (_, i) => contactId.seeded(from + i))
    for (const [step, text] of SCRIPT.entries()) {
      await Promise.all(contacts.map((contact) => engine.handle({ contact, messageId: `seed-${contact}-${step}`, text, kind: 'text' })))
    }
  }
  await engine.settled()
  return memory.data
}

/** The store's whole database, when it hands one out and writes it on close() (the single-file store). */
function wholeDatabase(store: object): ConsentData | undefined {
  const data = (store as { data?: Partial<ConsentData> }).data
  return data?.contacts && data.conversations && Array.isArray(data.ledger) && data.notices ? (data as ConsentData) : undefined
}

async function generate(size: number, dir: string): Promise<void> {
  const seeded = await converse(size)
  const store = await openLowdbStore(dir)
  const whole = wholeDatabase(store)
  if (whole) {
    // The single-file store rewrites the whole database on every commit (O(size) each: hours at
    // 100,000). It hands out that database, so it takes the engine's data at once and close()
    // writes it once: the file the commits would have left, ledger chain included.
    Object.assign(whole, { contacts: seeded.contacts, conversations: seeded.conversations, ledger: seeded.ledger, notices: seeded.notices })
  } else {
    // Any other store: one commit per contact through its own API, many at once as concurrent
    // contacts would; the store seals the ledger entries again, in this order.
    const records = new Map<string, NewRecord[]>()
    for (const entry of seeded.ledger) {
      const owner = entry.personal?.contact
      if (owner) records.set(owner, [...(records.get(owner) ?? []), { record: entry.record, personal: entry.personal }])
    }
    const ids = Object.keys(seeded.contacts)
    for (let from = 0; from < ids.length; from += 500) {
      await Promise.all(
        ids.slice(from, from + 500).map((id) =>
          store.commit({
            contact: seeded.contacts[id]!,
            conversation: seeded.conversations[id]!,
            records: records.get(id) ?? [],
            notices: seeded.notices,
          }),
        ),
      )
    }
  }
  await store.close()

  // Read back through the store, as the bot will: a generator that no longer fits the store
  // must fail here, not yield a bench against an empty data dir.
  const check = await openLowdbStore(dir)
  for (const i of size > 0 ? new Set([0, Math.floor(size / 2), size - 1]) : []) {
    const { contact, conversation } = await check.load(contactId.seeded(i))
    if (contact?.id !== contactId.seeded(i) || !conversation) {
      throw new Error(
        `bench/seed.ts: contact ${i} of ${size} is not in ${dir} after reopening the store; the generator no longer fits the store`,
      )
    }
  }
  await check.close()
}

// Made in a scratch dir beside the target and renamed into place only when complete and
// checked, so an interrupted run never leaves a half-filled cache entry.
const size = Number(process.argv[2])
const dir = process.argv[3]!
const scratch = `${dir}.partial-${process.pid}`
rmSync(scratch, { recursive: true, force: true })
const started = performance.now()
try {
  await generate(size, scratch)
  renameSync(scratch, dir)
  process.stderr.write(`  seeded ${size} contacts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
} catch (error) {
  rmSync(scratch, { recursive: true, force: true })
  // The message says what is wrong (e.g. every problem in the owner's files); a stack would bury it.
  process.stderr.write(`bench/seed.ts: ${(error as Error).message ?? String(error)}\n`)
  process.exitCode = 1
}
