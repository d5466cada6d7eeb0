/**
 * Our bot as any user gets it: `startBot` with the owner's flows and locales, the data dir
 * given, and a TimingProvider in place of WhatsApp. Everything goes through the real bridge.
 */
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { StoreConfig } from '../src/app/config.js'
import { startBot, type RunningBot } from '../src/main/bot.js'
import { createLogger } from '../src/app/logger.js'
import type { Target } from './load.js'
import { ROOT } from './paths.js'
import { TimingProvider } from './timing-provider.js'

export interface OurBot {
  target: Target
  bot: RunningBot
  /** From calling startBot to its promise resolving: owner files checked, data dir loaded. */
  coldStartMs: number
}

export async function openOurBot(dataDir: string, storage?: StoreConfig): Promise<OurBot> {
  const provider = new TimingProvider()
  const started = performance.now()
  const bot = await startBot({
    flowsDir: join(ROOT, 'flows'),
    localesDir: join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: 'es',
    provider,
    // The production log level, its lines formatted (contacts keyed by HMAC) and dropped: what
    // logging costs the bot, without the bench's own stderr in the way.
    logger: createLogger('info', () => {}),
    ...(storage ? { storage } : {}),
  })
  const coldStartMs = performance.now() - started
  return { target: { provider, settled: () => bot.settled() }, bot, coldStartMs }
}
