/**
 * Puts the bot together: the owner's flow, policy and texts (checked first), the store, the
 * engine, and the bridge to whichever provider carries the messages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { relative, sep } from 'node:path'
import type { ProviderClass } from '@builderbot/bot'
import { readBusinessFlow } from '../adapters/flow-files/business-flow.js'
import type { BusinessFlow } from '../domain/flow.js'
import { OwnerFileError, type Problem } from '../adapters/owner-file.js'
import { createI18nTexts } from '../adapters/i18n-texts.js'
import { readLocales, type LocaleBundle } from '../adapters/locale-files/locale-bundle.js'
import type { LowdbStoreOptions } from '../adapters/lowdb-store.js'
import { attachSource, builderbotSource, providerMessenger } from '../adapters/builderbot-bridge.js'
import type { InboundSource } from '../ports/inbound-source.js'
import type { Language } from '../domain/language.js'
import type { Messenger } from '../ports/messenger.js'
import type { Texts } from '../ports/texts.js'
import { ConsentEngine, type EngineDeps } from '../app/engine.js'
import { silentLogger, type Logger } from '../app/logger.js'
import { withNoticePage } from '../app/web/privacy-page.js'
import { startWebServer, type WebServer } from '../app/web/server.js'
import type { RateLimit } from '../app/rate-limit.js'
import type { StaffConfig, StoreConfig } from '../app/config.js'
import { createStaffNotifier } from '../app/staff-notifier.js'
import { withoutStaffNumber } from '../app/staff-number.js'
import { staffNotice } from '../app/staff-texts.js'
import { createWebhookNotifier } from '../adapters/staff-webhook.js'
import { createWhatsAppNotifier } from '../adapters/staff-whatsapp.js'
import type { StaffNotifier } from '../ports/staff.js'
import { FILES, numbersIn, openReader, openStore } from './store.js'
import { openCampaignStore } from './campaign-store.js'
import { withListUploads } from './campaign-upload.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { CampaignRunner } from '../app/campaign-runner.js'
import { businessZone, Campaigns } from '../app/campaigns.js'
import type { CampaignPlan } from '../domain/campaign.js'
import type { Policy } from '../domain/policy.js'
import type { Outreach } from '../ports/outreach.js'
import { STOPPING_CODES } from '../adapters/cloud/cloud-outreach.js'

export interface BusinessFiles {
  business: BusinessFlow
  texts: Texts
  /** The texts and answer words as written, per language (Texts pools command words across languages). */
  locales: LocaleBundle
}

/** Reads and checks `flows/` and `locales/`; throws OwnerFileError listing every problem. */
export async function loadBusinessFiles(
  flowsDir: string,
  localesDir: string,
  defaultLanguage: Language,
  displayRoot = process.cwd(),
): Promise<BusinessFiles> {
  // Problems name files as the owner sees them from the project folder: flows/consent.yaml:12.
  const shown = (dir: string) => relative(displayRoot, dir).split(sep).join('/') || '.'
  // Every problem in every file is reported at once, so the owner can mend them in one go.
  const problems: Problem[] = []
  const business = readBusinessFlow(flowsDir, shown(flowsDir), problems)
  const bundle =
    business && readLocales(localesDir, business.flow, business.policy, shown(localesDir), `${shown(flowsDir)}/consent.yaml`, problems)
  if (!business || !bundle || problems.length > 0) throw new OwnerFileError(problems)
  return { business, texts: await createI18nTexts(bundle, defaultLanguage, Object.keys(business.flow.commands)), locales: bundle }
}

export interface BotOptions {
  /** The owner's files, already loaded and checked; read from the two folders below otherwise. */
  files?: BusinessFiles
  flowsDir: string
  localesDir: string
  dataDir: string
  defaultLanguage: Language
  /** BuilderBot's provider (the terminal, Baileys); not needed when `inbound` and `messenger` are given (the Cloud API). */
  provider?: ProviderClass
  /** Where messages come from; by default the provider's `message` events. */
  inbound?: InboundSource
  /** How replies are sent; by default through the provider. */
  messenger?: Messenger
  /** File names in error messages are shown relative to this folder (default: the working directory). */
  displayRoot?: string
  logger?: Logger
  clock?: () => Date
  /** Per-contact limit on inbound messages (default: 20 in a burst, refilled in 10 s); false: none. */
  rateLimit?: RateLimit | false
  /** The web server (/privacy, and /admin with a token); not started without it. */
  http?: { port: number; host: string; adminToken?: string }
  /** A provider's webhook served on the web server (the Cloud API's /webhooks/whatsapp). */
  webhook?: { path: string; handle(request: IncomingMessage, response: ServerResponse): Promise<void> }
  /** Where the bot's pages are reached: INFO links to <publicUrl>/privacy unless the policy names its own page. */
  publicUrl?: string
  /** Where contacts and the ledger live: the data folder's files (the default) or a number in PostgreSQL. */
  storage?: StoreConfig
  /** Tuning of the file store (journal size, shard count); the defaults suit production. */
  store?: Omit<LowdbStoreOptions, 'logger'>
  /** How messages wait for a store that refuses writes (backoff, how many at once); the defaults suit production. */
  waiting?: Pick<EngineDeps, 'retryDelay' | 'maxWaiting'>
  /** Where the staff are told of chats that wait for a person (a webhook, a WhatsApp number or group). */
  staff?: StaffConfig
  /** Tells the staff instead of the notifiers `staff` would build (tests). */
  staffNotifier?: StaffNotifier
  /** Which provider a campaign writes through, for its pace (default: the terminal's). */
  campaignProvider?: CampaignPlan['provider']
  /** How a campaign's invitations go, made with the owner's templates (the Cloud API); by default as texts. */
  outreach?: (templates: Policy['campaign']['templates']) => Outreach
  /** How a campaign waits for its next message (tests: a fake clock); by default a timer. */
  campaignWait?: (ms: number, signal: AbortSignal) => Promise<void>
  /** The campaign's random gaps (tests: a fixed one). */
  random?: () => number
}

