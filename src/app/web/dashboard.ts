/**
 * The owner's dashboard: how many contacts agree, to what, where they would rather talk, and
 * where in the flow they stop answering. Numbers are computed once per page from one read of
 * the data, then drawn as inline SVG (no script, no external request) and repeated in tables.
 */
import type { ConsentState } from '../../domain/consent.js'
import type { FlowDefinition } from '../../domain/flow.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'
import { purposesIn, stepOf } from '../export.js'
import { html, page, type Html } from './html.js'

export interface DayCount {
  /** YYYY-MM-DD, UTC. */
  day: string
  given: number
  refused: number
  /** Withdrawn or lapsed. */
  withdrawn: number
}

export interface PurposeOutcome {
  purpose: string
  given: number
  refused: number
  withdrawn: number
  lapsed: number
  /** Contacts with no answer for this purpose yet. */
  unanswered: number
}

export interface DashboardStats {
  contacts: number
  records: number
  /** Answers per purpose and day, from the ledger; every day between the first and the last. */
  days: DayCount[]
  purposes: PurposeOutcome[]
  /** Contacts per preferred channel; `none` for those who have not chosen one. */
  channels: { channel: string; contacts: number }[]
  /** Contacts who never finished the flow, by the step where their conversation stands. */
  steps: { step: string; contacts: number }[]
}

const DAY = 86_400_000
/** The daily chart shows at most this many days, ending at the last day with an answer. */
export const MAX_DAYS = 90

export function dashboardStats(data: ConsentData, flow: FlowDefinition, policy: Policy): DashboardStats {
  // ---- consent answers per day ----
  const byDay = new Map<string, DayCount>()
  for (const { record } of data.ledger) {
    const kind =
      record.event === 'given'
        ? 'given'
        : record.event === 'refused'
          ? 'refused'
          : record.event === 'withdrawn' || record.event === 'lapsed'
            ? 'withdrawn'
            : undefined
    if (!kind) continue
    const day = record.at.slice(0, 10)
    const count = byDay.get(day) ?? { day, given: 0, refused: 0, withdrawn: 0 }
    // A record can answer several purposes at once (a withdrawal of all): each one counts.
    count[kind] += Math.max(1, record.purposes.length)
    byDay.set(day, count)
  }
  const days: DayCount[] = []
  const known = [...byDay.keys()].sort()
  if (known.length) {
    const last = Date.parse(known.at(-1)!)
    const first = Math.max(Date.parse(known[0]!), last - (MAX_DAYS - 1) * DAY)
    for (let t = first; t <= last; t += DAY) {
      const day = new Date(t).toISOString().slice(0, 10)
      days.push(byDay.get(day) ?? { day, given: 0, refused: 0, withdrawn: 0 })
    }
  }

  // ---- where every contact stands now ----
  const contacts = Object.values(data.contacts)
  const purposes = purposesIn(
    data,
    policy.purposes.map((p) => p.id),
  ).map((purpose) => {
    const outcome: PurposeOutcome = { purpose, given: 0, refused: 0, withdrawn: 0, lapsed: 0, unanswered: 0 }
    for (const contact of contacts) {
      const state: ConsentState | undefined = contact.consents[purpose]?.state
      outcome[state ?? 'unanswered']++
    }
    return outcome
  })

  const channelCounts = new Map<string, number>(policy.channels.map((c) => [c.channel, 0]))
  let none = 0
  for (const contact of contacts) {
    if (contact.channel) channelCounts.set(contact.channel.channel, (channelCounts.get(contact.channel.channel) ?? 0) + 1)
    else none++
  }
  const channels = [...channelCounts].map(([channel, n]) => ({ channel, contacts: n }))
  channels.push({ channel: 'none', contacts: none })

  const waiting = firstTimeQuestions(flow)
  const stepCounts = new Map<string, number>(waiting.map((s) => [s, 0]))
  for (const contact of contacts) {
    // A chosen channel is the flow's last answer: such a contact has been through it.
    if (contact.channel) continue
    const step = stepOf(data.conversations[contact.id]?.snapshot)?.split('.')[0]
    if (step && stepCounts.has(step)) stepCounts.set(step, stepCounts.get(step)! + 1)
  }
  const steps = [...stepCounts].map(([step, n]) => ({ step, contacts: n }))

  return { contacts: contacts.length, records: data.ledger.length, days, purposes, channels, steps }
}

/**
 * The questions of a first conversation, in the order of the flow file: the steps reached from the
 * start by answers alone. Steps reached only through a command (DELETE, CHANGE) or after the
 * conversation has come to rest (the menu of a returning contact) are not on that way.
 */
export function firstTimeQuestions(flow: FlowDefinition): string[] {
  const reached = new Set<string>()
  const visit = (id: string | undefined) => {
    const step = id === undefined ? undefined : flow.steps[id]
    if (!step || reached.has(step.id)) return
    reached.add(step.id)
    visit(step.next)
    visit(step.channelDetails?.back)
    for (const outcome of Object.values(step.answers)) visit(outcome.next)
  }
  visit(flow.start)
  return Object.values(flow.steps)
    .filter((s) => reached.has(s.id) && (s.ask || s.channelDetails))
    .map((s) => s.id)
}

