/**
 * The one place settings are read: command-line flags first, then the environment (and a `.env`
 * file, if present), then defaults. Parsed once, typed, and failing fast with a clear message.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { isLanguage, type Language } from '../domain/language.js'
import type { LogLevel } from './logger.js'
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js'
import { parseCloud, type CloudConfig } from './cloud-config.js'
import { ConfigError } from './config-error.js'

export type { CloudConfig } from './cloud-config.js'

export interface Config {
  /** Where contacts write from: this terminal, WhatsApp through Baileys (a linked device), or Meta's Cloud API. */
  provider: 'console' | 'whatsapp' | 'cloud'
  /** The Cloud API's settings (`provider: 'cloud'` only). */
  cloud?: CloudConfig
  /** Absolute paths. */
  dataDir: string
  flowsDir: string
  localesDir: string
  defaultLanguage: Language
  /** Console provider: the sender id of every typed or piped line. */
  from: string
  /** Console provider: each piped line is a JSON message naming its sender; replies are JSON lines naming theirs. */
  consoleJson?: boolean
  /** WhatsApp: link with a pairing code sent to this phone instead of a QR code. */
  pairingPhone?: string
  /** whatsapp only: set the WhatsApp profile's About text to a short form of the notice, with its link. */
  whatsappAbout?: boolean
  logLevel: LogLevel
  /** Per-contact limit on inbound messages; false: none (the default in the terminal chat). */
  rateLimit: RateLimit | false
  /** The web server (/privacy, /admin); absent when turned off. */
  http?: HttpConfig
  /** The address people reach the bot's pages at, without a trailing slash. */
  publicUrl?: string
  /** Where the staff are told of chats that wait for a person; absent when nowhere. */
  staff?: StaffConfig
  /** Where contacts and the ledger are kept: files in `dataDir`, or one number's rows in PostgreSQL. */
  store: StoreConfig
}

/** DATABASE_URL comes from the environment only: it holds a password, which a flag would show in the process list. */
export type StoreConfig = { kind: 'files' } | { kind: 'postgres'; url: string; number: string }

/** The number's name when DATABASE_URL is set and none is given. */
export const DEFAULT_NUMBER = 'main'

/** From the environment only (STAFF_WEBHOOK_URL, STAFF_WEBHOOK_SECRET, STAFF_WHATSAPP): the secret must not show in the process list. */
export interface StaffConfig {
  /** A signed JSON POST to an inbox (Chatwoot, n8n, a CRM). */
  webhook?: { url: string; secret: string }
  /** A WhatsApp number (digits, with country code) or group (`…@g.us`) of the business, sent a text. */
  whatsapp?: string
}

export interface HttpConfig {
  port: number
  host: string
  /** From ADMIN_TOKEN (environment only: a flag would show in the process list); none: /admin is off. */
  adminToken?: string
  /** The port was given by flag or environment rather than defaulted. */
  explicit: boolean
}

/** The web server's port when none is set. */
export const DEFAULT_HTTP_PORT = 3210

export { ConfigError }

export const USAGE = `Usage: npm start -- [options]

  --provider console|whatsapp|cloud
                                where contacts write from (default: console, this terminal;
                                whatsapp: the bot links to the business's WhatsApp like a phone
                                does; cloud: Meta's official Cloud API, settings in .env)
  --data-dir DIR                where the database and the WhatsApp session are kept (default: data)
  --number NAME                 with DATABASE_URL: the name of this WhatsApp number's data in the
                                database, e.g. tienda-centro (letters, digits, - _ .; default: main)
  --from PHONE                  console only: the phone number you chat as (default: 5215512345678)
  --json                        console only: many contacts through one pipe: each input line is
                                {"from":"5215512345678","body":"hola"} and each reply is written as
                                {"to":"5215512345678","text":"…"} (for scripts and load tests)
  --lang es|en                  language for contacts whose number says nothing (default: es)
  --pairing-code PHONE          whatsapp only: link with a code sent to PHONE instead of a QR code
  --whatsapp-about on|off       whatsapp only: the profile's About says how data is used, with the
                                privacy page's link (locales/<lang>/messages.json whatsapp.about)
  --flows-dir DIR               the conversation and policy files (default: flows)
  --locales-dir DIR             the texts (default: locales)
  --log-level LEVEL             debug, info, warn, error or silent
  --rate-limit N/SECONDS|off    a contact may send N messages in a burst, refilled in SECONDS
                                (default: 20/10 on WhatsApp, off in the terminal)
  --http-port PORT              the privacy page and dashboard (default: ${DEFAULT_HTTP_PORT}; 0 turns them off;
                                a piped chat starts them only when a port is set)
  --http-host HOST              where they listen (default: 127.0.0.1, this computer only)
  --no-http                     do not start them
  --public-url URL              the address people reach them at (https://…): the bot's INFO
                                answer links to URL/privacy
  --help                        show this text

Every option can also be set in the environment or in .env (see .env.example).
ADMIN_TOKEN (environment or .env only) turns on the dashboard at /admin.
STAFF_WEBHOOK_URL with STAFF_WEBHOOK_SECRET, and STAFF_WHATSAPP (environment or .env only)
tell the staff when a chat waits for a person.
DATABASE_URL=postgres://user:password@host:5432/database (environment or .env only) keeps
contacts and the ledger in PostgreSQL instead of the data folder.
WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN
(environment or .env only) connect --provider cloud; its webhook is /webhooks/whatsapp.`

