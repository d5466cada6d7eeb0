/**
 * Where the bot says what it does: structured events with fields, never a phone number or a
 * message's text (the implementation, src/app/logger.ts, masks what comes from elsewhere).
 */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

const nothing = () => {}

/** A logger that says nothing: the default where none is given. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing }
