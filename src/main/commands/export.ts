/**
 * `npm run export`: the consent ledger and the current state of every contact, as CSV files a
 * spreadsheet opens or as one JSON document, and the figures of the notice campaigns when there
 * are any. Reads the data directory without writing to it, so it can run while the bot is
 * running. The files go to `exports/` in the project folder, outside the data folder: they are
 * the owner's own copies, which an erasure does not reach.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ConfigError, loadDotEnv, parseConfig, type StoreConfig } from '../../app/config.js'
import {
  contactRows,
  exportCsv,
  exportJson,
  isTimeZone,
  ledgerRows,
  machineTimeZone,
  parseSince,
  tableCsv,
  type ExportPart,
} from '../../app/export.js'
import { campaignsTable } from '../../app/export-campaigns.js'
import { exportXlsx } from '../../app/export-xlsx.js'
import type { CampaignProgress } from '../../domain/campaign.js'
import type { ConsentData } from '../../ports/consent-store.js'
import { campaignFigures } from '../campaign-figures.js'
import { describeStore, openReader, storeProblem, storesToRead } from '../store.js'
import { ALL_NUMBERS_FLAG, parseCommandArgs, STORE_FLAGS, startArgs } from './owner-options.js'

const USAGE = `Usage: npm run export -- [options]

Exports the consent ledger (every answer, one row per record) and the contacts (where each one
stands now), and with them the notice campaigns (npm run campaign) when there are any: one row
per campaign with the figures the dashboard shows. The files hold phone numbers: keep them as
private as the data folder. They are your own copies: erasing a contact later (BORRAR / DELETE)
does not reach them.

  --format csv|xlsx|json   csv: two files a spreadsheet opens (a third, campaigns, when there
                           are any); xlsx: one spreadsheet (a sheet per part, text as text,
                           times as dates); json: one file (default: csv)
  --what ledger|contacts|campaigns|both   what to export (default: both, with the campaigns)
  --since DATE             only records from DATE on (2026-11-01 or 2026-11-01T09:30:00Z),
                           only contacts seen since then, and only campaigns made or still
                           going since then
  --tz ZONE                the time zone of the local-time columns, e.g. America/Mexico_City
                           (default: this machine's, or the TZ variable's)
  --out FILE               where to write (default: exports/ in this folder); "-" writes one
                           part to the screen. With csv and both parts, FILE names two files:
                           report.csv gives report-ledger.csv and report-contacts.csv (and
                           report-campaigns.csv)
  --data-dir DIR           the bot's data folder (default: data, or DATA_DIR in .env)
  --flows-dir DIR          the folder of policy.yaml, whose required purposes a campaign's
                           answers are counted against (default: flows, or FLOWS_DIR in .env)
  --number NAME            with DATABASE_URL (.env): the number to export (default: BOT_NUMBER,
                           else main); its name is in the files' names: consent-NAME-ledger-<day>.csv
  --all-numbers            with DATABASE_URL: every number of the database, each in files of its
                           own (with --out FILE: FILE-NAME…)
  --help                   show this text

Exit status: 0 when written, 1 when the data cannot be read or the output not written whole
(a closed pipe, a full disk), 2 on a bad option. When only the campaigns cannot be read (or
policy.yaml, which they are counted against), the ledger and the contacts are written and the
exit status is 1.`

interface ExportRequest {
  format: 'csv' | 'xlsx' | 'json'
  /** The time zone of the local-time columns. */
  timeZone: string
  parts: ExportPart[]
  /** The campaigns too: asked for alone (--what campaigns), or beside both parts when there are any. */
  campaigns: boolean
  since?: Date
  out?: string
  dataDir: string
  /** The owner's flows/: the policy's required purposes, for the campaigns' answers. */
  flowsDir: string
  /** The store to export (the data folder, or a number of a database). */
  store: StoreConfig
  /** Every number of the database (--all-numbers), each into files of its own. */
  allNumbers: boolean
  /** The number's name, in the files' names (a database's number); absent for the data folder. */
  number?: string
  /** Where the files go without --out: `exports/` in the project folder, never inside the data folder. */
  exportDir: string
}