/** Every option taking a value, and the same setting as an owner writes it in `.env` (see `.env.example`). */
const ENV = {
  provider: 'PROVIDER',
  'data-dir': 'DATA_DIR',
  'flows-dir': 'FLOWS_DIR',
  'locales-dir': 'LOCALES_DIR',
  lang: 'DEFAULT_LANGUAGE',
  from: 'CONSOLE_FROM',
  'pairing-code': 'WHATSAPP_PAIRING_PHONE',
  'whatsapp-about': 'WHATSAPP_ABOUT',
  'log-level': 'LOG_LEVEL',
  'rate-limit': 'RATE_LIMIT',
  'http-port': 'HTTP_PORT',
  'http-host': 'HTTP_HOST',
  'public-url': 'PUBLIC_URL',
  number: 'BOT_NUMBER',
} as const
type Flag = keyof typeof ENV

/** Shorter tokens can be guessed; the owner is told how to make a good one. */
const MIN_ADMIN_TOKEN = 16
/** With the pages reachable from other computers (HTTP_HOST not a loopback address), a token must be this long. */
export const MIN_REMOTE_ADMIN_TOKEN = 32
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]'])

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Config | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(ENV).map((flag) => [flag, { type: 'string' as const }])),
        'no-http': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`)
  }
  if (values.help) return 'help'
  // A blank value (as .env.example leaves them) is no value.
  const pick = (flag: Flag, fallback?: string) => ((values[flag] as string | undefined) ?? env[ENV[flag]])?.trim() || fallback

  const provider = pick('provider', 'console')!
  if (provider !== 'console' && provider !== 'whatsapp' && provider !== 'cloud')
    throw new ConfigError(`--provider (${ENV.provider}) must be "console", "whatsapp" or "cloud", not "${provider}"`)
  const cloud = provider === 'cloud' ? parseCloud(env) : undefined
  const defaultLanguage = pick('lang', 'es')!
  if (!isLanguage(defaultLanguage)) throw new ConfigError(`--lang (${ENV.lang}) must be "es" or "en", not "${defaultLanguage}"`)

  const from = pick('from', '5215512345678')!.replace(/^\+/, '')
  if (!/^\d{6,15}$/.test(from))
    throw new ConfigError(`--from (${ENV.from}) must be a phone number with country code, digits only (e.g. 5215512345678)`)

  if (values.json && provider !== 'console')
    throw new ConfigError(`--json is for --provider console (a pipe of JSON messages), not ${provider}`)

  const about = pick('whatsapp-about', 'off')!.toLowerCase()
  if (about !== 'on' && about !== 'off')
    throw new ConfigError(`--whatsapp-about (${ENV['whatsapp-about']}) must be "on" or "off", not "${about}"`)
  const pairingPhone = pick('pairing-code')?.replace(/[\s+()-]/g, '')
  if (pairingPhone !== undefined && !/^\d{6,15}$/.test(pairingPhone))
    throw new ConfigError(`--pairing-code (${ENV['pairing-code']}) must be the bot's WhatsApp number with country code, e.g. 34612345678`)

  const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
  // In the terminal chat, routine log lines would interleave with the conversation.
  const logLevel = pick('log-level', provider === 'console' ? 'warn' : 'info') as LogLevel
  if (!levels.includes(logLevel)) throw new ConfigError(`--log-level (${ENV['log-level']}) must be one of ${levels.join(', ')}`)

  // Piping a script into the terminal chat is not a flood: no limit there unless asked for.
  const rateLimitText = pick('rate-limit', provider === 'console' ? 'off' : `${DEFAULT_RATE_LIMIT.messages}/${DEFAULT_RATE_LIMIT.seconds}`)!
  const rateLimitMatch = /^(\d{1,6})\s*\/\s*(\d{1,6}(?:\.\d+)?)\s*s?$/i.exec(rateLimitText)
  const rateLimit =
    rateLimitText.toLowerCase() === 'off'
      ? false
      : rateLimitMatch && { messages: Number(rateLimitMatch[1]), seconds: Number(rateLimitMatch[2]) }
  if (rateLimit === null || (rateLimit && (rateLimit.messages < 1 || rateLimit.seconds <= 0)))
    throw new ConfigError(
      `--rate-limit (${ENV['rate-limit']}) must be messages/seconds, e.g. 20/10 (20 messages in a burst, refilled in 10 seconds), or off; not "${rateLimitText}"`,
    )

  const portText = pick('http-port')
  const port = portText === undefined ? DEFAULT_HTTP_PORT : Number(portText)
  if (!/^\d{1,5}$/.test(portText ?? '0') || port > 65535)
    throw new ConfigError(
      `--http-port (${ENV['http-port']}) must be a port number from 1 to 65535, or 0 to turn the web server off; not "${portText}"`,
    )
  const adminToken = env.ADMIN_TOKEN?.trim() || undefined
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN)
    throw new ConfigError(
      `ADMIN_TOKEN is too short to be safe (${adminToken.length} characters, at least ${MIN_ADMIN_TOKEN} needed); make one with: node -e "console.log(crypto.randomBytes(24).toString('base64url'))"`,
    )
  const host = pick('http-host', '127.0.0.1')!
  // Off this computer, anyone on the network can try tokens: only a long random one stands that.
  if (adminToken !== undefined && !(values['no-http'] || port === 0) && !LOOPBACK.has(host) && adminToken.length < MIN_REMOTE_ADMIN_TOKEN)
    throw new ConfigError(
      `ADMIN_TOKEN is too short for a dashboard reachable from other computers (${ENV['http-host']} is ${host}): ${adminToken.length} characters, at least ${MIN_REMOTE_ADMIN_TOKEN} needed; make one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))", or keep ${ENV['http-host']} at 127.0.0.1`,
    )
  const http: HttpConfig | undefined =
    values['no-http'] || port === 0 ? undefined : { port, host, ...(adminToken ? { adminToken } : {}), explicit: portText !== undefined }
  // Meta delivers the Cloud API's messages to the web server's /webhooks/whatsapp.
  if (cloud && !http)
    throw new ConfigError(
      `--provider cloud receives messages at the web server's /webhooks/whatsapp: set ${ENV['http-port']} to a port (default ${DEFAULT_HTTP_PORT}), not 0 or --no-http`,
    )

  const publicUrlText = pick('public-url')
  let publicUrl: string | undefined
  if (publicUrlText !== undefined) {
    const parsed = URL.canParse(publicUrlText) ? new URL(publicUrlText) : undefined
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search || parsed.hash)
      throw new ConfigError(
        `--public-url (${ENV['public-url']}) must be the web address the bot's pages are reached at, like https://tienda.example; not "${publicUrlText}"`,
      )
    publicUrl = parsed.href.replace(/\/+$/, '')
  }

  const staff = parseStaff(env)
  return {
    provider,
    ...(cloud ? { cloud } : {}),
    dataDir: resolve(cwd, pick('data-dir', 'data')!),
    flowsDir: resolve(cwd, pick('flows-dir', 'flows')!),
    localesDir: resolve(cwd, pick('locales-dir', 'locales')!),
    defaultLanguage,
    from,
    ...(values.json ? { consoleJson: true } : {}),
    ...(pairingPhone ? { pairingPhone } : {}),
    ...(about === 'on' ? { whatsappAbout: true } : {}),
    logLevel,
    rateLimit,
    ...(http ? { http } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(staff ? { staff } : {}),
    store: parseStore(pick('number'), env),
  }
}

