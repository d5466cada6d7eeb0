/**
 * Load for either bot: a calibration conversation, a closed loop of concurrent contacts (each
 * sends its next message once it has the replies to the previous one, as people do), and an
 * open-loop burst (contacts type their whole conversation at once). Ours is driven through the
 * pipe of its own process (bot-process.ts), plain BuilderBot in this process (timing-provider.ts).
 */
import { performance } from 'node:perf_hooks'

/** A reply as the load generator saw it. */
export interface Reply {
  /** performance.now() when the reply reached the load generator. */
  at: number
  text: string
}

/** Where inbound messages go in and replies come out. */
export interface LoadProvider {
  /** Hands one inbound message to the bot; returns what its listeners returned (in-process only). */
  deliver(payload: { from: string; body: string; name: string; key: { id: string } }): unknown[]
  /** Every reply to `contact` goes to `listener` until `unwatch(contact)`. */
  watch(contact: string, listener: (reply: Reply) => void): void
  unwatch(contact: string): void
  /** Replies to a contact nobody was waiting for (e.g. after a message was declared lost). */
  readonly stray: number
}

/** CPU time a bot has used so far, in µs. */
export interface CpuSample {
  /** Every thread of its process (V8's collector, libuv's pool included). */
  processMicros: number
  /** Its main thread: the event loop. */
  mainThreadMicros: number
}

/** One bot under load, whichever it is. */
export interface Target {
  provider: LoadProvider
  /** Resolves once everything delivered so far is handled and answered. */
  settled(): Promise<void>
  /** The bot's CPU so far (undefined where it cannot be read). */
  cpu(): CpuSample | undefined
}

/** What one step of the script must bring back. */
export interface StepExpectation {
  body: string
  /** How many replies the step sends. */
  replies: number
  /** The first of them, word for word (the one whose latency is measured). */
  first: string
}

let messageSeq = 0

function deliver(target: Target, contact: string, body: string): unknown[] {
  return target.provider.deliver({ from: contact, body, name: 'Ana', key: { id: `bench-${++messageSeq}` } })
}

/**
 * Runs the script once for `contact`, waiting for the bot to settle after each message, and
 * returns what each step answered: the expectation every later conversation is held to.
 */
export async function calibrate(target: Target, contact: string, bodies: string[]): Promise<StepExpectation[]> {
  const replies: Reply[] = []
  target.provider.watch(contact, (reply) => replies.push(reply))
  const steps: StepExpectation[] = []
  for (const body of bodies) {
    const before = replies.length
    deliver(target, contact, body)
    await target.settled()
    const got = replies.slice(before)
    if (got.length === 0) throw new Error(`calibration: the bot did not answer "${body}"; the script no longer fits the flow`)
    steps.push({ body, replies: got.length, first: got[0]!.text })
  }
  target.provider.unwatch(contact)
  return steps
}

type Exchange = { answered: true; first: Reply; last: Reply } | { answered: false }

/**
 * Sends one message and waits for the step's replies. It is lost when the bot finished handling
 * it without them (only plain BuilderBot tells when it finished), or when they never come
 * within `lostAfterMs`.
 *
 * When the bot tells when it finished (plain BuilderBot), the exchange also waits for that: it
 * records a question in MemoryDB only after sending it, so an answer arriving in between is not
 * taken as the answer. No person answers that fast; the bench should not either.
 */
function exchange(target: Target, contact: string, step: StepExpectation, lostAfterMs: number, quietMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const replies: Reply[] = []
    let finished = false
    let handled = true
    const finish = (outcome: Exchange) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      target.provider.unwatch(contact)
      resolve(outcome)
    }
    const complete = () => {
      if (replies.length >= step.replies && handled) finish({ answered: true, first: replies[0]!, last: replies.at(-1)! })
    }
    const timer = setTimeout(() => finish({ answered: false }), lostAfterMs)
    target.provider.watch(contact, (reply) => {
      replies.push(reply)
      complete()
    })
    for (const handling of deliver(target, contact, step.body)) {
      if (!(handling instanceof Promise)) continue
      handled = false
      void handling.then(
        () => {
          handled = true
          complete()
          // Replies may trail the handling by a little; after that they are not coming.
          if (!finished) setTimeout(() => finish({ answered: false }), quietMs)
        },
        () => finish({ answered: false }),
      )
    }
  })
}

