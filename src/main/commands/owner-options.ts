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
  const { values } = parseCommandArgs(argv, Object.fromEntries([...shared, ...own].map((flag) => [flag, { type: 'string' }])))
  if (values.help) return 'help'
  const config = parseConfig(startArgs(values, shared), env, cwd)
  if (config === 'help') return 'help'
  return { config, own: Object.fromEntries(own.map((flag) => [flag, values[flag] as string | undefined])) }
}

type Flags = Record<string, { type: 'string' } | { type: 'boolean'; short?: string }>

/**
 * A command's flags (and `--help`) and, with `positionals`, its words, parsed strictly: a typo is
 * a usage error (ConfigError), never ignored.
 */
export function parseCommandArgs(
  argv: string[],
  flags: Flags,
  positionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...flags, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: positionals,
    })
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }
}

/** The flags that pick the store a command reads, for its parseArgs. */
export const STORE_FLAGS = { 'data-dir': { type: 'string' }, number: { type: 'string' } } as const
/** For the commands that can read every number of a database in one run. */
export const ALL_NUMBERS_FLAG = { 'all-numbers': { type: 'boolean' } } as const

/**
 * The store's flags among a command's `values`, as start flags for parseConfig: the store is then
 * found exactly as the bot finds it (flag, the environment or `.env`, default).
 */
export const storeArgs = (values: Record<string, string | boolean | undefined>): string[] => startArgs(values, ['data-dir', 'number'])

/** `flags` (start flags) among a command's `values`, as written, to hand to parseConfig. */
export function startArgs(values: Record<string, string | boolean | undefined>, flags: readonly string[]): string[] {
  return flags.flatMap((flag) => (typeof values[flag] === 'string' ? [`--${flag}`, values[flag] as string] : []))
}