// ---- drawing ----------------------------------------------------------------------------------

const COLORS = {
  given: '#2e9d6e',
  refused: '#e0a030',
  withdrawn: '#d0543f',
  lapsed: '#8a8f98',
  unanswered: '#b9c0ca',
  bar: '#3b7dd8',
  step: '#8e6bd1',
}

interface Segment {
  name: string
  value: number
  color: string
}

const percent = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–')

function legend(segments: { name: string; color: string }[]): Html {
  return html`<p class="legend">${segments.map((s) => html`<span><i style="background:${s.color}"></i>${s.name}</span> `)}</p>`
}

/** Horizontal bars, one row per label, each split into segments; every segment titled with its number. */
function barChart(id: string, label: string, rows: { label: string; segments: Segment[] }[]): Html {
  const rowHeight = 30
  const labelWidth = 150
  const barWidth = 420
  const height = rows.length * rowHeight + 10
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((n, s) => n + s.value, 0)))
  return html`<svg id="${id}" class="chart" role="img" aria-label="${label}" viewBox="0 0 ${labelWidth + barWidth + 60} ${height}" width="100%">
${rows.map((row, i) => {
  const y = 5 + i * rowHeight
  let x = labelWidth
  const total = row.segments.reduce((n, s) => n + s.value, 0)
  return html`<g data-row="${row.label}"><text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${row.label}</text>
${row.segments
  .filter((s) => s.value > 0)
  .map((s) => {
    const w = (s.value / max) * barWidth
    const name = s.name === 'contacts' && s.value === 1 ? 'contact' : s.name
    const rect = html`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${s.color}" data-series="${s.name}" data-value="${s.value}"><title>${row.label}: ${s.value} ${name}</title></rect>\n`
    x += w
    return rect
  })}<text x="${(x + 6).toFixed(1)}" y="${y + 19}" class="total">${total}</text></g>
`
})}</svg>`
}

/** One column per day, stacked given / refused / withdrawn. */
function dayChart(days: DayCount[]): Html {
  if (!days.length) return html`<p class="muted">No answers recorded yet.</p>`
  const width = 640
  const height = 220
  const left = 36
  const bottom = 28
  const plotWidth = width - left - 10
  const plotHeight = height - bottom - 10
  const max = Math.max(1, ...days.map((d) => d.given + d.refused + d.withdrawn))
  const step = plotWidth / days.length
  const barWidth = Math.max(2, Math.min(28, step * 0.75))
  const y = (value: number) => 10 + plotHeight - (value / max) * plotHeight
  const ticks = [...new Set([0, Math.round(max / 2), max])]
  const labelEvery = Math.ceil(days.length / 6)
  return html`<svg id="chart-days" class="chart" role="img" aria-label="Consent answers per day" viewBox="0 0 ${width} ${height}" width="100%">
${ticks.map((t) => html`<line x1="${left}" x2="${width - 10}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>\n`)}${days.map(
  (d, i) => {
    const x = left + i * step + (step - barWidth) / 2
    let base = 0
    const segments: Segment[] = [
      { name: 'given', value: d.given, color: COLORS.given },
      { name: 'refused', value: d.refused, color: COLORS.refused },
      { name: 'withdrawn', value: d.withdrawn, color: COLORS.withdrawn },
    ]
    return html`<g data-day="${d.day}">${segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const top = y(base + s.value)
        const rect = html`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${s.color}" data-series="${s.name}" data-value="${s.value}"><title>${d.day}: ${s.value} ${s.name}</title></rect>`
        base += s.value
        return rect
      })}${i % labelEvery === 0 || i === days.length - 1 ? html`<text x="${(left + i * step + step / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${d.day.slice(5)}</text>` : ''}</g>
`
  },
)}</svg>`
}

export interface Downloads {
  ledgerCsv: string
  contactsCsv: string
  json: string
}

