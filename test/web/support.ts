/**
 * A bot with its web server, and a scripted set of conversations over two days whose numbers
 * every dashboard and export test knows.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type BotOptions, startBot, type RunningBot } from '../../src/main/bot.js'
import type { Logger } from '../../src/app/logger.js'
import { Chat, ES, MX, RecordingProvider, removeDir, ROOT, tempDir, US } from '../support/chat.js'

export const ADMIN_TOKEN = 'test-admin-token-7f3c9a2e51'

export interface WebBot {
  bot: RunningBot
  provider: RecordingProvider
  dataDir: string
  /** Where the server listens, e.g. http://127.0.0.1:41234. */
  url: string
  chat(from: string): Chat
  /** Sets the bot's clock. */
  at(iso: string): void
  close(): Promise<void>
}

export async function openWebBot(
  options: {
    adminToken?: string
    publicUrl?: string
    port?: number
    flowsDir?: string
    logger?: Logger
    dataDir?: string
    /** Passed on to startBot: e.g. a store whose fsyncs fail, and retries driven by hand. */
    store?: BotOptions['store']
    waiting?: BotOptions['waiting']
  } = {},
): Promise<WebBot> {
  const dataDir = options.dataDir ?? tempDir()
  const provider = new RecordingProvider()
  let now = new Date('2026-11-20T10:00:00Z')
  const bot = await startBot({
    flowsDir: options.flowsDir ?? join(ROOT, 'flows'),
    localesDir: join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: 'es',
    provider,
    clock: () => now,
    // Port 0: any free port, so test files can run side by side.
    http: { port: options.port ?? 0, host: '127.0.0.1', ...(options.adminToken ? { adminToken: options.adminToken } : {}) },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.waiting ? { waiting: options.waiting } : {}),
  })
  if (!bot.web) throw new Error('the web server did not start')
  return {
    bot,
    provider,
    dataDir,
    url: bot.web.url,
    chat: (from) => new Chat(bot, provider, from, 'Ana'),
    at: (iso) => (now = new Date(iso)),
    async close() {
      await bot.close()
      if (!options.dataDir) removeDir(dataDir)
    },
  }
}

/** Two more contacts, from Mexico and the UK. */
export const MX2 = '5215598765432'
export const MX3 = '5215511112222'

/**
 * The scripted conversations. What they leave, and what the dashboard must show:
 *
 * | contact | 2026-11-20                               | 2026-11-21            | stands at      |
 * | MX      | service yes, marketing yes, email        | STOP: both withdrawn  | (withdrawn)    |
 * | ES      | service yes, marketing no, Telegram      |                       | (thanks)       |
 * | US      |                                          | service yes           | askMarketing   |
 * | MX2     |                                          | (greeted only)        | askService     |
 * | MX3     |                                          | service no            | askChannel     |
 *
 * Per day (purposes answered): 11-20 given 3, refused 1; 11-21 given 1, refused 1, withdrawn 2.
 * Per purpose now: service given 2 (ES, US), refused 1 (MX3), withdrawn 1 (MX), not answered 1;
 * marketing refused 1 (ES), withdrawn 1 (MX), not answered 3. Channels: email 1, telegram 1,
 * none 3. Waiting: askService 1, askMarketing 1, askChannel 1. Ledger: 7 records.
 */
export async function runScriptedConversations(web: WebBot): Promise<void> {
  web.at('2026-11-20T10:00:00Z')
  const ana = web.chat(MX)
  for (const text of ['hola', 'sí', 'sí', 'email', 'ana@example.com', 'sí']) await ana.say(text)
  web.at('2026-11-20T15:30:00Z')
  const eva = web.chat(ES)
  for (const text of ['hola', 'sí', 'no', 'telegram']) await eva.say(text)

  web.at('2026-11-21T09:00:00Z')
  await web.chat(US).say('hi')
  await web.chat(US).say('yes')
  await web.chat(MX2).say('hola')
  await web.chat(MX3).say('hola')
  await web.chat(MX3).say('no')
  web.at('2026-11-21T18:00:00Z')
  await ana.say('BAJA')
}

/** A port nobody listens on right now (for a bot that must know its own address before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A copy of the project's flows/ whose policy names no page of its own (no noticeUrl). */
export function flowsWithoutNoticeUrl(): string {
  const dir = join(tempDir('consent-bot-flows-'), 'flows')
  cpSync(join(ROOT, 'flows'), dir, { recursive: true })
  const policy = join(dir, 'policy.yaml')
  const edited = readFileSync(policy, 'utf8').replace(/^noticeUrl:.*$/m, '')
  if (/^noticeUrl:/m.test(edited)) throw new Error('noticeUrl still in the policy copy')
  writeFileSync(policy, edited)
  return dir
}
