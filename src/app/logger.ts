/**
 * Structured logs (one JSON object per line, on stderr) that never carry personal data:
 * contacts appear as a short one-way hash, and message text is never logged.
 */
import { createHash } from 'node:crypto'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

/** A stable pseudonym for a contact, so one contact's log lines can be followed without their number. */
export function contactRef(contactId: string): string {
  return createHash('sha256').update(`consent-bot:${contactId}`).digest('hex').slice(0, 12)
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log = (at: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, event, ...fields })}\n`)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

export const silentLogger: Logger = createLogger('silent')
