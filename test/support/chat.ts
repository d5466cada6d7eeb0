/**
 * Drives whole conversations through the real bridge: BuilderBot's TestTool.TestProvider emits
 * each message as WhatsApp would, and every reply the bot sends through it is recorded.
 * `say()` awaits the bot's replies to that message (no fixed sleeps).
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { TestTool } from '@builderbot/bot'
import pg from 'pg'
import { afterEach, inject } from 'vitest'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { FILES, openReader, openStore } from '../../src/main/store.js'
import type { StoreConfig } from '../../src/app/config.js'
import type { Language } from '../../src/domain/language.js'
import { readConsentData, type LowdbStoreOptions } from '../../src/adapters/lowdb-store.js'
import type { ConsentRecord, PersonalDetails } from '../../src/domain/consent.js'
import type { ConsentData, ConsentStore } from '../../src/ports/consent-store.js'
import { CloudChat, openCloudBot, sentText } from './cloud-chat.js'

export const ROOT = resolve(import.meta.dirname, '../..')

export class RecordingProvider extends TestTool.TestProvider {
  readonly sent: { to: string; text: string }[] = []
  override async sendMessage<K = unknown>(userId: string, message: string): Promise<K> {
    this.sent.push({ to: userId, text: message })
    return { userId, message } as K
  }
}

export function tempDir(prefix = 'consent-bot-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** One contact's side of a chat with a test bot, on whichever provider the run is on. */
export interface Conversation {
  readonly from: string
  /** Sends one message the way the provider delivers it, and returns the bot's replies to it. */
  say(body: string): Promise<string[]>
  /** Sends a BuilderBot test-provider payload (its body: a text or a media marker). */
  send(payload: Record<string, unknown>): Promise<string[]>
  /** Sends several messages at once, without waiting in between, and returns all replies. */
  burst(bodies: string[]): Promise<string[]>
}

export interface TestBot {
  bot: RunningBot
  /** BuilderBot's test provider (the console's path); on the Cloud API run, what was sent, read from the fake Graph API. */
  provider: Pick<RecordingProvider, 'sent' | 'emit'>
  dataDir: string
  chat(from: string, name?: string): Conversation
  close(): Promise<void>
}

/**
 * The provider the conversation suite talks through: BuilderBot's test provider (the console's
 * path, the default), or Meta's Cloud API (`TEST_PROVIDER=cloud`, the vitest project `cloud`).
 */
export const PROVIDER: 'builderbot' | 'cloud' = process.env.TEST_PROVIDER === 'cloud' ? 'cloud' : 'builderbot'

export async function openTestBot(
  options: { dataDir?: string; flowsDir?: string; localesDir?: string; defaultLanguage?: Language; clock?: () => Date } = {},
): Promise<TestBot> {
  const dataDir = options.dataDir ?? tempDir()
  if (PROVIDER === 'cloud') return openCloudTestBot(dataDir, options)
  const provider = new RecordingProvider()
  const bot = await startBot({
    flowsDir: options.flowsDir ?? join(ROOT, 'flows'),
    localesDir: options.localesDir ?? join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: options.defaultLanguage ?? 'es',
    provider,
    storage: await storageFor(dataDir),
    ...(options.clock ? { clock: options.clock } : {}),
  })
  return {
    bot,
    provider,
    dataDir,
    chat: (from, name = 'Ana') => new Chat(bot, provider, from, name),
    close: () => bot.close(),
  }
}

/** A test bot on the Cloud API: webhooks in, a fake Graph API out (test/support/cloud-chat.ts). */
async function openCloudTestBot(dataDir: string, options: Parameters<typeof openTestBot>[0] = {}): Promise<TestBot> {
  const clock = options.clock ?? (() => new Date())
  const cloud = await openCloudBot({
    dataDir,
    flowsDir: options.flowsDir ?? join(ROOT, 'flows'),
    localesDir: options.localesDir ?? join(ROOT, 'locales'),
    defaultLanguage: options.defaultLanguage ?? 'es',
    storage: await storageFor(dataDir),
    ...(options.clock ? { clock: options.clock } : {}),
  })
  const sent = cloud.graph.sends
  return {
    bot: cloud.bot,
    // What was sent, as BuilderBot's test provider lists it; nothing comes in through it.
    provider: {
      get sent() {
        return sent.filter((s) => s.status === 200).map((s) => ({ to: s.recipient ?? '', text: sentText(s) }))
      },
      emit: () => {
        throw new Error('the Cloud API run takes messages through its webhook: use chat(from).say(…), not provider.emit')
      },
    } as unknown as TestBot['provider'],
    dataDir,
    chat: (from, name = 'Ana') => new CloudChat(cloud, clock, from, name),
    close: () => cloud.close(),
  }
}

let messageCount = 0

/** The id a message sent by `Conversation.say` carries: `test-<n>` through BuilderBot's test provider, a wamid on the Cloud API. */
export const MESSAGE_ID = PROVIDER === 'cloud' ? /^wamid\./ : /^test-\d+$/

export class Chat implements Conversation {
  constructor(
    private readonly bot: RunningBot,
    private readonly provider: RecordingProvider,
    readonly from: string,
    private readonly name: string,
  ) {}

  /** Sends one message the way the provider delivers it, and returns the bot's replies to it. */
  async say(body: string): Promise<string[]> {
    return this.send({ body })
  }

  /** Sends a raw provider payload (e.g. a media event marker). */
  async send(payload: Record<string, unknown>): Promise<string[]> {
    const before = this.provider.sent.length
    this.provider.emit('message', { from: this.from, name: this.name, key: { id: `test-${++messageCount}` }, ...payload } as never)
    await this.bot.settled()
    return this.provider.sent
      .slice(before)
      .filter((m) => m.to === this.from)
      .map((m) => m.text)
  }