function parseStore(number: string | undefined, env: NodeJS.ProcessEnv): StoreConfig {
  // The name is a label of the owner's choosing, shown in file names and logs: kept plain.
  if (number !== undefined && !/^[\w.-]{1,64}$/.test(number))
    throw new ConfigError(`--number (${ENV.number}) must be 1 to 64 letters, digits, "-", "_" or ".", e.g. tienda-centro; not "${number}"`)
  const text = env.DATABASE_URL?.trim() || undefined
  if (text === undefined && number === undefined) return { kind: 'files' }
  // The data folder read while the owner believes it is that number's data: said, not ignored.
  if (text === undefined)
    throw new ConfigError(`--number (${ENV.number}) names a number's data in PostgreSQL: set DATABASE_URL too, or leave the number out`)
  // Never echoed: the address holds the database's password.
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:'))
    throw new ConfigError(
      'DATABASE_URL must be a PostgreSQL address, postgres://user:password@host:5432/database (or postgresql://…), with any of @ : / ? # in the password written as %40 %3A %2F %3F %23',
    )
  return { kind: 'postgres', url: text, number: number ?? DEFAULT_NUMBER }
}

/** A shorter secret could be guessed, and then anyone could post chats to the staff's inbox. */
export const MIN_STAFF_WEBHOOK_SECRET = 16
const GROUP_JID = /^\d{5,20}(-\d{5,20})?@g\.us$/

