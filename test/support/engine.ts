/**
 * An engine on the real owner files, without a provider: for tests of the engine's own promises.
 * Replies are collected in `sent`, log lines in the array given.
 */
import { join } from 'node:path'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { ConsentEngine, type EngineDeps, type Inbound } from '../../src/app/engine.js'
import { createLogger } from '../../src/app/logger.js'
import type { ConsentStore } from '../../src/ports/consent-store.js'
import { ROOT } from './chat.js'

export async function testEngine(store: ConsentStore, logLines: string[] = [], deps: Partial<Omit<EngineDeps, 'store'>> = {}) {
  const { business, texts } = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
  const sent: { to: string; text: string }[] = []
  const logger = createLogger('debug', (line) => logLines.push(line))
  const engine = new ConsentEngine({
    business,
    texts,
    store,
    messenger: { send: async (to, text) => void sent.push({ to, text }) },
    defaultLanguage: 'es',
    logger,
    ...deps,
  })
  return { engine, sent, logger }
}

/** A text message as the bridge hands it to the engine. */
export const text = (contact: string, messageId: string, body: string): Inbound => ({ contact, messageId, text: body, kind: 'text' })