export function parseExportOptions(argv: string[], env: NodeJS.ProcessEnv, cwd: string): ExportRequest | 'help' {
  const { values } = parseCommandArgs(argv, {
    format: { type: 'string' },
    what: { type: 'string' },
    since: { type: 'string' },
    out: { type: 'string' },
    tz: { type: 'string' },
    'flows-dir': { type: 'string' },
    ...STORE_FLAGS,
    ...ALL_NUMBERS_FLAG,
  })
  if (values.help) return 'help'
  const format = (values.format as string | undefined) ?? 'csv'
  if (format !== 'csv' && format !== 'xlsx' && format !== 'json')
    throw new ConfigError(`--format must be "csv", "xlsx" or "json", not "${format}"`)
  const timeZone = (values.tz as string | undefined) ?? machineTimeZone()
  if (!isTimeZone(timeZone)) throw new ConfigError(`--tz must be a time zone like America/Mexico_City or UTC, not "${timeZone}"`)
  const what = (values.what as string | undefined) ?? 'both'
  if (what !== 'ledger' && what !== 'contacts' && what !== 'campaigns' && what !== 'both')
    throw new ConfigError(`--what must be "ledger", "contacts", "campaigns" or "both", not "${what}"`)
  const parts: ExportPart[] = what === 'both' ? ['ledger', 'contacts'] : what === 'campaigns' ? [] : [what]
  let since: Date | undefined
  if (values.since !== undefined) {
    since = parseSince(values.since as string)
    if (!since)
      throw new ConfigError(`--since must be a date like 2026-11-01 or a moment like 2026-11-01T09:30:00Z, not "${String(values.since)}"`)
  }
  const out = values.out as string | undefined
  if (out === '-' && format === 'csv' && parts.length > 1)
    throw new ConfigError('--out - writes one CSV part to the screen: add --what ledger or --what contacts')
  const allNumbers = values['all-numbers'] === true
  if (out === '-' && allNumbers) throw new ConfigError('--out - writes one number to the screen: give it with --number, not --all-numbers')
  // The store is found exactly as the bot finds it (flag, DATA_DIR and DATABASE_URL in the environment or .env, default).
  const config = parseConfig(startArgs(values, ['data-dir', 'number', 'flows-dir']), env, cwd)
  if (config === 'help') return 'help'
  return {
    format,
    timeZone,
    parts,
    campaigns: what === 'campaigns' || what === 'both',
    ...(since ? { since } : {}),
    ...(out !== undefined ? { out: out === '-' ? '-' : resolve(cwd, out) } : {}),
    dataDir: config.dataDir,
    flowsDir: config.flowsDir,
    store: config.store,
    allNumbers,
    ...(config.store.kind === 'postgres' && !allNumbers ? { number: config.store.number } : {}),
    exportDir: resolve(cwd, EXPORT_DIR),
  }
}

/**
 * The request for one number of a database: its name in the default files' names, and with
 * --all-numbers in --out's too (`report.csv` → `report-NAME.csv`), so no number's file overwrites another's.
 */
export function forNumber(request: ExportRequest, number: string): ExportRequest {
  const out = request.allNumbers && request.out ? request.out.replace(/(\.[^./\\]*)?$/, (ext) => `-${number}${ext}`) : request.out
  return { ...request, number, ...(out !== undefined ? { out } : {}) }
}

/** The default folder of the exports, in the project folder (git-ignored). */
export const EXPORT_DIR = 'exports'

/**
 * The files to write: path (or "-" for stdout), content, and what it holds in words. The
 * campaigns (`campaigns`, already kept to `--since`) are written when asked for alone, or beside
 * both parts when there are any: a business that never ran one gets the two files it always got.
 */
