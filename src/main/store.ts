/**
 * Where contacts and the ledger live, opened from the config: the data folder's files (the
 * default) or one WhatsApp number's rows in PostgreSQL. The bot, `npm start` and the owner's
 * commands open their store and reader here, so none of them knows which one it got.
 */
import { mkdir } from 'node:fs/promises'
import { ConfigError, type Config, type StoreConfig } from '../app/config.js'
import { DatabaseFileError, openConsentReader, openLowdbStore, StoreLockedError, type LowdbStoreOptions } from '../adapters/lowdb-store.js'
import { PostgresLedgerError, PostgresNumberBusyError, PostgresStoreError } from '../adapters/postgres/errors.js'
import { PostgresImportError } from '../adapters/postgres/import.js'
import type { PostgresStore } from '../adapters/postgres/index.js'
import { lockDataDir } from '../adapters/store/lock.js'
import { readSigningKey } from '../adapters/store/seals.js'
import { keyFingerprint } from '../domain/ledger.js'
import type { ConsentReader } from '../ports/consent-reader.js'
import type { ConsentStore } from '../ports/consent-store.js'
import { silentLogger, type Logger } from '../ports/logger.js'

/** The files in the data folder: what every caller that names no store gets. */
export const FILES: StoreConfig = { kind: 'files' }

/** A reader that may hold connections (PostgreSQL's): closed when the tool or the bot is done. */
export type ClosableReader = ConsentReader & { close(): Promise<void> }

export interface OpenOptions {
  /** The data folder: the file store itself, and with PostgreSQL still the WhatsApp session's and the log key's. */
  dataDir: string
  logger?: Logger
  /** Tuning of the file store (journal size, shard count). */
  files?: Omit<LowdbStoreOptions, 'logger'>
}

/** The adapter is loaded only when asked for: a bot on files never loads `pg`. */
const postgres = () => import('../adapters/postgres/index.js')

