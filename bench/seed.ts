/**
 * Pre-populated data dirs: `size` contacts who each had the scripted conversation (settled, two
 * consents in the ledger, a conversation snapshot), written through the store's own API, so the
 * files are whatever the storage of the day writes. Made once per size and storage version,
 * cached, and copied for each run; not part of any measurement.
 *
 * How: the real engine has the conversation with two contacts; every other contact is a copy of
 * the first with its own address, a fresh pseudonym, fresh record (receipt) ids and salts, made
 * by the engine's own generators, and its times moved to when it is written (seed-clone.ts). The
 * second contact the engine made must be exactly such a copy of the first, or nothing is written:
 * an engine that comes to keep something else per contact stops the seed rather than yield a
 * million twins. Why: the engine took ~0.5 ms a contact (~55 s at 100,000, ten times that at
 * 1,000,000) and held them all in a memory store before writing; a copy costs ~10 µs, and what is
 * left is the store's own commit (~80-120 µs a contact: ~10 s at 100,000, ~3 min at 1,000,000).
 *
 * Every contact is one `store.commit` (GROUP at once, as concurrent contacts would: group commit
 * batches them; the next group is made while one is written), and the store seals the ledger
 * entries, signs its checkpoints and writes the contact files. Its journal is folded into the contact files once, at close: folding at its usual
 * size would rewrite every contact file some hundred times at 1,000,000.
 *
 * Run as a child process by bench/run.ts: `seed.ts <size> <dir>` (seed-cache.ts names the dir).
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMemoryStore } from '../src/adapters/memory-store.js'
import { openLowdbStore } from '../src/adapters/lowdb-store.js'
import { loadBusinessFiles } from '../src/main/bot.js'
import { ConsentEngine } from '../src/app/engine.js'
import type { StoredNotice } from '../src/ports/consent-store.js'
import { contactId, ROOT, SCRIPT } from './paths.js'
import { freshOwn, type Seeded, Template } from './seed-clone.js'

/** Contacts committed at once (and made at once: no more of them are held). */
const GROUP = 500
/** Contacts the engine has the conversation with: the template, and one to check the copies against. */
const ENGINE_MADE = 2
const PROGRESS_EVERY = 100_000

/** The first `count` seeded contacts' conversations with the real engine, into a memory store. */
async function converse(count: number): Promise<{ seeded: Seeded[]; notices: Record<string, StoredNotice> }> {
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
  const contacts = Array.from({ length: count }, (_, i) => contactId.seeded(i))
  for (const [step, text] of SCRIPT.entries()) {
    await Promise.all(contacts.map((contact) => engine.handle({ contact, messageId: `seed-${contact}-${step}`, text, kind: 'text' })))
  }
  await engine.settled()
  const { data } = memory
  const seeded = contacts.map((id) => {
    const contact = data.contacts[id]
    const conversation = data.conversations[id]
    if (!contact || !conversation) throw new Error(`the engine kept no contact or conversation for ${id} after the scripted conversation`)
    // The records as the engine committed them, without the seals the store puts on them again.
    const records = data.ledger.filter((e) => e.personal?.contact === id).map(({ record, personal }) => ({ record, personal }))
    return { contact, conversation, records }
  })
  return { seeded, notices: data.notices }
}

/** Writes the seeded contacts through the store. */
async function write(size: number, dir: string, started: number): Promise<void> {
  const { seeded: engineMade, notices } = await converse(ENGINE_MADE)
  const template = new Template(engineMade[0]!)
  const differences = template.differences(engineMade[1]!)
  if (differences)
    throw new Error(
      `a copy of the engine's first contact with the second's address, pseudonym, record ids and salts is not what the engine made for the second, so bench/seed-clone.ts no longer knows every per-contact field: ${differences}`,
    )

  const store = await openLowdbStore(dir, { journalLimitBytes: Number.POSITIVE_INFINITY })
  const commit = (seeded: Seeded) => store.commit({ ...seeded, notices })
  await Promise.all(engineMade.slice(0, size).map(commit))
  const records = engineMade[0]!.records.length
  // One group is made while the one before is written (and fsynced): two at most are held.
  let writing: Promise<unknown> = Promise.resolve()
  for (let from = engineMade.length; from < size; from += GROUP) {
    // The group answered just now: its times are the template's, moved to the present.
    const copier = template.at(Date.now() - template.latest)
    const group: Promise<void>[] = []
    for (let i = from; i < Math.min(from + GROUP, size); i++) group.push(commit(copier.copy(freshOwn(contactId.seeded(i), records))))
    await writing
    writing = Promise.all(group)
    if (from % PROGRESS_EVERY < GROUP && from > GROUP)
      process.stderr.write(`  seeding: ${from} of ${size} contacts written in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  }
  await writing
  await store.close()
}

/**
 * Reads back through the store, as the bot will: a generator that no longer fits the store must
 * fail here, not yield a bench against an empty data dir. Two contacts must be two people.
 * (A function of its own: the writing store's contacts are not held meanwhile.)
 */
async function readBack(size: number, dir: string): Promise<void> {
  const check = await openLowdbStore(dir)
  const principals = new Map<string, number>()
  const receipts = new Map<string, number>()
  for (const i of size > 0 ? new Set([0, 1, Math.floor(size / 2), size - 1].filter((i) => i < size)) : []) {
    const { contact, conversation } = await check.load(contactId.seeded(i))
    if (contact?.id !== contactId.seeded(i) || !conversation) {
      throw new Error(
        `bench/seed.ts: contact ${i} of ${size} is not in ${dir} after reopening the store; the generator no longer fits the store`,
      )
    }
    const twin =
      principals.get(contact.principal) ??
      Object.values(contact.consents)
        .map((c) => receipts.get(c.record))
        .find((t) => t !== undefined)
    if (twin !== undefined) throw new Error(`bench/seed.ts: contacts ${twin} and ${i} share a pseudonym or a receipt id`)
    principals.set(contact.principal, i)
    for (const consent of Object.values(contact.consents)) receipts.set(consent.record, i)
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
  await write(size, scratch, started)
  await readBack(size, scratch)
  if (existsSync(dir)) {
    // Another bench made the same seed meanwhile: theirs is kept (it may be read already), ours dropped.
    rmSync(scratch, { recursive: true, force: true })
    process.stderr.write(`  another bench made this seed meanwhile: using theirs\n`)
  } else {
    renameSync(scratch, dir)
    process.stderr.write(`  seeded ${size} contacts in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  }
} catch (error) {
  rmSync(scratch, { recursive: true, force: true })
  // The message says what is wrong (e.g. every problem in the owner's files); a stack would bury it.
  process.stderr.write(`bench/seed.ts: ${(error as Error).message ?? String(error)}\n`)
  process.exitCode = 1
}