export async function exportFiles(
  data: ConsentData,
  request: ExportRequest,
  now: Date,
  campaigns: CampaignProgress[] = [],
): Promise<{ path: string; content: string | Buffer; holds: string }[]> {
  const options = request.since ? { since: request.since } : {}
  const day = now.toISOString().slice(0, 10)
  const defaultDir = request.exportDir
  const named = request.number === undefined ? 'consent' : `consent-${request.number}`
  const withCampaigns = request.campaigns && (campaigns.length > 0 || request.parts.length === 0)
  const names: string[] = [...request.parts, ...(withCampaigns ? ['campaigns'] : [])]
  const holds = (part: string) =>
    part === 'ledger'
      ? `${ledgerRows(data, options).length} ledger records`
      : part === 'contacts'
        ? `${contactRows(data, options).length} contacts`
        : `${campaigns.length} ${campaigns.length === 1 ? 'campaign' : 'campaigns'}`
  const all = names.map(holds).join(' and ')
  const name = names.length > 1 ? 'export' : names[0]!
  const kept = withCampaigns ? { campaigns } : {}
  if (request.format === 'xlsx') {
    const path = request.out ?? join(defaultDir, `${named}-${name}-${day}.xlsx`)
    const content = await exportXlsx(data, request.parts, { ...options, timeZone: request.timeZone, ...kept })
    return [{ path, content, holds: all }]
  }
  if (request.format === 'json') {
    const path = request.out ?? join(defaultDir, `${named}-${name}-${day}.json`)
    return [{ path, content: exportJson(data, request.parts, { ...options, exportedAt: now, ...kept }), holds: all }]
  }
  return names.map((part) => {
    let path = join(defaultDir, `${named}-${part}-${day}.csv`)
    if (request.out === '-' || (request.out && names.length === 1)) path = request.out
    else if (request.out) path = `${request.out.replace(/\.csv$/i, '')}-${part}.csv`
    const content =
      part === 'campaigns'
        ? tableCsv(campaignsTable(campaigns, request.timeZone))
        : exportCsv(data, part as ExportPart, { ...options, timeZone: request.timeZone })
    return { path, content, holds: holds(part) }
  })
}

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const request = parseExportOptions(process.argv.slice(2), process.env, projectDir)
  if (request === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  // A mistyped folder would otherwise export nothing, silently.
  if (request.store.kind === 'files' && !existsSync(request.dataDir)) {
    process.stderr.write(
      `npm run export: ${request.dataDir}: there is no such folder; give the bot's data folder with --data-dir (or DATA_DIR in .env)\n`,
    )
    return 1
  }
  let stores: StoreConfig[]
  try {
    stores = await storesToRead(request, request.allNumbers)
  } catch (error) {
    if (!storeProblem(error, request.store)) throw error
    process.stderr.write(`npm run export: ${storeProblem(error, request.store)}\n`)
    return 1
  }
  for (const store of stores) {
    const code = await exportStore(store.kind === 'postgres' ? forNumber(request, store.number) : request, store)
    if (code) return code
  }
  return 0
}

/** Exports one store: the data folder, or one number of the database. */
async function exportStore(request: ExportRequest, store: StoreConfig): Promise<number> {
  let data: ConsentData
  const reader = await openReader(store, { dataDir: request.dataDir })
  try {
    data = await reader.read()
  } catch (error) {
    const problem = storeProblem(error, store) ?? (error as Error).message
    process.stderr.write(`npm run export: ${store.kind === 'files' ? problem : `${describeStore(store, request.dataDir)}: ${problem}`}\n`)
    return 1
  } finally {
    await reader.close()
  }
  let campaigns: CampaignProgress[] = []
  // Set when the campaigns cannot be had: beside both parts, the ledger and the contacts still go out, and the exit says 1.
  let failed = false
  if (request.campaigns) {
    const found = await campaignFigures(store, { ...request, contacts: data.contacts })
    if ('problem' in found) {
      const where = store.kind === 'files' ? '' : `${describeStore(store, request.dataDir)}: `
      process.stderr.write(`npm run export: ${where}${found.problem}\n`)
      if (!request.parts.length) return 1
      failed = true
    } else campaigns = found.campaigns
  }
  const files = await exportFiles(data, request, new Date(), campaigns)
  for (const file of files) {
    if (file.path === '-') {
      try {
        await writeAll(process.stdout, file.content)
      } catch (error) {
        process.stderr.write(
          `npm run export: the output could not be written whole (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`,
        )
        return 1
      }
      continue
    }
    // Personal data: readable by the owner's account only, like the data folder itself.
    mkdirSync(dirname(file.path), { recursive: true, mode: 0o700 })
    if (dirname(file.path) === request.exportDir) chmodSync(request.exportDir, 0o700)
    writeFileSync(file.path, file.content, { mode: 0o600 })
    process.stdout.write(`${file.holds} → ${file.path}\n`)
  }
  return failed ? 1 : 0
}

/**
 * Writes all of `content` to a stream (stdout into a pipe is asynchronous: a process that exits
 * at once loses what the reader has not taken yet), resolving once it is handed to the system,
 * rejecting if the stream fails (EPIPE: the reader went away).
 */
export function writeAll(stream: NodeJS.WritableStream, content: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // Kept on: the stream reports a failed write both to the callback and as an 'error' event,
    // which without a listener would crash the process with a stack trace.
    stream.on('error', reject)
    stream.write(content, (error) => (error ? reject(error) : resolve()))
  })
}

// Run only as the command, not when a test imports the functions above.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`npm run export: ${error.message}\n\n${USAGE}\n`)
        process.exit(2)
      }
      throw error
    },
  )
}
