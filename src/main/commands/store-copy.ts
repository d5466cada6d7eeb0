/**
 * `npm run store:copy -- --from SOURCE --to TARGET [--number NAME]`: moves a bot's data between
 * its data folder and a number of a PostgreSQL database, either way, verbatim: contacts,
 * conversations, notice texts and ledger entries (the same seq, hash and personal parts), then
 * the notice campaigns (plans, targets' states, statuses) and their erased list (the suppression
 * list: its key and digests, so that nobody erased is written to again from the new store). The
 * source is held while it is read (the folder's lock, or the number's), so no bot writes to it
 * meanwhile; its chain must verify first. Then the copy is read back and compared with the source
 * record by record, and its chain verified, before the one-line summary is printed.
 */
import { resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { existsSync } from 'node:fs'
import { MANIFEST_FILE } from '../../adapters/lowdb-store.js'
import { lockDataDir } from '../../adapters/store/lock.js'
import { ConfigError, loadDotEnv, parseConfig, type StoreConfig } from '../../app/config.js'
import { parseCommandArgs } from './owner-options.js'
import type { Campaign } from '../../domain/campaign.js'
import type { CampaignStore, SuppressionList } from '../../ports/campaign-store.js'
import type { ConsentData } from '../../ports/consent-store.js'
import { openCampaignStore } from '../campaign-store.js'
import {
  type ClosableReader,
  describeStore,
  FILES,
  heldBy,
  numbersIn,
  openImportTarget,
  openReader,
  shownDatabase,
  storeProblem,
} from '../store.js'
import { describeVerdict, verifyLedger } from './ledger-verify.js'
import { isEmptyFolder, writeDataFolder } from './store-copy-files.js'

const USAGE = `Usage: npm run store:copy -- --from SOURCE --to TARGET [--number NAME]

Copies a bot's data (contacts, conversations, notice texts and the consent ledger, record for
record, then its notice campaigns and their erased list: the people whose data was erased, whom
no campaign writes to again) from its data folder into a number of a PostgreSQL database, or back:

  npm run store:copy -- --from data --to database --number tienda-centro
  npm run store:copy -- --from database --number tienda-centro --to data-copy

SOURCE and TARGET are a data folder, or "database": the PostgreSQL database of DATABASE_URL (in
.env or the environment). A postgres://user@host:5432/db address without a password works too,
the password then coming from PGPASSWORD: a password on the command line would show in the
process list.

  --number NAME   the number in the database (default: BOT_NUMBER, else main)
  --help          show this text

The copy is refused when the target holds data already (a number with any, a folder with any
file), when a bot runs on the source (stop it first), and when the source's ledger does not
verify (npm run ledger:verify says why). The source is left as it was. Once copied, every record,
campaign and erased-list entry is read back and compared with the source, and the copy's chain is
verified.

Exit status: 0 when copied and verified, 1 when refused or the copy differs, 2 on a bad option.`

/** A copy that is not made, or not equal: one line for the owner, exit status 1. */
class Refused extends Error {}

type Place = { kind: 'files'; dir: string } | Extract<StoreConfig, { kind: 'postgres' }>

const placeName = (place: Place) => (place.kind === 'files' ? `data folder ${place.dir}` : describeStore(place, ''))

/** The database's side, once known: a failure to reach it is told in its terms. */
let database: StoreConfig = FILES

/** `database` (DATABASE_URL), a postgres:// address without a password, or a folder. */
function placeOf(text: string, flag: string, env: NodeJS.ProcessEnv, cwd: string, number: string | undefined): Place {
  let url: string
  if (text === 'database') {
    const fromEnv = env.DATABASE_URL?.trim()
    if (!fromEnv) throw new ConfigError(`--${flag} database needs DATABASE_URL (in .env or the environment)`)
    url = fromEnv
  } else if (/^postgres(ql)?:/i.test(text)) {
    const parsed = URL.canParse(text) ? new URL(text) : undefined
    if (!parsed) throw new ConfigError(`--${flag} is not a PostgreSQL address (postgres://user@host:5432/database)`)
    if (parsed.password || parsed.searchParams.has('password'))
      throw new ConfigError(
        `--${flag} holds a password, which shows in the process list: put the address in DATABASE_URL (.env) and write --${flag} database`,
      )
    url = text
  } else return { kind: 'files', dir: resolve(cwd, text) }
  // The address and the number's name are checked as the bot checks them (BOT_NUMBER without --number).
  const config = parseConfig(number === undefined ? [] : ['--number', number], { DATABASE_URL: url, BOT_NUMBER: env.BOT_NUMBER }, cwd)
  if (config === 'help' || config.store.kind !== 'postgres') throw new ConfigError(`--${flag}: no database`)
  return config.store
}

export function parseCopyOptions(argv: string[], env: NodeJS.ProcessEnv, cwd: string): { from: Place; to: Place } | 'help' {
  const { values } = parseCommandArgs(argv, { from: { type: 'string' }, to: { type: 'string' }, number: { type: 'string' } })
  if (values.help) return 'help'
  if (typeof values.from !== 'string' || typeof values.to !== 'string') throw new ConfigError('give both --from and --to')
  const number = values.number as string | undefined
  const from = placeOf(values.from, 'from', env, cwd, number)
  const to = placeOf(values.to, 'to', env, cwd, number)
  if ((from.kind === 'files') === (to.kind === 'files'))
    throw new ConfigError(
      from.kind === 'files'
        ? 'one of --from and --to must be the database: a data folder is copied as a whole, with the bot stopped'
        : 'one of --from and --to must be a data folder: a database is copied with pg_dump',
    )
  return { from, to }
}

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const request = parseCopyOptions(process.argv.slice(2), process.env, projectDir)
  if (request === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const { from, to } = request
  database = from.kind === 'files' ? to : from
  const source = await holdSource(from)
  try {
    const data = await readPlace(from)
    const broken = await brokenChain(from)
    if (broken) throw new Refused(`the ledger of the ${placeName(from)} does not verify, so it is not copied: ${broken}`)
    const campaigns = await readCampaigns(from)
    const fingerprint = await writeTarget(to, data)
    const difference = firstDifference(data, await readPlace(to))
    if (difference) throw new Refused(`the copy in the ${placeName(to)} differs from the source: ${difference}. Do not use it`)
    const copyBroken = await brokenChain(to)
    if (copyBroken) throw new Refused(`the copy's ledger in the ${placeName(to)} does not verify: ${copyBroken} Do not use it`)
    await writeCampaigns(to, campaigns)
    const campaignDifference = firstCampaignDifference(campaigns, await readCampaigns(to))
    if (campaignDifference)
      throw new Refused(`the campaigns copied into the ${placeName(to)} differ from the source: ${campaignDifference}. Do not use the copy`)
    const count = (n: number, what: string, many = `${what}s`) => `${n} ${n === 1 ? what : many}`
    const erased = campaigns.suppression
      ? `an erased list of ${count(campaigns.suppression.digests.length, 'entry', 'entries')}`
      : 'no erased list'
    process.stdout.write(
      `Copied the ${placeName(from)} to the ${placeName(to)}: ${count(Object.keys(data.contacts).length, 'contact')}, ` +
        `${count(Object.keys(data.conversations).length, 'conversation')}, ${count(data.ledger.length, 'ledger record')}, ` +
        `${count(Object.keys(data.notices).length, 'notice text')}, ${count(campaigns.campaigns.length, 'campaign')} and ${erased}; ` +
        'read back record by record, all equal; chain intact' +
        `${fingerprint ? `; new heads are signed with the key ${fingerprint} (publish it)` : ''}\n`,
    )
    return 0
  } finally {
    await source.release()
  }
}

/**
 * Holds the source while it is read, so no bot writes to it meanwhile: the data folder's lock
 * (refused while the bot runs), or the number's (opening its store, which also checks its seals).
 */
async function holdSource(from: Place): Promise<{ release(): Promise<void> }> {
  try {
    if (from.kind === 'files') {
      if (!existsSync(resolve(from.dir, MANIFEST_FILE)))
        throw new Refused(`${from.dir} holds no bot data (no ${MANIFEST_FILE}): give the bot's data folder`)
      return await lockDataDir(from.dir, () => {})
    }
    // Opening a number the database does not hold would make it.
    const numbers = await numbersIn(from.url)
    if (!numbers.includes(from.number))
      throw new Refused(
        `${shownDatabase(from.url)} holds no number "${from.number}" (${numbers.length ? `it holds: ${numbers.join(', ')}` : 'it holds none'}); give it with --number`,
      )
    const store = await openImportTarget(from)
    return { release: () => store.close() }
  } catch (error) {
    const holder = heldBy(error)
    if (!holder) throw error
    throw new Refused(`a bot${holder.pid ? ` (PID ${holder.pid})` : ''} is running on the ${placeName(from)}: stop it before copying`)
  }
}

function openPlaceReader(place: Place): Promise<ClosableReader> {
  return openReader(place.kind === 'files' ? FILES : place, { dataDir: place.kind === 'files' ? place.dir : '' })
}

async function readPlace(place: Place): Promise<ConsentData> {
  const reader = await openPlaceReader(place)
  try {
    return await reader.read()
  } finally {
    await reader.close()
  }
}

/** What ledger:verify finds wrong with the place's chain and seals; undefined when intact. */
async function brokenChain(place: Place): Promise<string | undefined> {
  const reader = await openPlaceReader(place)
  try {
    const verdict = await verifyLedger(reader, { liveHead: place.kind === 'postgres' })
    return verdict.intact ? undefined : describeVerdict(verdict)
  } finally {
    await reader.close()
  }
}

/** Writes the copy into an empty target; the fingerprint of the key that signs its heads from now on. */
async function writeTarget(to: Place, data: ConsentData): Promise<string | undefined> {
  if (to.kind === 'files') {
    if (!(await isEmptyFolder(to.dir))) throw new Refused(`${to.dir} is not empty: give a new folder, so that no data is mixed`)
    await writeDataFolder(to.dir, data)
  } else {
    const store = await openImportTarget(to)
    try {
      // Campaigns kept under the number (the import looks at its consent data only) would be mixed with the copy's.
      const held = await readCampaigns(to)
      if (held.campaigns.length || held.suppression)
        throw new Refused(
          `the ${placeName(to)} holds notice campaigns or an erased list already: copy only into a number that holds nothing. Nothing was written`,
        )
      await store.importData(data)
    } finally {
      await store.close()
    }
  }
  const reader = await openPlaceReader(to)
  try {
    return (await reader.seals?.())?.key?.fingerprint
  } finally {
    await reader.close()
  }
}

/** A place's notice campaigns (newest first, each with its targets' states) and its erased list. */
interface CampaignData {
  campaigns: Campaign[]
  suppression: SuppressionList | undefined
}

/** The place's campaigns, opened as the bot opens them (openCampaignStore): the folder's files, or the number's rows. */
function openPlaceCampaigns(place: Place): Promise<CampaignStore> {
  return openCampaignStore(place.kind === 'files' ? FILES : place, { dataDir: place.kind === 'files' ? place.dir : '' })
}

async function readCampaigns(place: Place): Promise<CampaignData> {
  const store = await openPlaceCampaigns(place)
  try {
    return { campaigns: await store.list(), suppression: await store.suppressionList() }
  } finally {
    await store.close()
  }
}

/** Marks written at once (the files' store shares an fsync among them), this many at a time. */
const MARKS_AT_ONCE = 500

/**
 * Writes the source's campaigns and erased list into the target, whose consent data is copied
 * already, held as the bot would hold it (the folder's lock, or the number's) so that no bot
 * starts on it meanwhile: each plan, then every target's state that is not `planned`, then the
 * status; then the erased list, under the source's key.
 */
async function writeCampaigns(to: Place, { campaigns, suppression }: CampaignData): Promise<void> {
  if (!campaigns.length && !suppression) return
  const hold = await holdTarget(to)
  try {
    const store = await openPlaceCampaigns(to)
    try {
      for (const { plan, states, status } of campaigns) {
        await store.create(plan)
        const marked = [...states.entries()].filter(([, state]) => state.state !== 'planned')
        for (let at = 0; at < marked.length; at += MARKS_AT_ONCE)
          await Promise.all(marked.slice(at, at + MARKS_AT_ONCE).map(([index, state]) => store.mark(plan.id, index, state)))
        await store.setStatus(plan.id, status)
      }
      if (suppression) await store.adoptSuppressionList(suppression)
    } finally {
      await store.close()
    }
  } catch (error) {
    if (error instanceof Refused || storeProblem(error, database)) throw error
    throw new Refused(
      `the campaigns could not be copied into the ${placeName(to)} (${(error as Error).message}); its consent data was copied. Do not use the copy`,
    )
  } finally {
    await hold.release()
  }
}

/** The copy, once its consent data is written: the folder's lock, or the number's. */
async function holdTarget(to: Place): Promise<{ release(): Promise<void> }> {
  try {
    if (to.kind === 'files') return await lockDataDir(to.dir, () => {})
    const store = await openImportTarget(to)
    return { release: () => store.close() }
  } catch (error) {
    const holder = heldBy(error)
    if (!holder) throw error
    throw new Refused(
      `a bot${holder.pid ? ` (PID ${holder.pid})` : ''} started on the ${placeName(to)} before its campaigns were copied: stop it, and copy again into a new place`,
    )
  }
}

/** The first thing the copied campaigns hold differently from the source's, in words; undefined when equal. */
export function firstCampaignDifference(source: CampaignData, copy: CampaignData): string | undefined {
  if (copy.campaigns.length !== source.campaigns.length)
    return `it holds ${copy.campaigns.length} campaigns, the source ${source.campaigns.length}`
  for (const [i, campaign] of source.campaigns.entries()) {
    const copied = copy.campaigns[i]!
    // Ids are the owner's names for campaigns, never a phone number.
    if (copied.plan.id !== campaign.plan.id)
      return `its campaign number ${i + 1} is "${copied.plan.id}", the source's "${campaign.plan.id}"`
    for (const part of ['plan', 'states', 'status'] as const)
      if (!isDeepStrictEqual(copied[part], campaign[part])) return `campaign "${campaign.plan.id}" has another ${part}`
  }
  if (!source.suppression !== !copy.suppression)
    return source.suppression ? 'it holds no erased list, and the source holds one' : 'it holds an erased list, and the source none'
  if (source.suppression && copy.suppression) {
    if (copy.suppression.key !== source.suppression.key) return 'its erased list has another key'
    if (!isDeepStrictEqual(copy.suppression.digests, source.suppression.digests))
      return `its erased list holds ${copy.suppression.digests.length} entries, not the same as the source's ${source.suppression.digests.length}`
  }
  return undefined
}

/** The first thing the copy holds differently from the source, in words; undefined when equal. */
export function firstDifference(source: ConsentData, copy: ConsentData): string | undefined {
  if (copy.ledger.length !== source.ledger.length)
    return `it holds ${copy.ledger.length} ledger records, the source ${source.ledger.length}`
  for (const [i, entry] of source.ledger.entries()) {
    const copied = copy.ledger[i]!
    for (const field of ['seq', 'prev', 'hash', 'personalDigest', 'personal', 'record'] as const)
      if (!isDeepStrictEqual(copied[field], entry[field])) return `ledger record ${entry.seq} (${entry.record.id}) has another ${field}`
  }
  for (const part of ['contacts', 'conversations', 'notices'] as const) {
    const [mine, theirs] = [Object.keys(source[part]), Object.keys(copy[part])]
    if (mine.length !== theirs.length) return `it holds ${theirs.length} ${part}, the source ${mine.length}`
    // Named by position, not by id: a contact's id is their phone number.
    for (const [i, key] of mine.entries())
      if (!isDeepStrictEqual(copy[part][key], source[part][key]))
        return `the ${part.replace(/s$/, '')} number ${i + 1} of the source is not the same`
  }
  return undefined
}

// Run only as the command, not when a test imports the functions above.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`npm run store:copy: ${error.message}\n\n${USAGE}\n`)
        process.exit(2)
      }
      const known = error instanceof Refused ? error.message : storeProblem(error, database)
      process.stderr.write(`npm run store:copy: ${known ?? (error as Error)?.stack ?? String(error)}\n`)
      process.exit(1)
    },
  )
}