export interface ClosedLoopOptions {
  concurrency: number
  warmupMs: number
  /** Length of the measured window. */
  windowMs: number
  /** Stop sooner once this many messages were sent in the window. */
  maxMessages: number
  lostAfterMs: number
  /**
   * After the window, how long to wait for the replies still owed. A bot that has not answered
   * by then is too slow to wait for (its figures stand); those messages are counted unfinished.
   */
  drainMs: number
  /** For plain BuilderBot: how long after it finished handling a message its replies may still come. */
  quietMs: number
  nextContact(): string
  onProgress?(line: string): void
  /** The bot runs in another process: this one's CPU is the load generator's alone. */
  apart?: boolean
}

export interface ClosedLoopResult {
  concurrency: number
  /** Messages sent in the measured window (after warm-up). */
  messages: number
  /** Messages answered (all their replies) from the window's opening to the end of the drain, per second of that time. */
  messagesPerSecond: number
  windowSeconds: number
  /** From the window's opening to the last answer (or to the end of the drain, if some were still owed). */
  measuredSeconds: number
  /** What ended the window: the time budget, or the message cap. */
  cappedBy: 'time' | 'messages'
  /** Latency percentiles of the window's messages; an unfinished one counts with its wait so far. */
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  /** Messages (warm-up included) whose replies did not all arrive. */
  lost: number
  /** Messages still unanswered when the drain ended (not lost: the bot was still busy with them). */
  unfinished: number
  /** Steps whose first reply was not the expected text (e.g. a hint: the bot misread the message). */
  unexpected: number
  conversationsCompleted: number
  /**
   * CPU time per message answered, from the window's opening to the end of the drain: of the
   * bot's whole process (every thread: V8's collector, libuv's pool) and of its main thread.
   * Ours runs in a process of its own; plain BuilderBot shares its process with the load.
   */
  cpuMicrosPerMessage: { process: number; mainThread: number } | null
  /** The load generator's own CPU per message answered (its whole process), when it runs apart from the bot. */
  generatorCpuMicrosPerMessage: number | null
}