export interface RunningBot {
  engine: ConsentEngine
  /** The number's campaigns: plan, pause, resume, figures (what /admin/campaigns serves). */
  campaigns: Campaigns
  /** The campaign runner (tests await its end; the provider tells it of trouble). */
  campaignRunner: CampaignRunner
  /** Resolves once every message received so far is handled, persisted and answered. */
  settled(): Promise<void>
  /** Stops listening, finishes what is in hand, and flushes the database. */
  close(): Promise<void>
  /** The web server, when asked for and its port could be had. */
  web?: WebServer
}

const LAPSE_SWEEP_MS = 60 * 60 * 1000

export async function startBot(options: BotOptions): Promise<RunningBot> {
  const started = performance.now()
  const files =
    options.files ?? (await loadBusinessFiles(options.flowsDir, options.localesDir, options.defaultLanguage, options.displayRoot))
  const { texts } = files
  const business = { ...files.business, policy: withNoticePage(files.business.policy, options.publicUrl) }
  const store = await openStore(options.storage ?? FILES, {
    dataDir: options.dataDir,
    logger: options.logger ?? silentLogger,
    ...(options.store ? { files: options.store } : {}),
  })
  // The staff's own number (where the notes go) is not a client: its messages are not answered.
  const provider = options.provider
  if (!provider && !(options.inbound && options.messenger)) throw new Error('startBot needs a provider, or both inbound and messenger')
  const source = withoutStaffNumber(
    options.inbound ?? builderbotSource(provider!, options.logger),
    options.staff?.whatsapp,
    options.logger ?? silentLogger,
  )
  const messenger = options.messenger ?? providerMessenger(provider!)
  // The staff's note is written in the business's language, from the owner's texts.
  const staffNotifier =
    options.staffNotifier ??
    createStaffNotifier(options.staff, {
      messenger,
      format: staffNotice(texts, options.defaultLanguage),
      logger: options.logger ?? silentLogger,
      targets: { webhook: createWebhookNotifier, whatsapp: createWhatsAppNotifier },
    })
  const log = options.logger ?? silentLogger
  const campaignStore = await openCampaignStore(options.storage ?? FILES, { dataDir: options.dataDir, logger: log }).catch(
    async (error: unknown) => {
      await store.close()
      throw error
    },
  )
  const engine = new ConsentEngine({
    business,
    texts,
    store,
    messenger,
    ...(options.outreach ? { outreach: options.outreach(business.policy.campaign.templates) } : {}),
    onErasure: async (addresses) => {
      for (const address of addresses) await campaignStore.addErased(address)
    },
    ...(staffNotifier ? { staffNotifier } : {}),
    defaultLanguage: options.defaultLanguage,
    logger: options.logger ?? silentLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...options.waiting,
    ...(source.numberOf ? { numberOf: (lid: string) => source.numberOf!(lid) } : {}),
  })
  const bridge = attachSource(source, engine, options.logger ?? silentLogger)
  const clock = options.clock ?? (() => new Date())
  const fallbackZone = businessZone(business.policy)
  const campaignRunner = new CampaignRunner({
    store: campaignStore,
    invite: (request) => engine.invite(request),
    wasInvited: (phone, campaign) => engine.wasInvited(phone, campaign),
    clock,
    wait: options.campaignWait ?? ((ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined)),
    ...(options.random ? { random: options.random } : {}),
    log,
    fallbackZone,
  })
  // A campaign cut off by a crash waits for the owner's --resume: a restart never sends unasked.
  await campaignRunner.pauseInterrupted()
  const campaigns = new Campaigns({
    store: campaignStore,
    runner: campaignRunner,
    policy: business.policy,
    provider: options.campaignProvider ?? 'console',
    defaultLanguage: options.defaultLanguage,
    load: async (address) => (await store.load(address)).contact,
    clock,
    fallbackZone,
    log,
  })
  // Meta reports some limits only as a failed status (131049): the campaign stops there too.
  const stopOnStatus = source.onStatus?.((status) => {
    const reason = status.error && STOPPING_CODES.get(status.error.code)
    if (reason) return campaignRunner.halt(reason, status.error!.code)
    return undefined
  })
  // One person, one contact: contacts split between a number and its LID before are merged now.
  const merging = source.numberOf
    ? engine
        .mergeSplitContacts((lid) => source.numberOf!(lid))
        .catch((error) => (options.logger ?? silentLogger).error('contacts.merge_failed', { error: (error as Error).message }))
    : Promise.resolve()
  // Chats that wait for a person and whose staff were never told (the bot stopped first, the
  // inbox was down) are told now; after the merge, so a person is told of once.
  const telling = merging.then(() =>
    engine
      .tellStaffOfWaitingChats()
      .catch((error) => (options.logger ?? silentLogger).error('staff.tell_failed', { error: (error as Error).message })),
  )
  // Consent questions left unanswered too long are marked lapsed: a minute after start (not at
  // once: reading every contact would compete with the first messages), then every hour.
  const sweep = () =>
    void engine
      .lapseUnanswered()
      .catch((error) => (options.logger ?? silentLogger).error('lapse.sweep_failed', { error: (error as Error).message }))
  const firstSweep = setTimeout(sweep, 60_000)
  const sweeper = setInterval(sweep, LAPSE_SWEEP_MS)
  firstSweep.unref()
  sweeper.unref()
  const web = options.http && (await startWeb(options, options.http, business, texts, engine, campaigns))
  // Ready for messages: how long the start took (the store's own share is in store.opened).
  log.info('bot.started', { ms: Math.round(performance.now() - started) })
  let closing: Promise<void> | undefined
  return {
    engine,
    campaigns,
    campaignRunner,
    settled: () => engine.settled(),
    ...(web ? { web } : {}),
    close() {
      closing ??= (async () => {
        clearTimeout(firstSweep)
        clearInterval(sweeper)
        // A campaign sending now stops before anything else: the owner resumes it with --resume.
        const running = campaignRunner.current
        if (running) await campaignRunner.pause(running, `the bot was stopped; npm run campaign -- --resume ${running} continues it`)
        stopOnStatus?.()
        await web?.close()
        bridge.detach()
        await merging
        await telling
        // A message waiting for a disk that refuses writes gets one last try, then is told it was not saved.
        engine.stopRetrying()
        await engine.settled()
        // Notes to the staff under way are finished; retries still waiting are given up (and logged).
        await staffNotifier?.close?.()
        // That the staff were told (or not) is stored before the store closes.
        await engine.staffNotesSettled()
        await engine.settled()
        await campaignStore.close()
        await store.close()
      })()
      return closing
    },
  }
}

