/**
 * The session folder holds the keys to the bot's WhatsApp account: it is kept 0700 and its
 * files 0600 (a umask of 077 for the process, and existing ones tightened at start).
 */
import { chmodSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** The folder Baileys keeps the session in, relative to the working directory (`<name>_sessions`). */
export const SESSION_FOLDER = 'bot_sessions'

/** A session folder written before (or by another umask) is made private again. */
export function tightenSession(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) return
  } catch {
    return // not there yet: Baileys creates it under our umask
  }
  chmodSync(dir, 0o700)
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    chmodSync(path, statSync(path).isDirectory() ? 0o700 : 0o600)
  }
}
