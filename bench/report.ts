/** The run as a table for people, with the targets beside our figures. */
import type { BotFigures } from './child.js'
import { LIMITS, ratioToBuilderbot, throughputTarget, type SizeResult, type TargetCheck } from './targets.js'

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
  'cold start ms',
  'lost (loop+burst)',
]

function cells(figures: BotFigures, withTargets: boolean, throughput = LIMITS.messagesPerSecond): string[] {
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
    judged(fmt(figures.peakRssMb), figures.peakRssMb < LIMITS.peakRssMb, `<${LIMITS.peakRssMb}`),
    judged(fmt(figures.coldStartMs), figures.coldStartMs < LIMITS.coldStartMs, `<${fmt(LIMITS.coldStartMs)}`),
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
    '(each contact types its whole conversation at once). CPU: per message answered, the whole process and its main thread',
    '(the load generator runs in the same process and is counted too). Marks are the issue 6 targets (on PostgreSQL, those of issue 16 for msgs/s).',
    ...(footnotes.length ? ['', ...footnotes] : []),
  ].join('\n')
}

export function formatTargets(checks: TargetCheck[]): string {
  return [
    'Targets (issue 6: 2 cores, every confirmation durable before it is sent):',
    ...checks.map((c) => `  ${c.pass === undefined ? '–' : mark(c.pass)} ${c.target}: ${c.measured}`),
  ].join('\n')
}
