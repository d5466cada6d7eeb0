/**
 * `npm run bench:cloud`: what Meta's Cloud API webhook costs the bot, on this machine.
 *
 * (a) The webhook's own work, in this process and without a network: the route the bot mounts
 *     at /webhooks/whatsapp (src/adapters/cloud/webhook-route.ts) reading one signed POST of
 *     1,000 text messages (Meta's largest batch): body read, signature checked, JSON parsed,
 *     events read. Listeners are not called: that is (b).
 * (b) End to end, through the production path: createCloudWhatsApp + startBot (the data folder's
 *     files, logs at info as `npm start` writes them, to a file) in a process of its own, so its
 *     peak RSS is its own. A load generator here posts signed webhooks to it over HTTP, one
 *     message per POST as Meta mostly sends them, from `--concurrency` connections at once, each
 *     sending its next message when the previous one is acknowledged; the replies go to a fake
 *     Graph API here on 127.0.0.1, which counts them. `--contacts` contacts are in conversation
 *     at once: each sends the scripted conversation (hola, sí, sí, 1), one message per turn, and
 *     gives its place to a new contact when done; most messages are answers, one in four a
 *     first message.
 *
 * The bot acknowledges a webhook once its messages are handled, stored and answered (or after
 * 5 s): the ack latency is the whole turn, replies included.
 */
import { fork } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createWebhookRoute, WEBHOOK_PATH } from '../src/adapters/cloud/webhook-route.js'
import { silentLogger } from '../src/ports/logger.js'
import { sendResponse } from '../test/fixtures/cloud-api/graph.js'
import { BUSINESS, batch, incoming, text, type User } from '../test/fixtures/cloud-api/webhooks.js'
import { signatureHeader } from '../test/support/cloud-webhook.js'
import { percentiles } from './load.js'
import { gitState, inMemory } from './machine.js'
import { ROOT, SCRIPT } from './paths.js'

const THIS_FILE = fileURLToPath(import.meta.url)
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** The bench app's settings (the formats WHATSAPP_* take; nothing here is a real secret). */
const SETTINGS = {
  accessToken: 'EAAGbenchTOKENforTheFakeGraphApi00000',
  phoneNumberId: BUSINESS.phoneNumberId,
  appSecret: '0123456789abcdef0123456789abcdef',
  verifyToken: 'verify-token-of-the-bench',
}

const HELP = `npm run bench:cloud -- [options]

Measures the Cloud API webhook: (a) the route's own work on one signed batch, in process;
(b) the bot (createCloudWhatsApp + startBot, the data folder's files) in a process of its own,
fed signed webhooks over HTTP, its replies counted by a fake Graph API on 127.0.0.1.

  --seconds 20        measured window of (b), after the warm-up
  --warmup 2          seconds of load before the window opens
  --contacts 2000     contacts in conversation at once (each sends hola, sí, sí, 1, one per turn)
  --concurrency 32    POSTs in flight at once (each connection sends once the last is acknowledged)
  --batch 1000        messages in the batch of (a)
  --graph-ms 0        how long the fake Graph API takes to answer each send (a real one is slower:
                      the acknowledgement waits for the replies)
  --dir <folder>      where the bot's data folder is made (default: the system's temp folder); not on
                      tmpfs or ramfs, where writing and fsync cost nothing a disk would
  --allow-tmpfs       measure there anyway (a smoke test: the figures then flatter the store)
  --out <file.json>   also write the figures as JSON
  --help`

