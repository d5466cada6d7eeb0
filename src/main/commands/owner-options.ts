/**
 * The options the owner's tools (`npm run check`, `npm run flow:diagram`, and the store's flags of
 * export, receipt, ledger:verify and staff) share with `npm start`.
 * Folders and language are resolved by the bot's own parseConfig (flag, then the environment and
 * `.env`, then the default), so a tool always reads the same files the bot would.
 */
import { parseArgs } from 'node:util'
import { ConfigError, parseConfig, type Config } from '../../app/config.js'

/** Flags that mean the same as in `npm start`; they are handed to parseConfig as written. */
const SHARED = ['flows-dir', 'locales-dir', 'lang'] as const
type SharedFlag = (typeof SHARED)[number]

export interface ToolOptions {
  config: Config
  /** The tool's own string flags, as given (undefined when absent). */
  own: Record<string, string | undefined>
}

/**
 * Parses `argv` accepting only `shared` (a subset of the start flags), the tool's `own` flags and
 * `--help`. Throws ConfigError on anything else, so a typo is a usage error rather than ignored.
 */
export function parseToolOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  shared: readonly SharedFlag[],
  own: readonly string[] = [],
): ToolOptions | 'help' {
  const options: Record<string, { type: 'string' } | { type: 'boolean'; short: string }> = { help: { type: 'boolean', short: 'h' } }
  for (const flag of [...shared, ...own]) options[flag] = { type: 'string' }
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }))
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
  if (values.help) return 'help'
  const forwarded = shared.flatMap((flag) => (typeof values[flag] === 'string' ? [`--${flag}`, values[flag] as string] : []))
  const config = parseConfig(forwarded, env, cwd)
  if (config === 'help') return 'help'
  return { config, own: Object.fromEntries(own.map((flag) => [flag, values[flag] as string | undefined])) }
}

/** The flags that pick the store a command reads, for its parseArgs. */
export const STORE_FLAGS = { 'data-dir': { type: 'string' }, number: { type: 'string' } } as const
/** For the commands that can read every number of a database in one run. */
export const ALL_NUMBERS_FLAG = { 'all-numbers': { type: 'boolean' } } as const

/**
 * The store's flags among a command's `values`, as start flags for parseConfig: the store is then
 * found exactly as the bot finds it (flag, the environment or `.env`, default).
 */
export function storeArgs(values: Record<string, string | boolean | undefined>): string[] {
  return (['data-dir', 'number'] as const).flatMap((flag) =>
    typeof values[flag] === 'string' ? [`--${flag}`, values[flag] as string] : [],
  )
}
