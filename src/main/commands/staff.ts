/**
 * `npm run staff -- list | pause <number> | resume <number>`: the chats handed to a person, and
 * the bot paused or resumed in one of them, from the command line.
 *
 * A running bot holds its data folder (the store's lock): then the change goes through the bot
 * itself, by its web server (HTTP_HOST, HTTP_PORT and ADMIN_TOKEN, as the bot reads them), so
 * the bot's queue for that contact orders it among their messages. A bot that is not running
 * leaves the folder free: the command opens the store and makes the same change through the
 * engine, sending nothing to anyone. `list` only reads, and runs beside the bot.
 */
import { existsSync } from 'node:fs'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { OwnerFileError } from '../../adapters/owner-file.js'
import { ConfigError, loadDotEnv, parseConfig, type Config, type StoreConfig } from '../../app/config.js'
import { ConsentEngine } from '../../app/engine.js'
import { isUserId, numberForms } from '../../app/identity.js'
import { shownContact, staffOverview, type StaffChat } from '../../app/web/staff-chats.js'
import { localTime, timeAgo } from '../../app/web/staff-section.js'
import { pageTexts } from '../../app/page-texts.js'
import { loadBusinessFiles } from '../bot.js'
import { describeStore, FILES, heldBy, openReader, openStore, storeProblem, storesToRead } from '../store.js'
import { parseCommandArgs, STORE_FLAGS, startArgs } from './owner-options.js'

const USAGE = `Usage: npm run staff -- list | pause <number> | resume <number> [options]

  list              the chats waiting for a person (oldest first) and those the bot is paused in
  pause <number>    the bot answers only commands in that chat, for the policy's pause length
                    (flows/policy.yaml, staff: pause): a person is handling it
  resume <number>   the bot answers that chat again; it no longer waits for a person

<number> as you would write it, with its country code: "+52 55 1234 5678", 5215512345678, or a
WhatsApp id ending in @lid or a Cloud API user id like US.1349… (as the dashboard shows them).

While the bot runs, pause and resume ask it through its web server: set HTTP_PORT (and
HTTP_HOST, if not 127.0.0.1) and ADMIN_TOKEN as the bot has them (.env).

  --data-dir DIR      the bot's data folder (default: data, or DATA_DIR in .env)
  --number NAME       with DATABASE_URL (.env): the number whose chats these are (default:
                      BOT_NUMBER, else main)
  --flows-dir DIR     the conversation and policy files (default: flows)
  --locales-dir DIR   the texts (default: locales)
  --help              show this text

Exit status: 0 when done, 1 when it could not be done (no such contact, the bot cannot be
reached), 2 on a bad option or number.`

/** A change the command could not make: one line for the owner, exit status 1. */
class Refused extends Error {}

/** The store asked for, once the config is read: a failure to open it is told in its terms. */
let storage: StoreConfig = FILES

type Action = 'pause' | 'resume'

/**
 * The ids a typed number may be stored under: its digits (E.164 without +), and for Mexico the
 * same with and without the "1" WhatsApp still puts after +52 on mobiles.
 */
function contactIdsOf(typed: string): string[] {
  const text = typed.trim()
  if (/^[\w.:-]+@lid$/.test(text) || isUserId(text)) return [text]
  const compact = text.replace(/[\s().-]/g, '').replace(/^00/, '+')
  if (!/^\+?\d{6,15}$/.test(compact)) {
    throw new ConfigError(
      `"${typed}" is not a phone number with its country code (e.g. "+52 55 1234 5678") nor a …@lid or user id (US.1349…)`,
    )
  }
  const parsed = parsePhoneNumberFromString(compact.startsWith('+') ? compact : `+${compact}`)
  const digits = parsed ? parsed.number.slice(1) : compact.replace(/^\+/, '')
  return numberForms(digits)
}

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const { values, positionals } = parseCommandArgs(
    process.argv.slice(2),
    {
      ...STORE_FLAGS,
      'flows-dir': { type: 'string' },
      'locales-dir': { type: 'string' },
    },
    true,
  )
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const config = parseConfig(startArgs(values, ['data-dir', 'number', 'flows-dir', 'locales-dir']), process.env, projectDir)
  if (config === 'help') return 0
  storage = config.store
  const [command, ...rest] = positionals
  // An unquoted "+52 55 1234 5678" arrives as four words: they are one number.
  const typed = rest.join(' ')
  const action = command === 'pause' || command === 'resume' ? command : undefined
  if (!(command === 'list' && rest.length === 0) && !(action && typed))
    throw new ConfigError(
      command ? `"${positionals.join(' ')}" is not list, pause <number> or resume <number>` : 'say list, pause or resume',
    )
  const ids = action && contactIdsOf(typed)
  if (config.store.kind === 'files' && !existsSync(config.dataDir))
    throw new Refused(`no data folder at ${config.dataDir}: the bot has not run there yet`)
  // A mistyped number's name would otherwise read as a number without chats.
  await storesToRead(config, false)
  return action && ids ? change(config, action, ids, typed, projectDir) : list(config, projectDir)
}

/** Every contact as the owner's tools read them (also beside the running bot). */
async function readContacts(config: Config) {
  const reader = await openReader(config.store, { dataDir: config.dataDir })
  try {
    return (await reader.read()).contacts
  } finally {
    await reader.close()
  }
}