interface Options {
  seconds: number
  warmup: number
  contacts: number
  concurrency: number
  batch: number
  graphMs: number
  dir: string
  allowTmpfs: boolean
  out?: string
  help: boolean
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      contacts: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '32' },
      batch: { type: 'string', default: '1000' },
      'graph-ms': { type: 'string', default: '0' },
      dir: { type: 'string', default: tmpdir() },
      'allow-tmpfs': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  const number = (flag: string, text: string, min: number) => {
    const value = Number(text.replaceAll('_', ''))
    if (!Number.isFinite(value) || value < min) throw new UsageError(`--${flag} ${text}: expected a number of at least ${min}`)
    return value
  }
  const options: Options = {
    seconds: number('seconds', values.seconds, 0.1),
    warmup: number('warmup', values.warmup, 0),
    contacts: Math.round(number('contacts', values.contacts, 1)),
    concurrency: Math.round(number('concurrency', values.concurrency, 1)),
    batch: Math.round(number('batch', values.batch, 1)),
    graphMs: number('graph-ms', values['graph-ms'], 0),
    dir: resolve(values.dir),
    allowTmpfs: values['allow-tmpfs'],
    ...(values.out ? { out: resolve(values.out) } : {}),
    help: values.help,
  }
  // A contact sends its next message only after its last one is acknowledged.
  if (options.contacts < options.concurrency)
    throw new UsageError(`--contacts ${options.contacts}: at least --concurrency (${options.concurrency}) contacts are needed`)
  return options
}

/** A contact of the bench: a Mexican mobile (Spanish is read from it) and its business-scoped user id. */
function contactAt(index: number): User {
  const phone = `52155${String(30_000_000 + index)}`
  return { phone, userId: `MX.${9_000_000_000_000 + index}`, name: 'Ana' }
}
const CALIBRATION = contactAt(9_999_999)

const nowSeconds = () => Math.floor(Date.now() / 1000)

// --- (a) the webhook route alone -----------------------------------------------------------------

interface RouteFigures {
  messages: number
  bodyBytes: number
  rounds: number
  /** Median time of one POST's handling, per message. */
  usPerMessage: number
  /** Of which: checking the signature (HMAC-SHA256 of the body). */
  signatureUsPerMessage: number
}

/** The request Node's server would hand the route: the body in 64 KiB chunks, as a socket delivers it. */
function fakeRequest(body: Buffer, signature: string): IncomingMessage {
  const chunks: Buffer[] = []
  for (let at = 0; at < body.length; at += 65_536) chunks.push(body.subarray(at, at + 65_536))
  return Object.assign(Readable.from(chunks, { objectMode: false }), {
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-hub-signature-256': signature },
  }) as unknown as IncomingMessage
}

function fakeResponse(): ServerResponse & { status: number } {
  const response = {
    status: 0,
    headersSent: false,
    destroyed: false,
    writeHead(status: number) {
      response.status = status
      response.headersSent = true
      return response
    },
    end() {
      return response
    },
  }
  return response as unknown as ServerResponse & { status: number }
}

async function measureRoute(size: number): Promise<RouteFigures> {
  const timestamp = nowSeconds()
  const body = Buffer.from(
    JSON.stringify(batch(Array.from({ length: size }, (_, i) => incoming(contactAt(i), text('hola'), { timestamp })))),
  )
  const signature = signatureHeader(body, SETTINGS.appSecret)
  let read = 0
  const route = createWebhookRoute({
    appSecret: SETTINGS.appSecret,
    verifyToken: SETTINGS.verifyToken,
    phoneNumberId: SETTINGS.phoneNumberId,
    logger: silentLogger,
    dispatch: async (events) => void (read = events.messages.length),
  })
  const once = async () => {
    const response = fakeResponse()
    const started = performance.now()
    await route(fakeRequest(body, signature), response)
    const ms = performance.now() - started
    if (response.status !== 200 || read !== size)
      throw new Error(`(a): the route answered ${response.status} and read ${read} of ${size} messages`)
    return ms
  }
  for (let i = 0; i < 10; i++) await once() // warm-up: the JIT, the first allocations
  const times: number[] = []
  const until = performance.now() + 1_000
  while (times.length < 10 || (performance.now() < until && times.length < 500)) times.push(await once())
  const { createHmac } = await import('node:crypto')
  const hmacTimes: number[] = []
  for (let i = 0; i < times.length; i++) {
    const started = performance.now()
    createHmac('sha256', SETTINGS.appSecret).update(body).digest()
    hmacTimes.push(performance.now() - started)
  }
  return {
    messages: size,
    bodyBytes: body.length,
    rounds: times.length,
    usPerMessage: (percentiles(times).p50Ms! * 1000) / size,
    signatureUsPerMessage: (percentiles(hmacTimes).p50Ms! * 1000) / size,
  }
}

