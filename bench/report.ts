/** The run as a table for people, with the issue's targets beside our figures. */
import type { BotFigures } from './child.js'
import { LIMITS, peakRssLimit, ratioToBuilderbot, throughputTarget, type SizeResult, type TargetCheck } from './targets.js'

const fmt = (n: number | null, digits = 0) =>
  n === Infinity
    ? '∞'
    : n !== null && Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : 'n/a'
const mark = (pass: boolean) => (pass ? '✓' : '✗')

const COLUMNS = [
  'contacts',
  'bot',
  'msgs/s',
  'p50 ms',
  'p99 ms',
  'CPU µs/msg (process/main)',
  'peak RSS MB',
  'cold start ms (store)',
  'lost (loop+burst)',
]

function cells(figures: BotFigures, withTargets: boolean, throughput = LIMITS.messagesPerSecond): string[] {
  const rssLimit = peakRssLimit(figures.contacts)
  const judged = (text: string, pass: boolean, target: string) => (withTargets ? `${text} ${mark(pass)} ${target}` : text)
  return [
    judged(fmt(figures.messagesPerSecond), figures.messagesPerSecond >= throughput, `≥${fmt(throughput)}`),
    fmt(figures.p50Ms, 1),
    // ≥: some messages were still unanswered when the bench stopped waiting.
    judged(
      `${figures.closedLoop.unfinished > 0 ? '≥' : ''}${fmt(figures.p99Ms, 1)}`,
      figures.p99Ms !== null && figures.p99Ms < LIMITS.p99Ms,
      `<${LIMITS.p99Ms}`,
    ),
    figures.closedLoop.cpuMicrosPerMessage
      ? `${fmt(figures.closedLoop.cpuMicrosPerMessage.process)}/${fmt(figures.closedLoop.cpuMicrosPerMessage.mainThread)}`
      : 'n/a',
    judged(fmt(figures.peakRssMb), figures.peakRssMb < rssLimit, `<${fmt(rssLimit)}`),
    judged(
      `${fmt(figures.coldStartMs)}${figures.storeOpenMs != null ? ` (${fmt(figures.storeOpenMs)})` : ''}`,
      figures.coldStartMs < LIMITS.coldStartMs,
      `<${fmt(LIMITS.coldStartMs)}`,
    ),
    judged(`${figures.closedLoop.lost}+${figures.burst?.lost ?? '–'}`, figures.lost === 0, '=0'),
  ]
}

export function formatTable(results: SizeResult[]): string {
  const rows: string[][] = [COLUMNS]
  const footnotes: string[] = []
  for (const result of results) {
    rows.push([fmt(result.size), 'ours', ...cells(result.ours, true, throughputTarget(result))])
    if (result.builderbot) {
      rows.push(['', 'builderbot', ...cells(result.builderbot, false)])
      const ratio = ratioToBuilderbot(result)!
      rows.push(['', '', `${fmt(ratio, 2)}× ${mark(ratio >= LIMITS.timesBuilderbot)} ≥${LIMITS.timesBuilderbot}×`, '', '', '', '', '', ''])
    }
    for (const figures of [result.ours, result.builderbot]) {
      for (const note of figures?.notes ?? []) footnotes.push(`${fmt(result.size)} ${figures!.bot}: ${note}`)
    }
  }
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)))
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd()
  return [
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    'msgs/s: closed loop, each contact sends its next message once it has the replies to the previous one;',
    'p50/p99: from the inbound message to the first reply of its step; lost: closed loop + open-loop burst',
    '(each contact types its whole conversation at once). Ours runs as npm start runs it (compiled, its own process,',
    "fed through `--json`); plain BuilderBot runs in the load generator's process. CPU: per message answered, the bot's",
    "whole process and its main thread. Cold start: from spawning the process to the bot's start (its store's opening in brackets).",
    'Marks are the issue 17 targets (on PostgreSQL, those of issue 16 for msgs/s).',
    ...results.flatMap((r) => {
      const own = r.ours.closedLoop.generatorCpuMicrosPerMessage
      return own == null ? [] : [`${fmt(r.size)}: the load generator used ${fmt(own)} µs of CPU per message in its own process.`]
    }),
    ...(footnotes.length ? ['', ...footnotes] : []),
  ].join('\n')
}

export function formatTargets(checks: TargetCheck[]): string {
  return [
    'Targets (issues 6 and 17: 2 cores, every confirmation durable before it is sent):',
    ...checks.map((c) => `  ${c.pass === undefined ? '–' : mark(c.pass)} ${c.target}: ${c.measured}`),
  ].join('\n')
}
