/**
 * Puts the bot together: the owner's flow, policy and texts (checked first), the store, the
 * engine, and the bridge to whichever provider carries the messages.
 */
import { relative, sep } from 'node:path'
import type { ProviderClass } from '@builderbot/bot'
import { readBusinessFlow, type BusinessFlow } from '../adapters/flow-files.js'
import { OwnerFileError, type Problem } from '../adapters/owner-file.js'
import { createI18nTexts } from '../adapters/i18n-texts.js'
import { readLocales } from '../adapters/locale-files.js'
import { openLowdbStore } from '../adapters/lowdb-store.js'
import { attachBridge, providerMessenger } from '../adapters/builderbot-bridge.js'
import type { Language } from '../domain/language.js'
import type { Messenger } from '../ports/messenger.js'
import type { Texts } from '../ports/texts.js'
import { ConsentEngine } from './engine.js'
import { silentLogger, type Logger } from './logger.js'
import type { RateLimit } from './rate-limit.js'

export interface BusinessFiles {
  business: BusinessFlow
  texts: Texts
}

/** Reads and checks `flows/` and `locales/`; throws OwnerFileError listing every problem. */
export async function loadBusinessFiles(flowsDir: string, localesDir: string, defaultLanguage: Language, displayRoot = process.cwd()): Promise<BusinessFiles> {
  // Problems name files as the owner sees them from the project folder: flows/consent.yaml:12.
  const shown = (dir: string) => relative(displayRoot, dir).split(sep).join('/') || '.'
  // Every problem in every file is reported at once, so the owner can mend them in one go.
  const problems: Problem[] = []
  const business = readBusinessFlow(flowsDir, shown(flowsDir), problems)
  const bundle = business && readLocales(localesDir, business.flow, business.policy, shown(localesDir), `${shown(flowsDir)}/consent.yaml`, problems)
  if (!business || !bundle || problems.length > 0) throw new OwnerFileError(problems)
  return { business, texts: await createI18nTexts(bundle, defaultLanguage) }
}

export interface BotOptions {
  /** The owner's files, already loaded and checked; read from the two folders below otherwise. */
  files?: BusinessFiles
  flowsDir: string
  localesDir: string
  dataDir: string
  defaultLanguage: Language
  provider: ProviderClass
  /** How replies are sent; by default through the provider. */
  messenger?: Messenger
  /** File names in error messages are shown relative to this folder (default: the working directory). */
  displayRoot?: string
  logger?: Logger
  clock?: () => Date
  /** Per-contact limit on inbound messages (default: 20 in a burst, refilled in 10 s); false: none. */
  rateLimit?: RateLimit | false
}

export interface RunningBot {
  engine: ConsentEngine
  /** Resolves once every message received so far is handled, persisted and answered. */
  settled(): Promise<void>
  /** Stops listening, finishes what is in hand, and flushes the database. */
  close(): Promise<void>
}

export async function startBot(options: BotOptions): Promise<RunningBot> {
  const { business, texts } = options.files ?? (await loadBusinessFiles(options.flowsDir, options.localesDir, options.defaultLanguage, options.displayRoot))
  const store = await openLowdbStore(options.dataDir)
  const engine = new ConsentEngine({
    business,
    texts,
    store,
    messenger: options.messenger ?? providerMessenger(options.provider),
    defaultLanguage: options.defaultLanguage,
    logger: options.logger ?? silentLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
  })
  const bridge = attachBridge(options.provider, engine, options.logger ?? silentLogger)
  let closing: Promise<void> | undefined
  return {
    engine,
    settled: () => engine.settled(),
    close() {
      closing ??= (async () => {
        bridge.detach()
        await engine.settled()
        await store.close()
      })()
      return closing
    },
  }
}