// --- (b) the bot in its own process ------------------------------------------------------------

interface ChildRequest {
  dataDir: string
  graphUrl: string
}

type ChildMessage =
  | { type: 'ready'; webhookUrl: string; coldStartMs: number }
  /** `cpuSeconds`: the bot's CPU time from `ready` to the stop (calibration, load and drain). */
  | { type: 'done'; peakRssMb: number; unsaved: number; cpuSeconds: number }
  | { type: 'error'; message: string }

/** The bot as `npm start -- --provider cloud` runs it, minus the terminal: its figures go to the parent over IPC. */
async function runChild(request: ChildRequest): Promise<void> {
  const send = (message: ChildMessage) => process.send!(message)
  try {
    // Imported here, in the scratch working directory: @builderbot/bot opens its log files in it.
    const { createCloudWhatsApp } = await import('../src/adapters/cloud/cloud-whatsapp.js')
    const { startBot } = await import('../src/main/bot.js')
    const { createLogger } = await import('../src/app/logger.js')
    type Bot = Awaited<ReturnType<typeof startBot>>
    const logger = createLogger('info')
    const started = performance.now()
    let bot: Bot | undefined
    const cloud = createCloudWhatsApp({
      settings: { ...SETTINGS, graphUrl: request.graphUrl },
      logger,
      lastInbound: async (address) => bot?.engine.lastInbound(address),
    })
    bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir: request.dataDir,
      defaultLanguage: 'es',
      logger,
      inbound: cloud.inbound,
      messenger: cloud.messenger,
      webhook: cloud.webhook,
      http: { port: 0, host: '127.0.0.1' },
    })
    if (!bot.web) throw new Error('the web server did not start')
    const running = bot
    const cpuAtReady = process.cpuUsage()
    send({ type: 'ready', webhookUrl: `${bot.web.url}${cloud.webhook.path}`, coldStartMs: performance.now() - started })
    process.once('message', async () => {
      try {
        // Everything answered before the Graph client is stopped (cloud.close() cancels sends under way).
        await running.settled()
        const cpu = process.cpuUsage(cpuAtReady)
        await running.close()
        await cloud.close()
        send({
          type: 'done',
          peakRssMb: process.resourceUsage().maxRSS / 1024,
          unsaved: running.engine.unsaved,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
        })
      } catch (error) {
        send({ type: 'error', message: (error as Error)?.stack ?? String(error) })
      }
      process.disconnect()
    })
  } catch (error) {
    send({ type: 'error', message: (error as Error)?.stack ?? String(error) })
    process.disconnect()
  }
}

interface FakeGraph {
  url: string
  /** Sends answered, in all. */
  total: number
  /** Sends that arrived inside [from, to) (performance.now()). */
  countBetween(from: number, to: number): number
  repliesTo(recipient: string): number
  /** Sends refused: wrong path or token. */
  refused: number
  close(): Promise<void>
}