  /** Sends several messages at once, without waiting in between, and returns all replies. */
  async burst(bodies: string[]): Promise<string[]> {
    const before = this.provider.sent.length
    for (const body of bodies)
      this.provider.emit('message', { from: this.from, name: this.name, key: { id: `test-${++messageCount}` }, body } as never)
    await this.bot.settled()
    return this.provider.sent
      .slice(before)
      .filter((m) => m.to === this.from)
      .map((m) => m.text)
  }
}

/**
 * The store the bots of this run are on: the vitest project's (vitest.config.ts). On `postgres`,
 * each data folder is given a database of its own on the project's server.
 */
export const STORE: 'files' | 'postgres' = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'files'

/** The databases given so far (postgres project), by data folder: a bot reopened on a folder (a restart) finds its data again. */
const databases = new Map<string, Promise<{ name: string; storage: StoreConfig }>>()

/**
 * Where a bot on `dataDir` keeps its contacts and ledger: the data folder's files, or on the
 * postgres project a fresh database (number `main`), the same one each time for that folder.
 */
export async function storageFor(dataDir: string): Promise<StoreConfig> {
  if (STORE === 'files') return FILES
  const key = resolve(dataDir)
  let database = databases.get(key)
  if (!database) {
    database = newDatabase()
    databases.set(key, database)
  }
  return (await database).storage
}

/** The postgres project's server, as its administrator (test/setup/postgres-global.ts starts it). */
function adminUrl(): string {
  const url = inject('postgresAdminUrl')
  if (!url) throw new Error('TEST_STORE=postgres without a server: run the postgres project of vitest.config.ts')
  return url
}

async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

async function newDatabase(): Promise<{ name: string; storage: StoreConfig }> {
  // Test files run side by side, each in a process of its own: a name no other can have.
  const name = `bot_${randomUUID().replaceAll('-', '')}`
  const admin = adminUrl()
  await sql(admin, `CREATE DATABASE ${name}`)
  const url = new URL(admin)
  url.pathname = `/${name}`
  return { name, storage: { kind: 'postgres', url: url.href, number: 'main' } }
}

/** Drops the databases given to this test file's bots (test/setup/postgres-tests.ts, after the file). */
export async function dropTestDatabases(): Promise<void> {
  const made = await Promise.allSettled(databases.values())
  databases.clear()
  for (const database of made)
    if (database.status === 'fulfilled') await sql(adminUrl(), `DROP DATABASE IF EXISTS ${database.value.name} WITH (FORCE)`)
}

/** Opens the store a bot on `dataDir` would open (files, or its database), for a test that drives the engine itself. */
export async function openTestStore(dataDir: string, files?: Omit<LowdbStoreOptions, 'logger'>): Promise<ConsentStore> {
  return openStore(await storageFor(dataDir), { dataDir, ...(files ? { files } : {}) })
}

/** Ledger records with their personal details beside them (`entries`: the ledger as stored). */
function withPersonal(data: ConsentData) {
  const ledger: (ConsentRecord & { personal: PersonalDetails | null })[] = data.ledger.map((e) => ({ ...e.record, personal: e.personal }))
  return { ...data, ledger, entries: data.ledger }
}

/**
 * What the store of a bot on `dataDir` holds, as the owner's tools read it (src/main/store.ts
 * openReader): the data folder's files, or its database on the postgres project.
 */
export async function readStore(dataDir: string) {
  const reader = await openReader(await storageFor(dataDir), { dataDir })
  try {
    return withPersonal(await reader.read())
  } finally {
    await reader.close()
  }
}

/**
 * The data folder's files, read at once (tests outside the conversation suite, always on files);
 * the conversation suite reads through readStore.
 */
export function readDatabase(dataDir: string) {
  if (STORE !== 'files') throw new Error("readDatabase reads the data folder's files: on the postgres project, await readStore(dataDir)")
  return withPersonal(readConsentData(dataDir))
}

/**
 * Every place that holds `text` of what a bot on `dataDir` stored: the data folder's files (as
 * bytes), and on the postgres project each table of its database with rows that hold it (each
 * row read as text, its documents included). After an erasure there must be none.
 */
export async function placesHolding(dataDir: string, text: string): Promise<string[]> {
  const places = filesUnder(dataDir).filter((file) => readFileSync(file, 'latin1').includes(text))
  const storage = await storageFor(dataDir)
  if (storage.kind === 'postgres') {
    const tables = await sql<{ name: string }>(
      storage.url,
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    )
    if (!tables.length) throw new Error(`the database of ${dataDir} has no tables: was a bot ever opened on it?`)
    for (const { name } of tables) {
      const [{ rows }] = (await sql<{ rows: number }>(
        storage.url,
        `SELECT count(*)::int AS rows FROM ${name} AS t WHERE strpos(t::text, $1) > 0`,
        [text],
      )) as [{ rows: number }]
      if (rows) places.push(`table ${name} (${rows} rows)`)
    }
  }
  return places
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** Phone numbers of contacts from Mexico, Spain and the US (their language is guessed from them). */
export const MX = '5215512345678'
export const ES = '34612345678'
export const US = '14155552671'

/**
 * Opens bots for a test file and closes them (and removes their data) after each test:
 * `const open = testBots()` at the top, then `const bot = await open()` in a test.
 */
export function testBots(): (options?: Parameters<typeof openTestBot>[0]) => Promise<TestBot> {
  const opened: TestBot[] = []
  afterEach(async () => {
    for (const bot of opened.splice(0)) {
      await bot.close().catch(() => {})
      removeDir(bot.dataDir)
    }
  })
  return async (options) => {
    const bot = await openTestBot(options)
    opened.push(bot)
    return bot
  }
}