function parseStaff(env: NodeJS.ProcessEnv): StaffConfig | undefined {
  const read = (name: string) => env[name]?.trim() || undefined
  const urlText = read('STAFF_WEBHOOK_URL')
  const secret = read('STAFF_WEBHOOK_SECRET')
  const whatsappText = read('STAFF_WHATSAPP')
  let webhook: StaffConfig['webhook']
  if (urlText !== undefined) {
    const url = URL.canParse(urlText) ? new URL(urlText) : undefined
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash)
      throw new ConfigError(
        'STAFF_WEBHOOK_URL must be the https:// address your inbox receives webhooks at, e.g. https://n8n.tienda.example/webhook/bot, without user:password@ or #',
      )
    // Over plain http, anyone on the way reads the contact's number and message: only this computer may be spoken to so.
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname))
      throw new ConfigError(
        `STAFF_WEBHOOK_URL must start with https:// (plain http:// only to localhost, 127.0.0.1 or [::1]), not http://${url.host}/…`,
      )
    if (secret === undefined || secret.length < MIN_STAFF_WEBHOOK_SECRET)
      throw new ConfigError(
        `STAFF_WEBHOOK_SECRET must be set with STAFF_WEBHOOK_URL, at least ${MIN_STAFF_WEBHOOK_SECRET} characters (${secret?.length ?? 0} now), and given to the receiver to check X-Signature-256; make one with: node -e "console.log(crypto.randomBytes(24).toString('base64url'))"`,
      )
    webhook = { url: url.href, secret }
  } else if (secret !== undefined)
    throw new ConfigError('STAFF_WEBHOOK_SECRET is set but STAFF_WEBHOOK_URL is not: set the address to post to, or remove the secret')
  let whatsapp: string | undefined
  if (whatsappText !== undefined) {
    whatsapp = GROUP_JID.test(whatsappText) ? whatsappText : staffNumber(whatsappText)
    if (whatsapp === undefined)
      throw new ConfigError(
        `STAFF_WHATSAPP must be the staff's WhatsApp number with country code (e.g. +34 612 34 56 78) or a group id (e.g. 120363012345678901@g.us), not "${whatsappText}"`,
      )
  }
  return webhook || whatsapp ? { ...(webhook ? { webhook } : {}), ...(whatsapp ? { whatsapp } : {}) } : undefined
}

/** The number's digits, with country code, when it is one. */
function staffNumber(text: string): string | undefined {
  if (!/^\+?[\d ]+$/.test(text)) return undefined
  const digits = text.replace(/\D/g, '')
  if (parsePhoneNumberFromString(`+${digits}`)?.isValid()) return digits
  // Mexican mobiles are still written (and addressed by WhatsApp) with a "1" after 52: kept as written.
  return digits.startsWith('521') && parsePhoneNumberFromString(`+52${digits.slice(3)}`)?.isValid() ? digits : undefined
}

/** Reads `.env` from the working directory into `process.env`, if there is one (Node 20.12+). */
export function loadDotEnv(cwd: string): void {
  const file = resolve(cwd, '.env')
  if (existsSync(file)) process.loadEnvFile(file)
}