/** The pages serve the owner, the chat serves contacts: a port that cannot be had is logged, and the bot runs on. */
async function startWeb(
  options: BotOptions,
  http: NonNullable<BotOptions['http']>,
  business: BusinessFiles['business'],
  texts: Texts,
  engine: ConsentEngine,
  campaigns: Campaigns,
): Promise<WebServer | undefined> {
  const logger = options.logger ?? silentLogger
  const { policy, flow } = business
  const reader = await openReader(options.storage ?? FILES, { dataDir: options.dataDir, logger })
  // The key the store made at its first start: the pages show its fingerprint, as every receipt does.
  const ledgerKey = await reader
    .seals?.()
    .then((seals) => seals.key?.fingerprint)
    .catch((error: Error) => void logger.error('http.ledger_key_unreadable', { error: error.message }))
  // On PostgreSQL the dashboard shows the database's other numbers too, each read through a reader of its own.
  const storage = options.storage
  const numbers =
    storage?.kind === 'postgres'
      ? {
          current: storage.number,
          names: () => numbersIn(storage.url),
          reader: (number: string) => openReader({ ...storage, number }, { dataDir: options.dataDir, logger }),
        }
      : undefined
  try {
    const server = await startWebServer(
      {
        reader,
        ...(numbers ? { numbers } : {}),
        ...(ledgerKey ? { ledgerKey } : {}),
        storeFault: () => engine.storeFault(),
        // The dashboard's pause and resume buttons (and `npm run staff` while the bot runs) steer chats through the engine.
        chats: engine,
        campaigns: withListUploads(campaigns, { ...options, policy, texts }),
        ...(policy.staff.hours?.timeZone ? { timeZone: policy.staff.hours.timeZone } : {}),
        policy,
        flow,
        texts,
        defaultLanguage: options.defaultLanguage,
        logger,
        ...(http.adminToken ? { adminToken: http.adminToken } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.webhook ? { webhook: options.webhook } : {}),
      },
      http,
    )
    logger.info('http.listening', { url: server.url, admin: Boolean(http.adminToken) })
    // The reader's connections (PostgreSQL's) go with the pages that read through them.
    return { url: server.url, address: () => server.address(), close: () => server.close().finally(() => reader.close()) }
  } catch (error) {
    await reader.close()
    const code = (error as NodeJS.ErrnoException).code
    const hint = code === 'EADDRINUSE' ? `port ${http.port} is taken: set HTTP_PORT to a free one` : 'check HTTP_HOST and HTTP_PORT'
    logger.error('http.unavailable', {
      code,
      host: http.host,
      port: http.port,
      hint: `the privacy page and the dashboard are not served; ${hint}`,
    })
    return undefined
  }
}
