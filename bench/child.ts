/**
 * The load for one bot at one size, started by bench/run.ts with a scratch working directory.
 * Ours runs in a process of its own, started as production starts it (bot-process.ts), so the
 * figures are the bot's alone; plain BuilderBot runs in this process (its peak RSS is this
 * process's). Reports the figures to the parent over IPC.
 */
import { performance } from 'node:perf_hooks'
import type { StoreConfig } from '../src/app/config.js'
import { calibrate, runBurst, runClosedLoop, type BurstResult, type ClosedLoopResult, type StepExpectation, type Target } from './load.js'
import { contactId, SCRIPT } from './paths.js'

export interface ChildRequest {
  bot: 'ours' | 'builderbot'
  /** Contacts already known: in the data dir (ours), in MemoryDB's history (BuilderBot). */
  size: number
  /** Ours: a private copy of the pre-populated data dir. */
  dataDir?: string
  /** Ours: where the contacts and the ledger are kept (default: the data dir's files). */
  storage?: StoreConfig
  /** Ours: Node flags for the bot's process (BENCH_NODE_FLAGS, --cpu-prof). */
  nodeFlags?: string[]
  concurrency: number
  warmupMs: number
  windowMs: number
  maxMessages: number
  /** How long the open-loop burst should take, judged from the closed loop's rate. */
  burstMs: number
  lostAfterMs: number
  drainMs: number
  quietMs: number
}

export interface BotFigures {
  bot: 'ours' | 'builderbot'
  contacts: number
  messagesPerSecond: number
  p50Ms: number | null
  p99Ms: number | null
  peakRssMb: number
  /** Ours: from spawning the process to the bot's `bot.started` line; BuilderBot: createBot() alone. */
  coldStartMs: number
  /** Ours: the store's opening, as the bot logged it (store.opened). */
  storeOpenMs?: number | null
  /** Closed loop and burst together. */
  lost: number
  closedLoop: ClosedLoopResult
  /** Absent when the bot was still busy after the closed loop's drain (see notes). */
  burst?: BurstResult
  /** Setup not measured: filling BuilderBot's MemoryDB with the history of `contacts` users. */
  setupSeconds: number
  script: Pick<StepExpectation, 'body' | 'replies'>[]
  notes: string[]
}

export type ChildMessage = { type: 'result'; figures: BotFigures } | { type: 'error'; message: string }

const progress = (line: string) => process.stderr.write(`  … ${line}\n`)

interface Opened {
  target: Target
  coldStartMs: number
  storeOpenMs?: number | null
  /** Makes the bot hold `size` contacts, when it cannot start with them; returns the seconds it took. */
  fill(): number
  /** The bot's peak RSS so far, when it runs in another process. */
  peakRssMb?(): number | null
  close(): Promise<void>
  /** Stops a bot still busy (its own process) without waiting for it. */
  kill?(): void
  notes: string[]
}

async function open(request: ChildRequest): Promise<Opened> {
  if (request.bot === 'ours') {
    const { startBotProcess } = await import('./bot-process.js')
    const bot = await startBotProcess(request.dataDir!, request.storage, request.nodeFlags ?? [])
    const notes: string[] = []
    return {
      target: bot.target,
      coldStartMs: bot.coldStartMs,
      storeOpenMs: bot.storeOpenMs,
      fill: () => 0,
      peakRssMb: bot.peakRssMb,
      kill: bot.kill,
      async close() {
        const { code, stderr } = await bot.close()
        if (code !== 0) notes.push(`the bot exited with code ${code} at the end of input:\n${stderr.join('\n')}`)
      },
      notes,
    }
  }
  const { openPlainBuilderBot, prefillHistory } = await import('./builderbot.js')
  const plain = await openPlainBuilderBot(request.quietMs)
  return {
    target: plain.target,
    coldStartMs: plain.coldStartMs,
    // What MemoryDB would hold after serving `size` users, copied from the calibration contact's history.
    fill() {
      const started = performance.now()
      prefillHistory(plain.database, contactId.calibration, contactId.seeded, request.size)
      return (performance.now() - started) / 1000
    },
    close: async () => {},
    notes: ['MemoryDB: nothing to load at start and nothing kept after a restart; cold start is createBot() alone'],
  }
}

async function measure(request: ChildRequest): Promise<BotFigures> {
  const { target, coldStartMs, storeOpenMs, fill, peakRssMb, close, kill, notes } = await open(request)
  const script = await calibrate(target, contactId.calibration, SCRIPT)
  const setupSeconds = fill()
  let next = 0
  const closedLoop = await runClosedLoop(target, script, {
    concurrency: request.concurrency,
    warmupMs: request.warmupMs,
    windowMs: request.windowMs,
    maxMessages: request.maxMessages,
    lostAfterMs: request.lostAfterMs,
    drainMs: request.drainMs,
    quietMs: request.quietMs,
    nextContact: () => contactId.bench(next++),
    onProgress: progress,
    apart: request.bot === 'ours',
  })
  if (closedLoop.cappedBy === 'time')
    notes.push(`closed loop capped by time: ${closedLoop.messages} messages in ${closedLoop.windowSeconds.toFixed(1)} s`)
  let burst: BurstResult | undefined
  if (closedLoop.unfinished > 0) {
    // Still busy with the closed loop: a burst or a flush now would take minutes and measure nothing new.
    notes.push(
      `${closedLoop.unfinished} messages still unanswered ${(request.drainMs / 1000).toFixed(0)} s after the window closed; ` +
        'they count in p50/p99 with their wait so far (so p99 is at least that), the burst was skipped',
    )
  } else {
    // Sized from the closed loop's rate so that a slow bot does not take minutes; at least five
    // whole conversations, so each contact's third quick message is there to be dropped.
    const wanted = Math.round((closedLoop.messagesPerSecond * request.burstMs) / 1000 / script.length)
    const burstContacts = Array.from({ length: Math.min(Math.max(wanted, 5), 1000) }, () => contactId.bench(next++))
    burst = await runBurst(target, script, burstContacts)
  }
  // Read before the bot's last tidying at the end of input (not part of the run).
  const botPeakRssMb = peakRssMb?.()
  if (closedLoop.unfinished === 0) await close()
  else kill?.()
  if (target.provider.stray > 0) notes.push(`${target.provider.stray} replies came after their message was counted lost`)
  return {
    bot: request.bot,
    contacts: request.size,
    messagesPerSecond: closedLoop.messagesPerSecond,
    p50Ms: closedLoop.p50Ms,
    p99Ms: closedLoop.p99Ms,
    // The kernel's high-water mark (not a sample): of the bot's own process, or of this one.
    peakRssMb: botPeakRssMb ?? (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    coldStartMs,
    ...(storeOpenMs !== undefined ? { storeOpenMs } : {}),
    lost: closedLoop.lost + (burst?.lost ?? 0),
    closedLoop,
    ...(burst ? { burst } : {}),
    setupSeconds,
    script: script.map(({ body, replies }) => ({ body, replies })),
    notes,
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest
const send = (message: ChildMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()))
try {
  const figures = await measure(request)
  await send({ type: 'result', figures })
} catch (error) {
  await send({ type: 'error', message: (error as Error)?.stack ?? String(error) })
  process.exitCode = 1
}
// BuilderBot leaves timers and log streams open; the figures are sent, so end here.
process.disconnect?.()
process.exit()