/** Opens the store for writing (the bot, `npm run staff` when the bot is stopped). */
export async function openStore(choice: StoreConfig, options: OpenOptions): Promise<ConsentStore> {
  const logger = options.logger ?? silentLogger
  if (choice.kind === 'files') return openLowdbStore(options.dataDir, { ...options.files, logger })
  // The data folder still holds the number's WhatsApp session: two bots on one folder would share
  // it, so its lock is taken as with files (the database takes the number's own).
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  const lock = await lockDataDir(options.dataDir, (error) => logger.error('store.lock_lost', { error: error.message }))
  try {
    const { openPostgresStore } = await postgres()
    const store = await openPostgresStore({ url: choice.url, number: choice.number, logger })
    return {
      load: (contactId) => store.load(contactId),
      commit: (change) => store.commit(change),
      erase: (contactId, proof) => store.erase(contactId, proof),
      scan: () => store.scan(),
      close: () => store.close().finally(() => lock.release()),
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}

/**
 * The number's own store, without the data folder's lock (`npm run store:copy`, which holds the
 * folder itself): for its `importData`, or to hold the number while it is read.
 */
export async function openImportTarget(choice: Extract<StoreConfig, { kind: 'postgres' }>, logger?: Logger): Promise<PostgresStore> {
  const { openPostgresStore } = await postgres()
  return openPostgresStore({ url: choice.url, number: choice.number, ...(logger ? { logger } : {}) })
}

/** Opens the owner's read-only view of the same store (the dashboard, export, receipt, ledger:verify). */
export async function openReader(choice: StoreConfig, options: { dataDir: string; logger?: Logger }): Promise<ClosableReader> {
  if (choice.kind === 'files') return { ...openConsentReader(options.dataDir), close: async () => {} }
  const { openPostgresReader } = await postgres()
  return openPostgresReader({ url: choice.url, number: choice.number, ...(options.logger ? { logger: options.logger } : {}) })
}

/** The numbers the database holds, in its order. */
export async function numbersIn(url: string): Promise<string[]> {
  return (await postgres()).listNumbers(url)
}

/**
 * The stores an owner's command reads: the one configured, or with `all` (--all-numbers) every
 * number of the database. Throws StoreUnavailable for a number the database does not hold.
 */
export async function storesToRead(config: Pick<Config, 'store'>, all: boolean): Promise<StoreConfig[]> {
  const { store } = config
  if (store.kind === 'files') {
    if (all) throw new ConfigError('--all-numbers reads every number of a PostgreSQL database: set DATABASE_URL (.env) to it')
    return [store]
  }
  const numbers = await numbersIn(store.url)
  if (all) {
    if (!numbers.length) throw new StoreUnavailable(`${shownDatabase(store.url)} holds no number yet`)
    return numbers.map((number) => ({ ...store, number }))
  }
  // A mistyped name would otherwise read as an empty number, silently.
  if (!numbers.includes(store.number))
    throw new StoreUnavailable(
      `${shownDatabase(store.url)} holds no number "${store.number}" (${numbers.length ? `it holds: ${numbers.join(', ')}` : 'it holds none yet'}); give one with --number or BOT_NUMBER`,
    )
  return [store]
}

/** A store a command was asked to read that is not there: one line for the owner, exit status 1. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable'
}

/** The database's address as the owner may see it: without the password (nor the query, which may hold one). */
export function shownDatabase(url: string): string {
  try {
    const shown = new URL(url)
    shown.password = ''
    shown.search = ''
    return shown.href
  } catch {
    return 'DATABASE_URL'
  }
}

/** Where the data is, in words: `data folder /srv/bot/data` or `number "tienda-centro" in postgres://bot@db/consent`. */
export function describeStore(choice: StoreConfig, dataDir: string): string {
  return choice.kind === 'files' ? `data folder ${dataDir}` : `number "${choice.number}" in ${shownDatabase(choice.url)}`
}

/** The fingerprint of the key that signs the ledger's heads, when the store has one yet. */
export async function signingKeyFingerprint(choice: StoreConfig, dataDir: string): Promise<string | undefined> {
  if (choice.kind === 'files') {
    const key = readSigningKey(dataDir)
    return key && keyFingerprint(key)
  }
  const reader = await openReader(choice, { dataDir })
  try {
    return (await reader.seals?.())?.key?.fingerprint
  } finally {
    await reader.close()
  }
}

/**
 * Whether `error` says another process holds the store (the data folder's lock, or the number's
 * in the database), with its PID when known: the owner's commands then go through that bot.
 */
export function heldBy(error: unknown): { pid?: number } | undefined {
  if (error instanceof StoreLockedError) return error.pid === undefined ? {} : { pid: error.pid }
  return error instanceof PostgresNumberBusyError ? {} : undefined
}

/** Node's codes for a server that cannot be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * The line an owner reads for a store that cannot be opened or read for a reason outside the bot
 * (a damaged file, another bot on it, a database that cannot be reached or refuses the user), or
 * undefined for a fault of the bot's own.
 */
export function storeProblem(error: unknown, choice: StoreConfig): string | undefined {
  if (
    error instanceof DatabaseFileError ||
    error instanceof StoreLockedError ||
    error instanceof StoreUnavailable ||
    error instanceof PostgresNumberBusyError ||
    error instanceof PostgresLedgerError ||
    error instanceof PostgresImportError
  )
    return error.message
  if (choice.kind === 'files') return undefined
  const where = shownDatabase(choice.url)
  // Raw from pg (a connection being made), or wrapped by the store (its SQLSTATE, or EIO for a lost connection).
  const { code, message } = (error ?? {}) as { code?: string; message?: string }
  const state = error instanceof PostgresStoreError ? error.sqlState : code
  if (state === '28P01' || state === '28000') return `the database at ${where} refused the user and password of DATABASE_URL (${message})`
  if (state === '3D000')
    return `the database named in DATABASE_URL does not exist at ${where} (${message}): create it, or correct DATABASE_URL`
  if (UNREACHABLE.has(code ?? '') || (error instanceof PostgresStoreError && code === 'EIO' && !state))
    return `the database at ${where} cannot be reached (${message}): is PostgreSQL running there? Check DATABASE_URL`
  return error instanceof PostgresStoreError ? error.message : undefined
}
