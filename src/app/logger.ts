/**
 * Structured logs (one JSON object per line, on stderr) that never carry personal data:
 * contacts appear as a short keyed hash (HMAC), and message text is never logged.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Logger } from '../ports/logger.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export { type Logger, silentLogger } from '../ports/logger.js'

/**
 * The key of contact ids in logs. The bot's own (`data/log-key`, made at first start) is set by
 * `npm start` with `useLogKey`; until then a random one, so ids are never guessable, only new
 * each run (tests, the owner's commands).
 */
let logKey: Buffer = randomBytes(32)

/** The secret contact ids are keyed with from now on (at least 32 bytes). */
export function useLogKey(key: Buffer): void {
  if (key.length < 32) throw new Error(`a log key must be at least 32 bytes, not ${key.length}`)
  logKey = Buffer.from(key)
}

/**
 * A stable pseudonym for a contact, so one contact's log lines can be followed without their
 * number: HMAC-SHA256 with the log key, cut to 12 hex digits. Without the key, trying every
 * number cannot find whose id it is (an unkeyed hash of a phone number can: there are few numbers).
 */
export function contactRef(contactId: string): string {
  return createHmac('sha256', logKey).update(contactId).digest('hex').slice(0, 12)
}

/**
 * Fields that carry text written elsewhere (an error's message, a library's log line), which may
 * name a contact: "could not send to 5215512345678@s.whatsapp.net". Our own fields never do.
 */
const FOREIGN_TEXT_FIELDS = new Set(['error', 'reason', 'detail'])
const EMAIL = /[^\s@"'<>()]+@[^\s@"'<>()]+\.[^\s@"'<>()]+/g
// Six or more digits, however spaced or punctuated (a phone number, a WhatsApp id), with any +.
const LONG_NUMBER = /\+?\d(?:[\s().-]?\d){5,}(?::\d+)?(?:@[a-z.]+)?/gi

/** The text with email addresses and phone numbers (or WhatsApp ids) masked. */
export function maskPersonalData(text: string): string {
  return text.replace(LONG_NUMBER, '[number]').replace(EMAIL, '[email]')
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log =
    (at: LogLevel) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[at] < ORDER[level]) return
      const masked = Object.fromEntries(
        Object.entries(fields).map(([key, value]) => [
          key,
          FOREIGN_TEXT_FIELDS.has(key) && typeof value === 'string' ? maskPersonalData(value) : value,
        ]),
      )
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, event, ...masked })}\n`)
    }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}