/** A Graph API that answers every send as Meta does (after `delayMs`), and counts them: nothing is kept but when each came. */
async function startGraph(delayMs: number): Promise<FakeGraph> {
  const arrivals: number[] = []
  const perRecipient = new Map<string, number>()
  const path = `/v23.0/${SETTINGS.phoneNumberId}/messages`
  let sequence = 0
  let refused = 0
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== path || request.headers.authorization !== `Bearer ${SETTINGS.accessToken}`) {
        refused++
        response.writeHead(401, { 'Content-Type': 'application/json' })
        response.end('{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190}}')
        return
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to?: string; recipient?: string }
      const recipient = body.to ?? body.recipient ?? ''
      arrivals.push(performance.now())
      perRecipient.set(recipient, (perRecipient.get(recipient) ?? 0) + 1)
      const answer = () => {
        response.writeHead(200, { 'Content-Type': 'application/json' })
        response.end(JSON.stringify(sendResponse(recipient, `wamid.BENCH${++sequence}`)))
      }
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v23.0`,
    get total() {
      return arrivals.length
    },
    countBetween: (from, to) => arrivals.filter((at) => at >= from && at < to).length,
    repliesTo: (recipient) => perRecipient.get(recipient) ?? 0,
    get refused() {
      return refused
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** One webhook POST over a kept-alive connection; resolves with the status and the time to the whole answer. */
function post(url: URL, agent: Agent, body: Buffer): Promise<{ status: number; ms: number }> {
  const signature = signatureHeader(body, SETTINGS.appSecret)
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'X-Hub-Signature-256': signature },
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

const messageOf = (user: User, step: number) =>
  Buffer.from(JSON.stringify(batch([incoming(user, text(SCRIPT[step]!), { timestamp: nowSeconds() })])))

interface LoadFigures {
  windowSeconds: number
  /** Messages acknowledged with 200 inside the window. */
  acknowledged: number
  messagesPerSecond: number
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  /** The same, for first messages only (a new contact: greeting, notice, question). */
  firstMessages: { count: number; p50Ms: number | null; p99Ms: number | null }
  repliesPerSecond: number
  /** Answers other than 200, warm-up and window (a 5xx, a 429...). */
  notAcknowledged: number
  conversationsCompleted: number
}

/** The closed loop: `concurrency` POSTs in flight, contacts taking turns in a queue. */
async function runLoad(webhookUrl: string, graph: FakeGraph, options: Options, repliesPerStep: number[]) {
  const url = new URL(webhookUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const start = performance.now()
  const windowStart = start + options.warmup * 1000
  const windowEnd = windowStart + options.seconds * 1000
  type Contact = { user: User; step: number }
  let nextIndex = 0
  const fresh = (): Contact => ({ user: contactAt(nextIndex++), step: 0 })
  const queue: Contact[] = Array.from({ length: options.contacts }, fresh)
  const latencies: number[] = []
  const firstLatencies: number[] = []
  let acknowledged = 0
  let notAcknowledged = 0
  let conversationsCompleted = 0
  // What the bot should have sent for every acknowledged message: the calibrated replies of its step.
  let expectedReplies = 0
  const lane = async () => {
    while (performance.now() < windowEnd) {
      const contact = queue.shift()!
      const body = messageOf(contact.user, contact.step)
      const { status, ms } = await post(url, agent, body)
      const done = performance.now()
      const measured = done - ms >= windowStart && done - ms < windowEnd
      if (status !== 200) notAcknowledged++
      else {
        expectedReplies += repliesPerStep[contact.step]!
        if (done >= windowStart && done < windowEnd) acknowledged++
        if (measured) (contact.step === 0 ? firstLatencies : latencies).push(ms)
      }
      contact.step++
      if (contact.step < SCRIPT.length) queue.push(contact)
      else {
        conversationsCompleted++
        queue.push(fresh())
      }
    }
  }
  const progress = setInterval(() => say(`  … ${acknowledged} acknowledged in the window, ${graph.total} replies in all`), 5_000)
  await Promise.all(Array.from({ length: options.concurrency }, lane))
  clearInterval(progress)
  agent.destroy()
  const windowSeconds = (windowEnd - windowStart) / 1000
  const all = percentiles([...latencies, ...firstLatencies])
  const first = percentiles(firstLatencies)
  const figures: LoadFigures = {
    windowSeconds,
    acknowledged,
    messagesPerSecond: acknowledged / windowSeconds,
    ...all,
    firstMessages: { count: firstLatencies.length, p50Ms: first.p50Ms, p99Ms: first.p99Ms },
    repliesPerSecond: graph.countBetween(windowStart, windowEnd) / windowSeconds,
    notAcknowledged,
    conversationsCompleted,
  }
  return { figures, expectedReplies, contactsUsed: nextIndex }
}

/** Waits for the child's next IPC message (or its end). */
function nextMessage(child: ReturnType<typeof fork>, log: string): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      child.off('exit', onExit)
      if (message.type === 'error') reject(new Error(`the bot's process: ${message.message}\n(its log: ${log})`))
      else resolve(message)
    }
    const onExit = (code: number | null, signal: string | null) => {
      child.off('message', onMessage)
      reject(new Error(`the bot's process ended (${signal ?? `exit code ${code}`}); its log: ${log}`))
    }
    child.once('message', onMessage)
    child.once('exit', onExit)
  })
}

