/**
 * Ids for the messages the bot sends, which the bot recognises later: a message from the
 * business's own WhatsApp whose id is the bot's is the bot talking, not the staff.
 *
 * An id has Baileys' own shape (lib/Utils/generics.js `generateMessageIDV2`: '3EB0' and 18
 * uppercase hex digits), so WhatsApp and the phone see nothing unusual: 10 random digits, then 8
 * of an HMAC-SHA256 of them under a key kept in the session folder. Recognising an id needs only
 * the key, not a list of every id sent, and survives a restart. A random id passes for the bot's
 * once in 2^32. The ids sent lately are also remembered, in case the key could not be kept.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '../ports/logger.js'

/** The key's file, in the session folder: it goes with the account, and is as private. */
export const SENT_IDS_KEY_FILE = 'sent-ids.key'

const PREFIX = '3EB0'
const NONCE_DIGITS = 10
const TAG_DIGITS = 8
const KEY_BYTES = 32
const BOT_ID = new RegExp(`^${PREFIX}[0-9A-F]{${NONCE_DIGITS + TAG_DIGITS}}$`)

export interface SentIds {
  /** A new id for a message the bot is about to send (remembered from now on). */
  next(): string
  /** Whether the bot made this id: its tag checks under the key, or it was sent lately. */
  isBotMessageId(id: unknown): boolean
}

export interface SentIdsOptions {
  /** Where the key is kept (created 0600 at first use). */
  keyPath: string
  /** How many ids sent lately are remembered as they are (default 5000). */
  remember?: number
  log?: Logger
}

/**
 * The key in `path`, created at first use. Two processes starting at once agree on one key: it is
 * written whole under another name and linked into place, which fails if one is already there.
 */
function loadKey(path: string): Buffer {
  try {
    const key = readFileSync(path)
    if (key.length === KEY_BYTES) return key
    // Cut short or edited by hand: a new key (the old ids are not recognised, as after a new link).
    const fresh = randomBytes(KEY_BYTES)
    const temporary = `${path}.${randomBytes(6).toString('hex')}`
    writeFileSync(temporary, fresh, { mode: 0o600, flag: 'wx' })
    renameSync(temporary, path)
    return fresh
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${randomBytes(6).toString('hex')}`
  writeFileSync(temporary, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' })
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    rmSync(temporary, { force: true })
  }
  return readFileSync(path)
}

export function sentIds(options: SentIdsOptions): SentIds {
  const remember = options.remember ?? 5000
  const recent = new Set<string>()
  let key: Buffer | undefined
  const keyOf = (): Buffer => {
    if (key) return key
    try {
      key = loadKey(options.keyPath)
    } catch (error) {
      // The bot still talks: this run's ids are recognised by a key in memory and by the list.
      options.log?.error('whatsapp.sent_ids_key_unavailable', { error: (error as Error)?.message ?? String(error) })
      key = randomBytes(KEY_BYTES)
    }
    return key
  }
  const tag = (nonce: string) =>
    createHmac('sha256', keyOf())
      .update(PREFIX + nonce)
      .digest('hex')
      .slice(0, TAG_DIGITS)
      .toUpperCase()

  return {
    next() {
      const nonce = randomBytes(NONCE_DIGITS / 2)
        .toString('hex')
        .toUpperCase()
      const id = PREFIX + nonce + tag(nonce)
      recent.add(id)
      if (recent.size > remember) recent.delete(recent.values().next().value!)
      return id
    },
    isBotMessageId(id) {
      if (typeof id !== 'string') return false
      if (recent.has(id)) return true
      if (!BOT_ID.test(id)) return false
      const nonce = id.slice(PREFIX.length, PREFIX.length + NONCE_DIGITS)
      return id.slice(PREFIX.length + NONCE_DIGITS) === tag(nonce)
    },
  }
}
