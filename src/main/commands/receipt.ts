/**
 * `npm run receipt -- <receipt id>`: the full consent receipt (Kantara v1.1 JSON) of one ledger
 * record, e.g. the id a contact was given in the chat. Reads the data folder, never writes it.
 */
import { loadBusinessFiles } from '../bot.js'
import { ConfigError, loadDotEnv, parseConfig, type StoreConfig } from '../../app/config.js'
import { consentReceipt, findEntry, type PurposeDescriber, type ReceiptSources } from '../../app/receipt.js'
import { dpvConsentRecord } from '../../app/receipt-dpv.js'
import { isLanguage } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { LedgerEntry } from '../../domain/ledger.js'
import { describeStore, openReader, storeProblem, storesToRead } from '../store.js'
import { ALL_NUMBERS_FLAG, parseCommandArgs, STORE_FLAGS, storeArgs } from './owner-options.js'

const USAGE = `Usage: npm run receipt -- <receipt id> [--format kantara|dpv] [--data-dir DIR | --number NAME | --all-numbers]

Prints the full consent receipt (Kantara Consent Receipt v1.1, as JSON) of the ledger record
with that id: the receipt id the contact was given (e.g. K7QM-3XD9-2F), or any record id from
an export. It holds the contact's phone number unless their data was erased.

  --format dpv     the record as a W3C DPV / ISO/IEC TS 27560 consent record (JSON-LD) instead
  --data-dir DIR   the bot's data folder (default: data, or DATA_DIR in .env)
  --number NAME    with DATABASE_URL (.env): the number whose ledger holds it (default:
                   BOT_NUMBER, else main)
  --all-numbers    with DATABASE_URL: looks for it in every number's ledger
  --help           show this text

Exit status: 0 when found, 1 when there is no such record or the data cannot be read, 2 on a bad option.`

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const { values, positionals } = parseCommandArgs(
    process.argv.slice(2),
    { ...STORE_FLAGS, ...ALL_NUMBERS_FLAG, format: { type: 'string' } },
    true,
  )
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const format = values.format ?? 'kantara'
  if (format !== 'kantara' && format !== 'dpv') throw new ConfigError(`--format must be kantara or dpv, not "${String(format)}"`)
  if (positionals.length !== 1) throw new ConfigError('give exactly one receipt id, e.g. npm run receipt -- K7QM-3XD9-2F')
  const config = parseConfig(storeArgs(values), process.env, projectDir)
  if (config === 'help') return 0

  let stores: StoreConfig[]
  try {
    stores = await storesToRead(config, values['all-numbers'] === true)
  } catch (error) {
    if (!storeProblem(error, config.store)) throw error
    process.stderr.write(`npm run receipt: ${storeProblem(error, config.store)}\n`)
    return 1
  }
  let found: Found | undefined
  let records = 0
  // A receipt id is unique in every ledger: with --all-numbers, the first number that holds it.
  for (const store of stores) {
    const where = store.kind === 'files' ? config.dataDir : describeStore(store, config.dataDir)
    try {
      found = await findIn(store, config.dataDir, positionals[0]!)
    } catch (error) {
      process.stderr.write(`npm run receipt: ${where}: ${storeProblem(error, store) ?? (error as Error).message}\n`)
      return 1
    }
    if ('entry' in found) break
    records += found.records
  }
  if (!found || !('entry' in found)) {
    const where = config.store.kind === 'files' ? config.dataDir : stores.map((store) => describeStore(store, config.dataDir)).join(', ')
    process.stderr.write(`npm run receipt: no record with id ${positionals[0]} in ${where} (${records} records)\n`)
    return 1
  }
  const { data, entry, signing } = found
  // The owner's current files describe the purposes in words, when the record was written under them.
  let policy: Policy | undefined
  let describe: PurposeDescriber | undefined
  try {
    const files = await loadBusinessFiles(config.flowsDir, config.localesDir, config.defaultLanguage, projectDir)
    policy = files.business.policy
    describe = (purpose, language) =>
      isLanguage(language) && policy!.purposes.some((p) => p.id === purpose)
        ? {
            name: files.texts.render(language, `purposes.${purpose}.name`),
            description: files.texts.render(language, `purposes.${purpose}.description`),
          }
        : undefined
  } catch {
    // Broken owner files do not stop a receipt: the purposes are then named by their ids, and
    // what only flows/policy.yaml holds (jurisdiction, address, categories) is missing.
    process.stderr.write(
      `npm run receipt: ${config.flowsDir}/policy.yaml could not be read (run npm run check), so this receipt lacks the jurisdiction, the controller's address and phone and the Kantara categories: it is not a complete Kantara receipt\n`,
    )
  }
  const describeIfSame = policy?.version === entry.record.notice.policyVersion ? describe : undefined
  const sources = { ...(policy ? { policy } : {}), ...(describeIfSame ? { describe: describeIfSame } : {}) }
  const printed =
    format === 'dpv' ? dpvConsentRecord(entry, sources) : consentReceipt(entry, { data, ...(signing ? { signing } : {}), ...sources })
  process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`)
  return 0
}

type Found = { data: ConsentData; entry: LedgerEntry; signing?: ReceiptSources['signing'] } | { records: number }

/** The record with id `id` in one store, with what signs the ledger; else how many records it holds. */
async function findIn(store: StoreConfig, dataDir: string, id: string): Promise<Found> {
  const reader = await openReader(store, { dataDir })
  try {
    const data = await reader.read()
    const entry = findEntry(data, id)
    if (!entry) return { records: data.ledger.length }
    const seals = await reader.seals?.()
    const latest = seals?.signed.at(-1)?.head
    return { data, entry, ...(seals?.key ? { signing: { fingerprint: seals.key.fingerprint, ...(latest ? { latest } : {}) } } : {}) }
  } finally {
    await reader.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`npm run receipt: ${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
    process.stderr.write(`npm run receipt: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
