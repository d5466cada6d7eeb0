/**
 * `npm run check`: the check the bot runs when it starts, on its own, so the owner can try an
 * edit of `flows/` or `locales/` without starting the bot. Prints every problem as
 * `file:line: what is wrong, and what to do` and exits 1; prints a one-line summary and exits 0
 * when all is valid; exits 2 on a bad option.
 */
import { relative, sep } from 'node:path'
import { readBusinessFlow } from '../../adapters/flow-files/business-flow.js'
import { readLocales } from '../../adapters/locale-files/locale-bundle.js'
import { formatProblem, OwnerFileError, type Problem } from '../../adapters/owner-file.js'
import { loadBusinessFiles } from '../bot.js'
import { ConfigError, loadDotEnv } from '../../app/config.js'
import { LANGUAGES } from '../../domain/language.js'
import { parseToolOptions } from './owner-options.js'

const USAGE = `Usage: npm run check -- [options]

Checks the conversation, the policy and the texts exactly as the bot does when it starts, and
lists every problem with its file and line.

  --flows-dir DIR     the conversation and policy files (default: flows)
  --locales-dir DIR   the texts (default: locales)
  --help              show this text

Exit status: 0 when everything is valid, 1 when there are problems, 2 on a bad option.`

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const options = parseToolOptions(process.argv.slice(2), process.env, projectDir, ['flows-dir', 'locales-dir'])
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const { flowsDir, localesDir, defaultLanguage } = options.config
  // Shown as in the problem lines, which name files from the project folder.
  const shown = (dir: string) => relative(projectDir, dir).split(sep).join('/') || '.'
  // Warnings do not stop the bot: what it would do is allowed, but likely not what was meant.
  const warnings = ownerWarnings(flowsDir, localesDir, shown)
  if (warnings.length) process.stdout.write(`${warnings.map(formatProblem).join('\n')}\n`)
  try {
    const { business } = await loadBusinessFiles(flowsDir, localesDir, defaultLanguage, projectDir)
    const { flow, policy } = business
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
    process.stdout.write(
      `${shown(flowsDir)}/ and ${shown(localesDir)}/ are valid: ${count(Object.keys(flow.steps).length, 'step')}, ` +
        `${count(policy.purposes.length, 'purpose')}, ${count(policy.channels.length, 'channel')}, ${count(LANGUAGES.length, 'language')}\n`,
    )
    return 0
  } catch (error) {
    if (!(error instanceof OwnerFileError)) throw error
    // One problem per line on stdout (easy to read, search or count); the advice on stderr.
    process.stdout.write(`${error.message}\n`)
    const n = error.problems.length
    process.stderr.write(
      `\n${n} problem${n === 1 ? '' : 's'} in ${shown(flowsDir)}/ and ${shown(localesDir)}/. Fix ${n === 1 ? 'it' : 'them'} and run npm run check again.\n`,
    )
    return 1
  }
}

/** `file:line: warning: …` findings of the owner's files (e.g. an answer word that hides an opt-out). */
function ownerWarnings(flowsDir: string, localesDir: string, shown: (dir: string) => string): Problem[] {
  const problems: Problem[] = []
  const warnings: Problem[] = []
  const business = readBusinessFlow(flowsDir, shown(flowsDir), problems)
  if (business)
    readLocales(localesDir, business.flow, business.policy, shown(localesDir), `${shown(flowsDir)}/consent.yaml`, problems, warnings)
  return [...warnings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`npm run check: ${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
    process.stderr.write(`The check stopped on an unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
