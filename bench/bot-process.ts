/**
 * Our bot as it runs in production: `node dist/main/start.js` (what `npm start` runs, compiled),
 * in a process of its own, at the production log level, with the WhatsApp provider's rate limit.
 * The load generator (this process) talks to it through the terminal provider's `--json` pipe:
 * one `{"from","body"}` line per inbound message, one `{"to","text"}` line per reply. So the
 * generator's work is not counted as the bot's, and its CPU and peak memory are read from the
 * kernel (/proc) for the bot's process alone.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import type { StoreConfig } from '../src/app/config.js'
import type { CpuSample, LoadProvider, Reply, Target } from './load.js'
import { ROOT } from './paths.js'

/** The bot's start: the process's, and the store's own share of it (its `store.opened` log line). */
export interface BotProcess {
  target: Target
  /** From spawning the process to its `bot.started` log line (owner files checked, store open). */
  coldStartMs: number
  /** The store's opening alone, as the bot logged it. */
  storeOpenMs: number | null
  /** The kernel's high-water mark of the bot's resident memory so far (null off Linux). */
  peakRssMb(): number | null
  /** Ends the input; the bot answers what it holds, saves, and exits. Resolves with what it said if it failed. */
  close(): Promise<{ code: number | null; stderr: string[] }>
  /** Stops it at once (a run it is still busy with, on a throwaway copy of the data). */
  kill(): void
}

/** How long without a reply counts as "the bot has answered everything": no handle on its queue from here. */
const QUIET_MS = 1000

/** The compiled bot, built first if `src/` is newer (as `npm start`'s prestart does). */
export function buildBot(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs')], { cwd: ROOT, stdio: ['ignore', 2, 2] })
}

export async function startBotProcess(dataDir: string, storage: StoreConfig | undefined, nodeFlags: string[]): Promise<BotProcess> {
  // A clean environment: none of the owner's settings (a DATABASE_URL, a staff webhook) leaks into the run.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' }
  const args = ['--provider', 'console', '--json', '--data-dir', dataDir, '--flows-dir', join(ROOT, 'flows')]
  args.push('--locales-dir', join(ROOT, 'locales'), '--log-level', 'info', '--rate-limit', '20/10', '--no-http')
  if (storage?.kind === 'postgres') {
    env.DATABASE_URL = storage.url
    args.push('--number', storage.number)
  }
  const spawned = performance.now()
  const child = spawn(process.execPath, [...nodeFlags, '--enable-source-maps', join(ROOT, 'dist/main/start.js'), ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const provider = new PipeProvider(child)
  const stderr: string[] = []
  let storeOpenMs: number | null = null
  const started = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const event = logEvent(line)
      if (event?.event === 'store.opened') storeOpenMs = Number(event.ms)
      else if (event?.event === 'bot.started') resolve(performance.now() - spawned)
      // Routine lines are the production log's cost, paid by the bot; only the rest is kept to show.
      if (!event || event.level === 'error' || event.level === 'warn') stderr.push(line)
      if (stderr.length > 40) stderr.shift()
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`the bot stopped before it started (${signal ?? `exit code ${code}`}):\n${stderr.join('\n')}`)),
    )
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const coldStartMs = await started
  return {
    target: { provider, settled: () => provider.quiet(QUIET_MS), cpu: () => cpuOf(child.pid!) },
    coldStartMs,
    storeOpenMs,
    peakRssMb: () => peakRssOf(child.pid!),
    async close() {
      child.stdin!.end()
      const code = await exited
      return { code, stderr }
    },
    kill: () => void child.kill('SIGKILL'),
  }
}

/** A JSON log line's event and level (the bot's logger writes one JSON object a line). */
function logEvent(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** The bot's end of the pipe: inbound lines written to its stdin, replies read from its stdout. */
class PipeProvider implements LoadProvider {
  private readonly waiting = new Map<string, (reply: Reply) => void>()
  stray = 0
  lastReplyAt = 0
  private lastSentAt = 0

  constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const { to, text } = JSON.parse(line) as { to: string; text: string }
      this.lastReplyAt = performance.now()
      const listener = this.waiting.get(to)
      if (listener) listener({ at: this.lastReplyAt, text })
      else this.stray++
    })
  }

  deliver(payload: { from: string; body: string }): unknown[] {
    this.lastSentAt = performance.now()
    this.child.stdin!.write(`${JSON.stringify({ from: payload.from, body: payload.body })}\n`)
    return []
  }

  watch(contact: string, listener: (reply: Reply) => void): void {
    this.waiting.set(contact, listener)
  }

  unwatch(contact: string): void {
    this.waiting.delete(contact)
  }

  /** Resolves once nothing was sent or answered for `ms`. */
  async quiet(ms: number): Promise<void> {
    for (;;) {
      const since = performance.now() - Math.max(this.lastReplyAt, this.lastSentAt)
      if (since >= ms) return
      await new Promise((resolve) => setTimeout(resolve, ms - since))
    }
  }
}

/** Clock ticks per second of /proc's CPU times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of a /proc stat line, in µs (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuMicros(statFile: string): number {
  const text = readFileSync(statFile, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS
}

/** The bot's CPU so far: the whole process (every thread) and its main thread (the event loop). */
function cpuOf(pid: number): CpuSample | undefined {
  try {
    return { processMicros: cpuMicros(`/proc/${pid}/stat`), mainThreadMicros: cpuMicros(`/proc/${pid}/task/${pid}/stat`) }
  } catch {
    return undefined
  }
}

function peakRssOf(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? null : Number(kb) / 1024
  } catch {
    return null
  }
}
