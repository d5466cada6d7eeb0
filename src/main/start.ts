/**
 * `npm start`: the consent bot, chatting in this terminal (default) or on WhatsApp
 * (`--provider whatsapp`). See `npm start -- --help`.
 */
import { whatsappAbout } from '../app/whatsapp-about.js'
import { withNoticePage } from '../app/web/privacy-page.js'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { OwnerFileError } from '../adapters/owner-file.js'
import { loadBusinessFiles, startBot, type BotOptions, type RunningBot } from './bot.js'
import { whatsappOutreach } from './whatsapp-outreach.js'
import { ConfigError, loadDotEnv, parseConfig, USAGE, type Config, type StoreConfig } from '../app/config.js'
import { createLogger, type Logger, useLogKey } from '../app/logger.js'
import { corkForTick } from '../adapters/tick-writes.js'
import { loadLogKey } from './log-key.js'
import { describeStore, FILES, signingKeyFingerprint, storeProblem } from './store.js'

/** The store asked for, once the config is read: a failure to open it is told in its terms. */
let storage: StoreConfig = FILES

async function main(): Promise<void> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const config = parseConfig(process.argv.slice(2), process.env, projectDir)
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  storage = config.store
  // A tick's lines leave in one write (a line per message would cost a system call each).
  const logger = createLogger(config.logLevel, (line) => {
    corkForTick(process.stderr)
    process.stderr.write(line)
  })
  // The owner's files first: a mistake stops here, before anything connects or is written.
  const files = await loadBusinessFiles(config.flowsDir, config.localesDir, config.defaultLanguage, projectDir)

  // BuilderBot and Baileys write logs, the QR image and the WhatsApp session into the working
  // directory. Give them one inside the private data directory, never the project folder.
  // Every path in `config` is absolute, so nothing else depends on the working directory.
  // Everything this process creates (the database, BuilderBot's and Baileys' files) is the
  // owner's alone: folders 0700, files 0600.
  process.umask(0o077)
  const runtimeDir = join(config.dataDir, 'runtime')
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 })
  // Contact ids in the log are keyed with the data folder's secret: no number can be tried against them.
  useLogKey(loadLogKey(config.dataDir))
  process.chdir(runtimeDir)

  process.on('unhandledRejection', (reason) => logger.error('unhandled_rejection', { error: (reason as Error)?.message ?? String(reason) }))

  const options = {
    files,
    flowsDir: config.flowsDir,
    localesDir: config.localesDir,
    dataDir: config.dataDir,
    storage: config.store,
    defaultLanguage: config.defaultLanguage,
    logger,
    rateLimit: config.rateLimit,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(config.staff ? { staff: config.staff } : {}),
  }
  if (config.provider === 'whatsapp') await runWhatsApp(config, logger, options)
  else if (config.provider === 'cloud') await runCloud(config, logger, options)
  else await runConsole(config, options)
}

type Options = Omit<BotOptions, 'provider'>

async function runConsole(config: Config, options: Options): Promise<void> {
  const { ConsoleProvider } = await import('../adapters/console-provider.js')
  const json = config.consoleJson === true
  const interactive = Boolean(process.stdin.isTTY) && !json
  const botLabel = options.files!.business.policy.controller.name
  const provider = new ConsoleProvider({
    input: process.stdin,
    output: process.stdout,
    from: config.from,
    interactive,
    botLabel,
    ...(json ? { json, errors: process.stderr } : {}),
  })
  // A piped chat's stdout is the replies, and scripts run side by side: pages only when a port is set.
  const http = interactive || config.http?.explicit ? config.http : undefined
  const bot = await startBot({ ...options, provider, campaignProvider: 'console', ...(http ? { http } : {}) })
  onStopSignal(bot, () => provider.close())
  if (interactive) {
    process.stdout.write(
      `Chatting as +${config.from}, as a contact would on WhatsApp. Data is kept in the ${describeStore(config.store, config.dataDir)}.\n` +
        pagesLine(bot, config) +
        (await ledgerKeyLine(config)) +
        'Try /image, /voice or /location to send a non-text message. Ctrl-D ends the chat.\n\n',
    )
  }
  provider.listen()
  await provider.ended
  // End of input: answer everything already received and flush the database, then leave.
  // A disk that fails even the tidying at the stop is told in one line: what was confirmed to a
  // contact is in the journal already, and is read back at the next start.
  const tidied = await bot.close().then(
    () => undefined,
    (error: unknown) => diskProblem(error) ?? (error as Error)?.message ?? String(error),
  )
  if (tidied) process.stderr.write(`The data folder could not be tidied at the stop: ${tidied}\n`)
  // A script must not take a run that lost messages for a good one.
  const unsaved = bot.engine.unsaved
  if (unsaved) process.stderr.write(`${unsaved} message${unsaved === 1 ? ' was' : 's were'} not saved (see the log above).\n`)
  process.exit(unsaved || tidied ? 1 : 0)
}

