/**
 * The secret the log's contact ids are keyed with (src/app/logger.ts): 32 random bytes, made at
 * the first start in the data folder (`log-key`, hex, readable by the owner's account only) and
 * read at every start after, so one contact keeps one id from run to run. Deleting the file cuts
 * every id logged before from whoever they were: a new key is made at the next start.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../app/config.js'

export const LOG_KEY_FILE = 'log-key'

/** A damaged key file: the bot does not start, and says what to do. */
export class LogKeyError extends ConfigError {}

/** The data folder's log key, made (0600) if there is none yet. */
export function loadLogKey(dataDir: string): Buffer {
  const path = join(dataDir, LOG_KEY_FILE)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  try {
    // 'wx': never overwrites a key another process has just made.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // A copy restored from elsewhere may be readable by others: the key is a secret.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  const text = readFileSync(path, 'utf8').trim()
  if (!/^[0-9a-f]{64,}$/i.test(text))
    throw new LogKeyError(
      `${path} is not a log key (64 hexadecimal digits). Delete it: a new one is made at the next start (ids in older log lines then no longer match the new ones).`,
    )
  return Buffer.from(text, 'hex')
}