export async function runClosedLoop(target: Target, script: StepExpectation[], options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const start = performance.now()
  const windowStart = start + options.warmupMs
  let windowEnd = windowStart + options.windowMs
  let cappedBy: ClosedLoopResult['cappedBy'] = 'time'
  let stopping = false
  let sentInWindow = 0
  // Answered since the window opened, until the last answer of the drain: a slow bot that
  // works on every contact at once answers most of them after the window, not inside it.
  let answered = 0
  let lastAnswerAt = 0
  let lost = 0
  let unexpected = 0
  let conversationsCompleted = 0
  const latencies: number[] = []
  const outstanding = new Set<{ sentAt: number }>()

  // CPU counted from the window's opening (after the warm-up), as the messages are.
  let cpuAtWindow: CpuSample | undefined
  let ownCpuAtWindow: NodeJS.CpuUsage | undefined
  const cpuTimer = setTimeout(() => {
    cpuAtWindow = target.cpu()
    ownCpuAtWindow = process.cpuUsage()
  }, options.warmupMs)

  let markClosed!: () => void
  const closed = new Promise<void>((resolve) => (markClosed = resolve))
  const closeWindow = (byMessages = false, now = performance.now()) => {
    if (stopping) return
    stopping = true
    if (byMessages) {
      cappedBy = 'messages'
      windowEnd = now
    }
    markClosed()
  }
  // On time even when every lane is still waiting for a reply.
  const windowTimer = setTimeout(() => closeWindow(), windowEnd - start)
  const shouldStop = (now: number) => {
    if (!stopping && sentInWindow >= options.maxMessages) closeWindow(true, now)
    if (!stopping && now >= windowEnd) closeWindow()
    return stopping
  }

  const progress = options.onProgress
    ? setInterval(() => options.onProgress!(`${answered} answered since the window opened, ${lost} lost`), 5000)
    : undefined

  const lane = async () => {
    while (!shouldStop(performance.now())) {
      const contact = options.nextContact()
      let completed = true
      for (const step of script) {
        const sentAt = performance.now()
        if (shouldStop(sentAt)) {
          completed = false
          break
        }
        const measured = sentAt >= windowStart
        if (measured) sentInWindow++
        const waiting = { sentAt }
        outstanding.add(waiting)
        const outcome = await exchange(target, contact, step, options.lostAfterMs, options.quietMs)
        outstanding.delete(waiting)
        if (!outcome.answered) {
          // The conversation cannot go on from a lost message: the contact gives up.
          lost++
          completed = false
          break
        }
        if (measured) latencies.push(outcome.first.at - sentAt)
        if (outcome.first.text !== step.first) unexpected++
        if (outcome.last.at >= windowStart) {
          answered++
          lastAnswerAt = Math.max(lastAnswerAt, outcome.last.at)
        }
      }
      if (completed) conversationsCompleted++
    }
  }
  const lanes = Promise.all(Array.from({ length: options.concurrency }, lane))
  let drainTimer: NodeJS.Timeout | undefined
  const drained = await Promise.race([
    lanes.then(() => true),
    closed.then(() => new Promise<false>((resolve) => (drainTimer = setTimeout(() => resolve(false), options.drainMs)))),
  ])
  clearTimeout(windowTimer)
  clearTimeout(drainTimer)
  clearTimeout(cpuTimer)
  const cpuAtEnd = target.cpu()
  const ownCpu = ownCpuAtWindow && process.cpuUsage(ownCpuAtWindow)
  if (progress) clearInterval(progress)
  const unfinished = outstanding.size
  const now = performance.now()
  // Every message still owed a reply waited at least this long, warm-up ones included: with a
  // bot so slow that nothing sent in the window was answered, they are all there is to go by.
  for (const waiting of outstanding) latencies.push(now - waiting.sentAt)
  if (drained) await target.settled()

  const windowSeconds = Math.max(windowEnd - windowStart, 1) / 1000
  const measuredSeconds = Math.max((drained ? Math.max(lastAnswerAt, windowEnd) : now) - windowStart, 1) / 1000
  return {
    concurrency: options.concurrency,
    messages: sentInWindow,
    messagesPerSecond: answered / measuredSeconds,
    windowSeconds,
    measuredSeconds,
    cappedBy,
    ...percentiles(latencies),
    lost,
    unfinished,
    cpuMicrosPerMessage:
      cpuAtWindow && cpuAtEnd && answered > 0
        ? {
            process: (cpuAtEnd.processMicros - cpuAtWindow.processMicros) / answered,
            mainThread: (cpuAtEnd.mainThreadMicros - cpuAtWindow.mainThreadMicros) / answered,
          }
        : null,
    generatorCpuMicrosPerMessage: options.apart && ownCpu && answered > 0 ? (ownCpu.user + ownCpu.system) / answered : null,
    unexpected,
    conversationsCompleted,
  }
}

export interface BurstResult {
  contacts: number
  messages: number
  seconds: number
  messagesPerSecond: number
  /** Messages whose step's first reply never came. */
  lost: number
}

/**
 * Every contact sends its whole conversation at once, contact after contact, without waiting
 * for any reply. A message is lost when its step's first reply is missing from what the
 * contact got back (matched in order).
 */
export async function runBurst(target: Target, script: StepExpectation[], contacts: string[]): Promise<BurstResult> {
  const received = new Map<string, Reply[]>()
  let lastReply = 0
  for (const contact of contacts) {
    const replies: Reply[] = []
    received.set(contact, replies)
    target.provider.watch(contact, (reply) => {
      replies.push(reply)
      lastReply = reply.at
    })
  }
  const start = performance.now()
  for (const contact of contacts) for (const step of script) deliver(target, contact, step.body)
  await target.settled()
  const end = Math.max(lastReply, start + 1)
  let lost = 0
  for (const contact of contacts) {
    target.provider.unwatch(contact)
    const texts = received.get(contact)!.map((r) => r.text)
    let cursor = 0
    for (const step of script) {
      const at = texts.indexOf(step.first, cursor)
      if (at < 0) lost++
      else cursor = at + 1
    }
  }
  const messages = contacts.length * script.length
  const seconds = (end - start) / 1000
  return { contacts: contacts.length, messages, seconds, messagesPerSecond: messages / seconds, lost }
}

/** null when nothing was timed (JSON, and so the report, carries null where NaN would be lost). */
export function percentiles(samples: number[]): { p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
  if (samples.length === 0) return { p50Ms: null, p99Ms: null, maxMs: null }
  const sorted = Float64Array.from(samples).sort()
  // Nearest-rank: the smallest sample with at least p% of the samples at or below it.
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
  return { p50Ms: rank(50), p99Ms: rank(99), maxMs: sorted[sorted.length - 1]! }
}