async function runWhatsApp(config: Config, logger: Logger, options: Options): Promise<void> {
  const { createWhatsApp } = await import('../adapters/whatsapp-provider.js')
  // Worked out before connecting: a text that cannot be right stops the start with one line.
  const files = options.files!
  const about = config.whatsappAbout
    ? whatsappAbout(withNoticePage(files.business.policy, config.publicUrl), files.texts, config.defaultLanguage)
    : undefined
  const whatsapp = await createWhatsApp({
    logger,
    terminal: process.stdout,
    ...(config.pairingPhone ? { pairingPhone: config.pairingPhone } : {}),
    ...(about ? { about } : {}),
  })
  const bot = await startBot({
    ...options,
    provider: whatsapp.provider,
    inbound: whatsapp.inbound,
    messenger: whatsapp.messenger,
    campaignProvider: 'whatsapp',
    // A campaign asks WhatsApp first whether a new client's number has an account, and in which form.
    outreach: () => whatsappOutreach(whatsapp),
    ...(config.http ? { http: config.http } : {}),
  })
  onStopSignal(bot, () => whatsapp.stop())
  process.stdout.write(
    `Connecting to WhatsApp. The session is kept in ${join(config.dataDir, 'runtime')}.\n${pagesLine(bot, config)}${await ledgerKeyLine(config)}`,
  )
  // A logged-out session never comes back by itself: say what to do, and stop instead of looping
  // (exit code 3, so a supervisor can tell it from a crash and not restart into the same state).
  void whatsapp.loggedOut.then(async (message) => {
    process.stderr.write(`\n${message}\n`)
    await bot.campaignRunner.halt('logged-out')
    whatsapp.stop()
    await bot.close()
    process.exit(3)
  })
  await whatsapp.connect()
}

async function runCloud(config: Config, logger: Logger, options: Options): Promise<void> {
  const { createCloudWhatsApp } = await import('../adapters/cloud/cloud-whatsapp.js')
  // The messenger asks the engine (made below) when a contact last wrote: the 24-hour window after a restart.
  let bot: RunningBot | undefined
  const cloud = createCloudWhatsApp({
    settings: config.cloud!,
    logger,
    lastInbound: async (address) => bot?.engine.lastInbound(address),
  })
  bot = await startBot({
    ...options,
    inbound: cloud.inbound,
    messenger: cloud.messenger,
    outreach: cloud.outreach,
    campaignProvider: 'cloud',
    webhook: cloud.webhook,
    http: config.http!,
  })
  if (!bot.web) {
    // Without the web server no message can arrive: better stopped than silently deaf.
    await cloud.close()
    await bot.close()
    process.stderr.write(
      `The bot did not start: the Cloud API delivers messages to the web server's ${cloud.webhook.path}, which could not listen on port ${config.http!.port} (see the log above): set HTTP_PORT to a free one.\n`,
    )
    process.exit(1)
  }
  // The replies in hand go out while bot.close() settles the engine (the web server stops taking
  // webhooks first); a Graph API that keeps them waiting is given up after 5 s.
  onStopSignal(bot, () => setTimeout(() => void cloud.close(), 5_000).unref())
  process.stdout.write(
    `Receiving WhatsApp Cloud API messages at ${bot.web.url}${cloud.webhook.path} (give Meta the public https address that leads there; see README, "WhatsApp's Cloud API").\n${pagesLine(bot, config)}${await ledgerKeyLine(config)}`,
  )
}

/** Where the owner finds the privacy page and the dashboard (nothing when the server is off). */
function pagesLine(bot: RunningBot, config: Config): string {
  if (!bot.web) return ''
  const admin = config.http?.adminToken ? `dashboard: ${bot.web.url}/admin?token=…` : 'dashboard off (set ADMIN_TOKEN to turn it on)'
  return `Privacy notice: ${bot.web.url}/privacy · ${admin}\n`
}

/** The fingerprint of the key that signs the ledger's heads (made at the first start): the owner publishes it. */
async function ledgerKeyLine(config: Config): Promise<string> {
  const fingerprint = await signingKeyFingerprint(config.store, config.dataDir)
  return fingerprint ? `Ledger signing key fingerprint: ${fingerprint} (publish it: see README, "The consent ledger")\n` : ''
}

/** Ctrl-C and SIGTERM: stop taking messages, answer what is in hand, flush, exit. */
function onStopSignal(bot: RunningBot, stopProvider: () => void): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1) // a second Ctrl-C: the user insists
    stopping = true
    stopProvider()
    void bot.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

/** A disk that refuses writes, in one line with what to do (no stack trace: nothing is wrong with the bot). */
function diskProblem(error: unknown): string | undefined {
  const { code, path, syscall } = (error ?? {}) as NodeJS.ErrnoException
  const where = path ? ` (${path})` : ''
  if (code === 'ENOSPC' || code === 'EDQUOT') return `the disk is full${where}. Free some space, then start the bot again.`
  if (code === 'EROFS') return `the data folder is on a read-only disk${where}. Give the bot a writable folder (--data-dir or DATA_DIR).`
  if (code === 'EACCES' || code === 'EPERM')
    return `the bot may not write to its data folder${where}. Run it as the folder's owner, or give it a folder of its own (--data-dir or DATA_DIR).`
  if (code === 'EIO') return `the disk failed to write${where}. Check the disk, then start the bot again.`
  // A file where the data folder (or a folder above it) should be.
  if (code === 'ENOTDIR' || (code === 'EEXIST' && syscall === 'mkdir'))
    return `its data folder cannot be made: ${path ? fileInTheWay(path) : 'a path in the way'} is a file, not a folder. Move that file away, or give the bot another folder (--data-dir or DATA_DIR).`
  return undefined
}

/** The nearest existing path at or above `path`: the file standing where a folder should be. */
function fileInTheWay(path: string): string {
  for (let at = path; ; at = dirname(at)) {
    if (existsSync(at) || dirname(at) === at) return at
  }
}

main().catch((error: unknown) => {
  if (error instanceof OwnerFileError) {
    process.stderr.write(`The bot did not start. Please fix these problems in your files:\n\n${error.message}\n`)
  } else if (error instanceof ConfigError || storeProblem(error, storage)) {
    process.stderr.write(`The bot did not start: ${error instanceof ConfigError ? error.message : storeProblem(error, storage)}\n`)
  } else if (diskProblem(error)) {
    process.stderr.write(`The bot stopped: ${diskProblem(error)}\n`)
  } else {
    process.stderr.write(`The bot stopped on an unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
  }
  process.exit(error instanceof ConfigError ? 2 : 1)
})
