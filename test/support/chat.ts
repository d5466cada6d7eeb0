/**
 * Drives whole conversations through the real bridge: BuilderBot's TestTool.TestProvider emits
 * each message as WhatsApp would, and every reply the bot sends through it is recorded.
 * `say()` awaits the bot's replies to that message (no fixed sleeps).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { TestTool } from '@builderbot/bot'
import { afterEach } from 'vitest'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import type { Language } from '../../src/domain/language.js'
import { readConsentData } from '../../src/adapters/lowdb-store.js'
import type { ConsentRecord, PersonalDetails } from '../../src/domain/consent.js'

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

export interface TestBot {
  bot: RunningBot
  provider: RecordingProvider
  dataDir: string
  chat(from: string, name?: string): Chat
  close(): Promise<void>
}

export async function openTestBot(
  options: { dataDir?: string; flowsDir?: string; localesDir?: string; defaultLanguage?: Language; clock?: () => Date } = {},
): Promise<TestBot> {
  const dataDir = options.dataDir ?? tempDir()
  const provider = new RecordingProvider()
  const bot = await startBot({
    flowsDir: options.flowsDir ?? join(ROOT, 'flows'),
    localesDir: options.localesDir ?? join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: options.defaultLanguage ?? 'es',
    provider,
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

let messageCount = 0

export class Chat {
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

/** What the data directory holds, read from its files; ledger records come with their personal details. */
export function readDatabase(dataDir: string) {
  const data = readConsentData(dataDir)
  const ledger: (ConsentRecord & { personal: PersonalDetails | null })[] = data.ledger.map((e) => ({ ...e.record, personal: e.personal }))
  return { ...data, ledger, entries: data.ledger }
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
