/**
 * `npm run receipt -- <receipt id>`: the full consent receipt (Kantara v1.1 JSON) of one ledger
 * record, e.g. the id a contact was given in the chat. Reads the data folder, never writes it.
 */
import { parseArgs } from 'node:util'
import { openConsentReader } from '../../adapters/lowdb-store.js'
import { loadBusinessFiles } from '../bot.js'
import { ConfigError, loadDotEnv, parseConfig } from '../../app/config.js'
import { consentReceipt, findEntry, type PurposeDescriber, type ReceiptSources } from '../../app/receipt.js'
import { dpvConsentRecord } from '../../app/receipt-dpv.js'
import { isLanguage } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'

const USAGE = `Usage: npm run receipt -- <receipt id> [--format kantara|dpv] [--data-dir DIR]

Prints the full consent receipt (Kantara Consent Receipt v1.1, as JSON) of the ledger record
with that id: the receipt id the contact was given (e.g. K7QM-3XD9-2F), or any record id from
an export. It holds the contact's phone number unless their data was erased.

  --format dpv     the record as a W3C DPV / ISO/IEC TS 27560 consent record (JSON-LD) instead
  --data-dir DIR   the bot's data folder (default: data, or DATA_DIR in .env)
  --help           show this text

Exit status: 0 when found, 1 when there is no such record or the data cannot be read, 2 on a bad option.`

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: { 'data-dir': { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }))
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const format = values.format ?? 'kantara'
  if (format !== 'kantara' && format !== 'dpv') throw new ConfigError(`--format must be kantara or dpv, not "${String(format)}"`)
  if (positionals.length !== 1) throw new ConfigError('give exactly one receipt id, e.g. npm run receipt -- K7QM-3XD9-2F')
  const config = parseConfig(typeof values['data-dir'] === 'string' ? ['--data-dir', values['data-dir']] : [], process.env, projectDir)
  if (config === 'help') return 0

  let data: ConsentData
  let signing: ReceiptSources['signing']
  try {
    const reader = openConsentReader(config.dataDir)
    data = await reader.read()
    const seals = await reader.seals?.()
    const latest = seals?.signed.at(-1)?.head
    if (seals?.key) signing = { fingerprint: seals.key.fingerprint, ...(latest ? { latest } : {}) }
  } catch (error) {
    process.stderr.write(`npm run receipt: ${config.dataDir}: ${(error as Error).message}\n`)
    return 1
  }
  const entry = findEntry(data, positionals[0]!)
  if (!entry) {
    process.stderr.write(`npm run receipt: no record with id ${positionals[0]} in ${config.dataDir} (${data.ledger.length} records)\n`)
    return 1
  }
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