async function list(config: Config, projectDir: string): Promise<number> {
  const now = new Date()
  const { waiting, paused, handled } = staffOverview(Object.values(await readContacts(config)), now)
  // The words the dashboard shows, as the owner wrote them in locales/en/pages.json: the terminal
  // speaks English, as this command's other lines do, whatever language the bot speaks.
  const { texts } = await loadBusinessFiles(config.flowsDir, config.localesDir, config.defaultLanguage, projectDir)
  const t = pageTexts(texts, 'en')
  const locale = t('privacy.dateLocale')
  const at = (iso: string) => `${localTime(iso, locale)} (${timeAgo(iso, now, locale)})`
  const bot = (chat: StaffChat) =>
    chat.pausedUntil
      ? `bot paused until ${localTime(chat.pausedUntil, locale)}${chat.pausedBy ? ` (${t(`dashboard.staff.pausedBy.${chat.pausedBy}`)})` : ''}`
      : 'bot answering'
  const lines: string[] = []
  if (!waiting.length && !paused.length) lines.push(t('dashboard.staff.empty'))
  if (waiting.length) lines.push(`Waiting for a person (${waiting.length}), oldest first:`)
  for (const chat of waiting)
    lines.push(
      `  ${shownContact(chat.contact)}  since ${at(chat.waitingSince!)}  ${chat.reason ? t(`dashboard.staff.reason.${chat.reason}`) : ''}  ${bot(chat)}`,
    )
  if (paused.length) lines.push(`${t('dashboard.staff.pausedTitle')} (${paused.length}):`)
  for (const chat of paused) lines.push(`  ${shownContact(chat.contact)}  ${bot(chat)}`)
  lines.push(t('dashboard.staff.handled', { recent: handled.recent, all: handled.all }))
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

async function change(config: Config, action: Action, ids: string[], typed: string, projectDir: string): Promise<number> {
  let done: string | undefined
  try {
    done = await changeHere(config, action, ids, projectDir)
  } catch (error) {
    const holder = heldBy(error)
    if (!holder) throw error
    done = await changeThroughBot(config, action, ids, holder.pid)
  }
  const where = config.store.kind === 'files' ? config.dataDir : describeStore(config.store, config.dataDir)
  if (!done) throw new Refused(`no contact with the number ${typed} in ${where} (npm run staff -- list shows the chats)`)
  const contact = (await readContacts(config))[done]
  const until = contact?.handover?.pausedUntil
  process.stdout.write(
    action === 'pause'
      ? `The bot is paused in the chat with ${shownContact(done)}${until ? ` until ${localTime(until, 'en-GB')}` : ''}: it answers only commands there.\n`
      : `The bot answers the chat with ${shownContact(done)} again.\n`,
  )
  return 0
}

/** The bot is not running: the store opened here, the change made by the engine; the id it was made for, if any. */
async function changeHere(config: Config, action: Action, ids: string[], projectDir: string): Promise<string | undefined> {
  const store = await openStore(config.store, { dataDir: config.dataDir })
  try {
    const { business, texts } = await loadBusinessFiles(config.flowsDir, config.localesDir, config.defaultLanguage, projectDir)
    // Nobody writes to this engine, and what it would say goes nowhere: it only makes the change.
    const engine = new ConsentEngine({
      business,
      texts,
      store,
      messenger: { send: async () => {} },
      defaultLanguage: config.defaultLanguage,
      rateLimit: false,
    })
    for (const id of ids) if (await (action === 'pause' ? engine.pauseChat(id, 'cli') : engine.resumeChat(id, 'cli'))) return id
    return undefined
  } finally {
    await store.close()
  }
}

/** The bot is running: asked through its web server, as the dashboard's button would; the id it was made for, if any. */
async function changeThroughBot(config: Config, action: Action, ids: string[], pid: number | undefined): Promise<string | undefined> {
  const running = `the bot${pid === undefined ? '' : ` (PID ${pid})`} is running on ${config.store.kind === 'files' ? config.dataDir : describeStore(config.store, config.dataDir)}`
  if (!config.http) throw new Refused(`${running} with its web server off: stop it, or start it with HTTP_PORT set, to ${action} from here`)
  if (!config.http.adminToken)
    throw new Refused(`${running}: set ADMIN_TOKEN (as the bot has it, in .env) to ${action} the chat through it`)
  // A server listening on every address is reached on this computer's own.
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host === '::' ? '::1' : config.http.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/admin/chats/${action}`
  for (const id of ids) {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${config.http.adminToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ contact: id, by: 'cli' }),
        redirect: 'manual',
      })
    } catch (error) {
      const reason = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message
      throw new Refused(`${running}, but its web server does not answer at ${url} (${reason}): check HTTP_HOST and HTTP_PORT`)
    }
    if (response.status === 303) return id
    const said = (await response.text()).trim()
    // The bot knows no contact by this id: the next way of writing the number may be theirs.
    if (response.status === 404 && said.startsWith('No contact')) continue
    if (response.status === 401 || response.status === 429)
      throw new Refused(`${running}, and it refused ADMIN_TOKEN: set it as the bot has it`)
    if (response.status === 404) throw new Refused(`${running}, and its dashboard is off: start the bot with ADMIN_TOKEN set`)
    throw new Refused(`${running}, and its web server answered ${response.status}: ${said}`)
  }
  return undefined
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`npm run staff: ${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
    if (error instanceof Refused || error instanceof OwnerFileError || storeProblem(error, storage)) {
      const line =
        error instanceof OwnerFileError
          ? 'flows/ or locales/ have problems: run npm run check'
          : error instanceof Refused
            ? error.message
            : storeProblem(error, storage)
      process.stderr.write(`npm run staff: ${line}\n`)
      process.exit(1)
    }
    process.stderr.write(`npm run staff: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
