/**
 * The one place settings are read: command-line flags first, then the environment (and a `.env`
 * file, if present), then defaults. Parsed once, typed, and failing fast with a clear message.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { isLanguage, type Language } from '../domain/language.js'
import type { LogLevel } from './logger.js'
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limit.js'

export interface Config {
  provider: 'console' | 'whatsapp'
  /** Absolute paths. */
  dataDir: string
  flowsDir: string
  localesDir: string
  defaultLanguage: Language
  /** Console provider: the sender id of every typed or piped line. */
  from: string
  /** WhatsApp: link with a pairing code sent to this phone instead of a QR code. */
  pairingPhone?: string
  logLevel: LogLevel
  /** Per-contact limit on inbound messages; false: none (the default in the terminal chat). */
  rateLimit: RateLimit | false
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export const USAGE = `Usage: npm start -- [options]

  --provider console|whatsapp   where contacts write from (default: console, this terminal)
  --data-dir DIR                where the database and the WhatsApp session are kept (default: data)
  --from PHONE                  console only: the phone number you chat as (default: 5215512345678)
  --lang es|en                  language for contacts whose number says nothing (default: es)
  --pairing-code PHONE          whatsapp only: link with a code sent to PHONE instead of a QR code
  --flows-dir DIR               the conversation and policy files (default: flows)
  --locales-dir DIR             the texts (default: locales)
  --log-level LEVEL             debug, info, warn, error or silent
  --rate-limit N/SECONDS|off    a contact may send N messages in a burst, refilled in SECONDS
                                (default: 20/10 on WhatsApp, off in the terminal)
  --help                        show this text

Every option can also be set in the environment or in .env (see .env.example).`

/** The settings as an owner can write them in `.env`; see `.env.example`. */
const ENV = {
  provider: 'PROVIDER',
  dataDir: 'DATA_DIR',
  flowsDir: 'FLOWS_DIR',
  localesDir: 'LOCALES_DIR',
  defaultLanguage: 'DEFAULT_LANGUAGE',
  from: 'CONSOLE_FROM',
  pairingPhone: 'WHATSAPP_PAIRING_PHONE',
  logLevel: 'LOG_LEVEL',
  rateLimit: 'RATE_LIMIT',
} as const

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Config | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        provider: { type: 'string' },
        'data-dir': { type: 'string' },
        from: { type: 'string' },
        lang: { type: 'string' },
        'pairing-code': { type: 'string' },
        'flows-dir': { type: 'string' },
        'locales-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'rate-limit': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`)
  }
  if (values.help) return 'help'
  const pick = (flag: string, key: keyof typeof ENV, fallback?: string): string | undefined => {
    const value = (values[flag] as string | undefined) ?? env[ENV[key]]
    return value === undefined || value.trim() === '' ? fallback : value.trim()
  }

  const provider = pick('provider', 'provider', 'console')!
  if (provider !== 'console' && provider !== 'whatsapp') {
    throw new ConfigError(`--provider (${ENV.provider}) must be "console" or "whatsapp", not "${provider}"`)
  }
  const defaultLanguage = pick('lang', 'defaultLanguage', 'es')!
  if (!isLanguage(defaultLanguage)) throw new ConfigError(`--lang (${ENV.defaultLanguage}) must be "es" or "en", not "${defaultLanguage}"`)

  const from = pick('from', 'from', '5215512345678')!.replace(/^\+/, '')
  if (!/^\d{6,15}$/.test(from)) throw new ConfigError(`--from (${ENV.from}) must be a phone number with country code, digits only (e.g. 5215512345678)`)

  const pairingPhone = pick('pairing-code', 'pairingPhone')?.replace(/[\s+()-]/g, '')
  if (pairingPhone !== undefined && !/^\d{6,15}$/.test(pairingPhone)) {
    throw new ConfigError(`--pairing-code (${ENV.pairingPhone}) must be the bot's WhatsApp number with country code, e.g. 34612345678`)
  }

  const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
  // In the terminal chat, routine log lines would interleave with the conversation.
  const logLevel = pick('log-level', 'logLevel', provider === 'console' ? 'warn' : 'info') as LogLevel
  if (!levels.includes(logLevel)) throw new ConfigError(`--log-level (${ENV.logLevel}) must be one of ${levels.join(', ')}`)

  // Piping a script into the terminal chat is not a flood: no limit there unless asked for.
  const rateLimitText = pick('rate-limit', 'rateLimit', provider === 'console' ? 'off' : `${DEFAULT_RATE_LIMIT.messages}/${DEFAULT_RATE_LIMIT.seconds}`)!
  const rateLimitMatch = /^(\d{1,6})\s*\/\s*(\d{1,6}(?:\.\d+)?)\s*s?$/i.exec(rateLimitText)
  const rateLimit = rateLimitText.toLowerCase() === 'off' ? false : rateLimitMatch && { messages: Number(rateLimitMatch[1]), seconds: Number(rateLimitMatch[2]) }
  if (rateLimit === null || (rateLimit && (rateLimit.messages < 1 || rateLimit.seconds <= 0))) {
    throw new ConfigError(`--rate-limit (${ENV.rateLimit}) must be messages/seconds, e.g. 20/10 (20 messages in a burst, refilled in 10 seconds), or off; not "${rateLimitText}"`)
  }

  return {
    provider,
    dataDir: resolve(cwd, pick('data-dir', 'dataDir', 'data')!),
    flowsDir: resolve(cwd, pick('flows-dir', 'flowsDir', 'flows')!),
    localesDir: resolve(cwd, pick('locales-dir', 'localesDir', 'locales')!),
    defaultLanguage,
    from,
    ...(pairingPhone ? { pairingPhone } : {}),
    logLevel,
    rateLimit,
  }
}

/** Reads `.env` from the working directory into `process.env`, if there is one (Node 20.12+). */
export function loadDotEnv(cwd: string): void {
  const file = resolve(cwd, '.env')
  if (existsSync(file)) process.loadEnvFile(file)
}