const say = (line: string) => process.stderr.write(`${line}\n`)
const fmt = (n: number | null, digits = 0) =>
  n === null ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2))
    const memory = options.help ? undefined : inMemory(options.dir)
    if (memory && !options.allowTmpfs)
      throw new UsageError(
        `${options.dir} is in memory (${memory}): give a folder on a disk with --dir (or --allow-tmpfs for a smoke test)`,
      )
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
  const startedAt = new Date().toISOString()
  const loadAtStart = loadavg()

  say(`(a) the webhook route on one signed POST of ${fmt(options.batch)} text messages, in process`)
  const route = await measureRoute(options.batch)

  const scratch = mkdtempSync(join(options.dir, 'consent-bot-bench-cloud-'))
  const dataDir = join(scratch, 'data')
  const log = join(scratch, 'bot.log')
  const graph = await startGraph(options.graphMs)
  const logFd = openSync(log, 'a')
  let child: ReturnType<typeof fork> | undefined
  try {
    say(`(b) the bot in its own process, data folder ${dataDir}`)
    child = fork(THIS_FILE, ['--child', JSON.stringify({ dataDir, graphUrl: graph.url } satisfies ChildRequest)], {
      cwd: scratch,
      execArgv: ['--import', TSX],
      stdio: ['ignore', logFd, logFd, 'ipc'],
    })
    const ready = await nextMessage(child, log)
    if (ready.type !== 'ready') throw new Error(`the bot's process sent ${ready.type} first`)
    const ownCpuAtReady = process.cpuUsage()

    // One conversation alone first: how many replies each step brings (the yardstick of what was answered).
    const calibrationUrl = new URL(ready.webhookUrl)
    const calibrationAgent = new Agent({ keepAlive: true })
    const repliesPerStep: number[] = []
    for (let step = 0; step < SCRIPT.length; step++) {
      const before = graph.repliesTo(CALIBRATION.phone!)
      const { status } = await post(calibrationUrl, calibrationAgent, messageOf(CALIBRATION, step))
      const replies = graph.repliesTo(CALIBRATION.phone!) - before
      if (status !== 200 || replies === 0) throw new Error(`calibration: "${SCRIPT[step]}" was answered ${status} with ${replies} replies`)
      repliesPerStep.push(replies)
    }
    calibrationAgent.destroy()
    const repliesBefore = graph.total

    say(
      `    ${fmt(options.contacts)} contacts in conversation, ${options.concurrency} POSTs at once, ${options.warmup} s warm-up, ${options.seconds} s measured`,
    )
    const load = await runLoad(ready.webhookUrl, graph, options, repliesPerStep)
    child.send({ type: 'stop' })
    const done = await nextMessage(child, log)
    if (done.type !== 'done') throw new Error(`the bot's process sent ${done.type} at the stop`)
    const ownCpu = process.cpuUsage(ownCpuAtReady)
    await new Promise<void>((resolve) => (child!.exitCode !== null ? resolve() : child!.once('exit', () => resolve())))
    const repliesReceived = graph.total - repliesBefore
    const logLines = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    const logErrors = logLines.filter((line) => line.includes('"level":"error"')).length
    const earlyAcks = logLines.filter((line) => line.includes('"event":"cloud.webhook_ack_early"')).length

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
        loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
      },
      git: gitState(),
      options: { ...options, help: undefined },
      dataFolderInMemory: inMemory(options.dir) ?? false,
      route,
      endToEnd: {
        ...load.figures,
        coldStartMs: ready.coldStartMs,
        peakRssMb: done.peakRssMb,
        unsaved: done.unsaved,
        // The same two cores run the bot and, in this process, the load generator and the fake Graph API.
        cpuSeconds: { bot: done.cpuSeconds, loadAndGraph: (ownCpu.user + ownCpu.system) / 1e6 },
        repliesPerStep,
        contactsUsed: load.contactsUsed,
        repliesExpected: load.expectedReplies,
        repliesReceived,
        graphRefused: graph.refused,
        logErrors,
        earlyAcks,
      },
    }
    if (options.out) writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`)
    const e = report.endToEnd
    const [l1, l5] = loadAtStart
    const lines = [
      '',
      `(a) webhook route, one signed POST of ${fmt(route.messages)} text messages (${fmt(route.bodyBytes / 1024)} KiB), median of ${route.rounds} rounds:`,
      `    ${fmt(route.usPerMessage, 2)} µs per message (signature ${fmt(route.signatureUsPerMessage, 2)} µs of it): read, checked, parsed, events read; no listener`,
      '',
      `(b) end to end, ${fmt(options.contacts)} contacts in conversation, ${options.concurrency} POSTs at once, ${fmt(e.windowSeconds, 1)} s measured` +
        (options.graphMs ? `, Graph API answering in ${options.graphMs} ms` : ', Graph API answering at once') +
        ':',
      `    ${fmt(e.messagesPerSecond)} messages/s acknowledged (${fmt(e.acknowledged)}); ack latency p50 ${fmt(e.p50Ms, 1)} ms, p99 ${fmt(e.p99Ms, 1)} ms, max ${fmt(e.maxMs, 1)} ms`,
      `    first messages (${fmt(e.firstMessages.count)}): p50 ${fmt(e.firstMessages.p50Ms, 1)} ms, p99 ${fmt(e.firstMessages.p99Ms, 1)} ms`,
      `    ${fmt(e.repliesPerSecond)} replies/s received by the Graph API; replies per step ${repliesPerStep.join('/')} (${SCRIPT.join(', ')})`,
      `    peak RSS ${fmt(e.peakRssMb)} MB, cold start ${fmt(e.coldStartMs)} ms, ${fmt(e.conversationsCompleted)} conversations completed`,
      `    CPU time on the same ${cpus().length} cores: the bot ${fmt(e.cpuSeconds.bot, 1)} s, the load generator and fake Graph API ${fmt(e.cpuSeconds.loadAndGraph, 1)} s`,
      `    not acknowledged ${e.notAcknowledged}, replies ${fmt(e.repliesReceived)} of ${fmt(e.repliesExpected)} expected, early acks ${e.earlyAcks}, errors in the log ${e.logErrors}, unsaved ${e.unsaved}`,
      '',
      `Load average at start ${fmt(l1!, 2)} (1 min), ${fmt(l5!, 2)} (5 min) on ${cpu.length} cores; at end ${fmt(report.machine.loadAverage.atEnd[0]!, 2)} (the bench itself keeps the cores busy)`,
      `Commit ${report.git.commit ?? 'unknown'}${report.git.dirty ? ' (src, flows or locales changed since)' : ''}; Node ${process.version}; ${cpu[0]?.model ?? ''}`,
      ...(report.dataFolderInMemory
        ? [`The data folder was in memory (${report.dataFolderInMemory}): the store's writes cost less than on a disk.`]
        : []),
      ...(l1! > cpu.length / 2 ? [`The machine was busy with other work when the bench started: these figures may be low.`] : []),
      ...(options.out ? [`Figures as JSON: ${options.out}`] : []),
    ]
    console.log(lines.join('\n'))
  } finally {
    if (child && child.exitCode === null) child.kill()
    closeSync(logFd)
    await graph.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') {
  await runChild(JSON.parse(process.argv[3]!) as ChildRequest)
} else {
  try {
    await main()
  } catch (error) {
    say(`bench:cloud: ${(error as Error).message ?? String(error)}`)
    process.exitCode = 1
  }
}
