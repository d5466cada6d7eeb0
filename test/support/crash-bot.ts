/**
 * A bot under scripted load, for test/storage/crash.test.ts to kill with SIGKILL.
 *
 *     node --import tsx test/support/crash-bot.ts <data dir> <contacts> [<project folder>]
 *
 * (The test runs it bundled into one file, which loads in half the time; hence the project folder.)
 *
 * Loads its modules, prints LOADED and waits for a line on stdin (so the test can start the next
 * process while the previous one still runs); then reads where each contact stands from the data
 * directory, starts the real bot (startBot, the BuilderBot bridge, TestTool.TestProvider) and walks
 * every contact through the consent conversation in rounds of a few contacts, one message each.
 * After the first reply to a message that recorded something it prints
 * `CONFIRMED <contact> <what>`: the engine sends a reply only once the change is durable, and a
 * write to a pipe is synchronous, so a printed confirmation was confirmed before any kill.
 * Prints READY once the bot is up, DONE at the end.
 *
 * With CRASH_DATABASE_URL (and CRASH_NUMBER, the WhatsApp number's name) in the environment, the
 * contacts and the ledger are kept in PostgreSQL instead of the data directory's files; each process
 * then drives its own CRASH_CONTACTS_FROM block of contacts, so two numbers can run side by side.
 */
import { createInterface } from 'node:readline'
import { join, resolve } from 'node:path'
import type { Contact } from '../../src/domain/consent.js'

const [dataDir, contactCount, projectDir] = process.argv.slice(2)
if (!dataDir || !contactCount) throw new Error('usage: crash-bot.ts <data dir> <contacts> [<project folder>]')
const ROOT = projectDir ?? resolve(import.meta.dirname, '../..')

const { TestTool } = await import('@builderbot/bot')
const { loadBusinessFiles, startBot } = await import('../../src/main/bot.js')
const { openReader } = await import('../../src/main/store.js')
const DATABASE_URL = process.env.CRASH_DATABASE_URL
const storage = DATABASE_URL
  ? { kind: 'postgres' as const, url: DATABASE_URL, number: process.env.CRASH_NUMBER ?? 'main' }
  : { kind: 'files' as const }
const out = (line: string) => process.stdout.write(`${line}\n`)

// The owner's files are read before the go: the part after it is what a restart costs.
const files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
out('LOADED')
await new Promise<void>((go) => createInterface({ input: process.stdin }).once('line', () => go()))

/** Spanish mobiles: the bot speaks Spanish to them. */
const contactsFrom = Number(process.env.CRASH_CONTACTS_FROM ?? 0)
const contactId = (n: number) => `346${String(10_000_000 + contactsFrom + n)}`
const contacts = Array.from({ length: Number(contactCount) }, (_, n) => contactId(n))

/** The message that moves a contact on from where they stand, and what its reply confirms. */
function nextMessage(id: string, contact: Contact | undefined): { text: string; confirms: string } | undefined {
  if (!contact) return { text: 'hola', confirms: 'greeted' }
  if (!contact.consents.service) return { text: 'sí', confirms: 'service:given' }
  const refusesMarketing = Number(id.slice(-1)) % 2 === 1
  if (!contact.consents.marketing)
    return refusesMarketing ? { text: 'no', confirms: 'marketing:refused' } : { text: 'sí', confirms: 'marketing:given' }
  if (!contact.channel) return { text: '1', confirms: 'channel:whatsapp' }
  return undefined
}

/** What the contact's record looks like once `confirms` is done (the driver's own picture). */
function advance(contact: Contact | undefined, id: string, confirms: string): Contact {
  const at = new Date().toISOString()
  const next: Contact = contact
    ? { ...contact, consents: { ...contact.consents } }
    : { id, principal: '', language: 'es', firstSeen: at, lastSeen: at, consents: {} }
  const [what, state] = confirms.split(':') as [string, string]
  if (what === 'service' || what === 'marketing') next.consents[what] = { state: state as 'given' | 'refused', at, record: '' }
  if (what === 'channel') next.channel = { channel: 'whatsapp', at }
  return next
}

const reader = await openReader(storage, { dataDir })
const known = new Map(Object.entries((await reader.read()).contacts))
await reader.close()
const awaiting = new Map<string, string>()
const provider = new TestTool.TestProvider()
const options = {
  files,
  flowsDir: join(ROOT, 'flows'),
  localesDir: join(ROOT, 'locales'),
  dataDir,
  defaultLanguage: 'es' as const,
  provider,
  messenger: {
    async send(to: string) {
      const confirms = awaiting.get(to)
      if (confirms === undefined) return
      awaiting.delete(to)
      out(`CONFIRMED ${to} ${confirms}`)
      known.set(to, advance(known.get(to), to, confirms))
    },
  },
  // A small journal and few contact files, so that compactions happen all through the run.
  store: { journalLimitBytes: 8 * 1024, shards: 8 },
  storage,
  rateLimit: false as const,
}
const bot = await startBot(options)
out('READY')

// Rounds of a few contacts, one message each, so confirmations come steadily and a kill lands
// between any two steps of the engine; a round ends once every message in it is answered.
const ROUND = 8
let messageNumber = 0
for (let start = 0; ; start += ROUND) {
  const pending = contacts.filter((id) => nextMessage(id, known.get(id)))
  if (!pending.length) break
  const round = Array.from({ length: Math.min(ROUND, pending.length) }, (_, i) => pending[(start + i) % pending.length]!)
  for (const id of new Set(round)) {
    const { text, confirms } = nextMessage(id, known.get(id))!
    awaiting.set(id, confirms)
    provider.emit('message', { from: id, name: 'Ana', key: { id: `crash-${process.pid}-${++messageNumber}` }, body: text } as never)
  }
  await bot.settled()
  if (awaiting.size) throw new Error(`${awaiting.size} messages got no reply`)
}
out('DONE')
await bot.close()
process.exit(0)