export function dashboardPage(stats: DashboardStats, business: string, readAt: Date, downloads: Downloads): string {
  const answers = stats.days.reduce((n, d) => n + d.given + d.refused + d.withdrawn, 0)
  const given = stats.days.reduce((n, d) => n + d.given, 0)
  const outcomeSegments = (p: PurposeOutcome): Segment[] => [
    { name: 'given', value: p.given, color: COLORS.given },
    { name: 'refused', value: p.refused, color: COLORS.refused },
    { name: 'withdrawn', value: p.withdrawn, color: COLORS.withdrawn },
    { name: 'lapsed', value: p.lapsed, color: COLORS.lapsed },
    { name: 'not answered', value: p.unanswered, color: COLORS.unanswered },
  ]
  const stillInFlow = stats.steps.reduce((n, s) => n + s.contacts, 0)
  const body = html`<main class="wide">
<header>
<h1>${business}: consent dashboard</h1>
<p class="muted">Read from the data folder at ${readAt.toISOString().replace('T', ' ').slice(0, 16)} UTC. Reload the page to read it again.</p>
</header>
<section id="totals">
<table>
<tr><th>Contacts</th><td class="n" id="total-contacts">${stats.contacts}</td></tr>
<tr><th>Ledger records</th><td class="n" id="total-records">${stats.records}</td></tr>
<tr><th>Answers given / all answers${stats.days.length ? ` (${stats.days[0]!.day} to ${stats.days.at(-1)!.day})` : ''}</th><td class="n" id="consent-rate">${given} / ${answers} (${percent(given, answers)})</td></tr>
</table>
</section>

<section id="days">
<h2>Consent answers per day</h2>
<p class="muted">Each column is one day (UTC); an answer about two purposes counts twice. Up to the last ${MAX_DAYS} days with answers.</p>
${legend([
  { name: 'given', color: COLORS.given },
  { name: 'refused', color: COLORS.refused },
  { name: 'withdrawn or lapsed', color: COLORS.withdrawn },
])}
${dayChart(stats.days)}
<details><summary>As a table</summary>
<table id="table-days"><thead><tr><th>Day</th><th class="n">Given</th><th class="n">Refused</th><th class="n">Withdrawn or lapsed</th><th class="n">Given (%)</th></tr></thead>
<tbody>${stats.days
    .filter((d) => d.given + d.refused + d.withdrawn > 0)
    .map(
      (d) =>
        html`<tr data-day="${d.day}"><td>${d.day}</td><td class="n">${d.given}</td><td class="n">${d.refused}</td><td class="n">${d.withdrawn}</td><td class="n">${percent(d.given, d.given + d.refused + d.withdrawn)}</td></tr>\n`,
    )}</tbody></table>
</details>
</section>

<section id="purposes">
<h2>Where contacts stand, per purpose</h2>
${legend(outcomeSegments({ purpose: '', given: 0, refused: 0, withdrawn: 0, lapsed: 0, unanswered: 0 }))}
${barChart(
  'chart-purposes',
  'Consent per purpose',
  stats.purposes.map((p) => ({ label: p.purpose, segments: outcomeSegments(p) })),
)}
<table id="table-purposes"><thead><tr><th>Purpose</th><th class="n">Given</th><th class="n">Refused</th><th class="n">Withdrawn</th><th class="n">Lapsed</th><th class="n">Not answered</th></tr></thead>
<tbody>${stats.purposes.map((p) => html`<tr data-purpose="${p.purpose}"><td>${p.purpose}</td><td class="n">${p.given}</td><td class="n">${p.refused}</td><td class="n">${p.withdrawn}</td><td class="n">${p.lapsed}</td><td class="n">${p.unanswered}</td></tr>\n`)}</tbody></table>
</section>

<section id="channels">
<h2>Preferred channels</h2>
${barChart(
  'chart-channels',
  'Preferred channels',
  stats.channels.map((c) => ({
    label: c.channel === 'none' ? 'not chosen yet' : c.channel,
    segments: [{ name: 'contacts', value: c.contacts, color: c.channel === 'none' ? COLORS.unanswered : COLORS.bar }],
  })),
)}
<table id="table-channels"><thead><tr><th>Channel</th><th class="n">Contacts</th><th class="n">Share</th></tr></thead>
<tbody>${stats.channels.map((c) => html`<tr data-channel="${c.channel}"><td>${c.channel === 'none' ? 'not chosen yet' : c.channel}</td><td class="n">${c.contacts}</td><td class="n">${percent(c.contacts, stats.contacts)}</td></tr>\n`)}</tbody></table>
</section>

<section id="steps">
<h2>Where contacts stop</h2>
<p class="muted">Contacts who have not been through the whole flow yet, by the question their conversation is waiting at (${stillInFlow} in all).</p>
${barChart(
  'chart-steps',
  'Contacts waiting at each step',
  stats.steps.map((s) => ({ label: s.step, segments: [{ name: 'contacts', value: s.contacts, color: COLORS.step }] })),
)}
<table id="table-steps"><thead><tr><th>Step</th><th class="n">Contacts</th></tr></thead>
<tbody>${stats.steps.map((s) => html`<tr data-step="${s.step}"><td>${s.step}</td><td class="n">${s.contacts}</td></tr>\n`)}</tbody></table>
</section>

<section id="export">
<h2>Export</h2>
<p>The files hold phone numbers and answers: keep them private.</p>
<ul>
<li><a href="${downloads.ledgerCsv}" download id="download-ledger">Ledger (CSV)</a>: every answer, one row per record</li>
<li><a href="${downloads.contactsCsv}" download id="download-contacts">Contacts (CSV)</a>: where every contact stands now</li>
<li><a href="${downloads.json}" download id="download-json">Everything (JSON)</a></li>
</ul>
</section>
</main>`
  return page({ title: `Consent dashboard · ${business}`, language: 'en', body, style: DASHBOARD_STYLE })
}

const DASHBOARD_STYLE = `
main.wide { max-width: 60rem; }
svg.chart { display: block; max-width: 44rem; margin: .5rem 0; font-size: 12px; }
svg.chart text { fill: var(--muted); }
svg.chart line.grid { stroke: var(--line); }
.legend span { margin-right: 1rem; font-size: .9rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.05rem; border-radius: 2px; }
details { margin: .25rem 0 1rem; }
`
