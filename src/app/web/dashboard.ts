/**
 * The owner's dashboard: which chats wait for a person (staff-section.ts), how many contacts
 * agree, to what, where they would rather talk, and where in the flow they stop answering.
 * Numbers are computed once per page from one read of the data, then drawn as inline SVG (no
 * script, no external request) and repeated in tables.
 */
import type { Language } from '../../domain/language.js'
import { shorten } from '../diagram/labels.js'
import type { DashboardNames } from './dashboard-names.js'
import { barChart, CHART_LABEL, COLORS, dayChart, legend, percent, type Segment } from './dashboard-charts.js'
import { type ChannelUptake, type DashboardStats, MAX_DAYS, type PurposeOutcome } from './dashboard-stats.js'
import { html, page, type Html } from './html.js'
import { NUMBERS_STYLE } from './numbers.js'
import { STAFF_STYLE, staffSection, type StaffSectionView } from './staff-section.js'
import type { PageText } from '../page-texts.js'
import type { StoreFault } from '../engine.js'

export { dashboardNames, type DashboardNames } from './dashboard-names.js'
export {
  type ChannelUptake,
  dashboardStats,
  type DashboardStats,
  type DayCount,
  MAX_DAYS,
  type PurposeOutcome,
} from './dashboard-stats.js'
export { firstTimeQuestions } from './first-time-questions.js'

export interface Downloads {
  ledgerCsv: string
  contactsCsv: string
  json: string
  /** Both parts as one spreadsheet (.xlsx). */
  xlsx: string
}

/** The page's language, the owner's words for ids, and the page in each language the bot speaks. */
export interface DashboardView {
  language: Language
  names: DashboardNames
  /** Every language, its name in itself, and the link to the page in it (keeping the token). */
  languages: { language: Language; name: string; href: string }[]
}

/** What the dashboard shows besides the data: the ledger key's fingerprint, and a store refusing writes. */
export interface DashboardState {
  /** The fingerprint of the key that seals the ledger. */
  ledgerKey?: string | undefined
  /** Set while the store cannot write: the page opens with a banner saying so. */
  storeFault?: StoreFault | undefined
  /** The chats handed to a person, shown first after the header: staff come here for them. */
  staff?: StaffSectionView | undefined
  /** On PostgreSQL, the numbers of the database with the one shown (numbers.ts), under the language links. */
  numbers?: Html | undefined
}

const minute = (iso: string) => iso.replace('T', ' ').slice(0, 16)

/** The banner while the store refuses writes: what is wrong, since when, how many messages wait, what to do. */
function faultBanner(fault: StoreFault, t: PageText): Html {
  return html`<section id="store-fault" class="fault" role="alert" data-reason="${fault.reason}">
<h2>${t('dashboard.fault.title')}</h2>
<p>${t(`dashboard.fault.reason.${fault.reason}`)} ${t('dashboard.fault.since', { time: minute(fault.since) })}</p>
<p id="store-fault-waiting" data-waiting="${fault.waiting}">${t('dashboard.fault.waiting', { messages: fault.waiting })}</p>
<p><strong>${t(`dashboard.fault.todo.${fault.reason}`)}</strong></p>
<p class="muted">${t('dashboard.fault.after')}</p>
</section>
`
}

/** The language links: the page's own language as plain text, the others as links. */
function languageNav(view: DashboardView, t: PageText): Html {
  return html`<nav class="languages" aria-label="${t('dashboard.language')}">${view.languages.map((l) =>
    l.language === view.language
      ? html`<span aria-current="true" lang="${l.language}">${l.name}</span> `
      : html`<a href="${l.href}" hreflang="${l.language}" lang="${l.language}">${l.name}</a> `,
  )}</nav>
`
}

/** A channel's row: who chose it and how far moving there went (WhatsApp needs nothing sent). */
function uptakeSegments(c: ChannelUptake, t: PageText): Segment[] {
  return [
    { series: 'link sent', name: t('dashboard.series.linkSent'), value: c.linkSent, color: COLORS.bar },
    { series: 'address confirmed', name: t('dashboard.series.confirmed'), value: c.confirmed, color: COLORS.confirmed },
    { series: 'stays', name: t('dashboard.series.stays'), value: c.stays, color: COLORS.given },
    { series: 'not finished', name: t('dashboard.series.pending'), value: c.pending, color: COLORS.unanswered },
  ]
}

/**
 * The dashboard page; its words come from pages.json through `t`, and the purposes', channels'
 * and steps' names from the owner's texts through `view.names`, all in `view.language`.
 */
export function dashboardPage(
  stats: DashboardStats,
  business: string,
  readAt: Date,
  downloads: Downloads,
  t: PageText,
  state: DashboardState,
  view: DashboardView,
): string {
  const { names } = view
  const outcomeSegments = (p: PurposeOutcome): Segment[] => [
    { series: 'given', name: t('dashboard.series.given'), value: p.given, color: COLORS.given },
    { series: 'refused', name: t('dashboard.series.refused'), value: p.refused, color: COLORS.refused },
    { series: 'withdrawn', name: t('dashboard.series.withdrawn'), value: p.withdrawn, color: COLORS.withdrawn },
    { series: 'lapsed', name: t('dashboard.series.lapsed'), value: p.lapsed, color: COLORS.lapsed },
    { series: 'not answered', name: t('dashboard.series.notAnswered'), value: p.unanswered, color: COLORS.unanswered },
  ]
  const none = t('dashboard.channels.none')
  /** WhatsApp itself sends no link and asks no address: those cells say so rather than 0. */
  const moves = (c: ChannelUptake, n: number) => (c.channel === 'whatsapp' ? '–' : n)
  const contacts = t('dashboard.series.contacts')
  const stillInFlow = stats.steps.reduce((n, s) => n + s.contacts, 0)
  const body = html`<main class="wide">
${state.storeFault ? faultBanner(state.storeFault, t) : ''}${languageNav(view, t)}${state.numbers ?? ''}<header>
<h1>${t('dashboard.title', { business })}</h1>
<p class="muted">${t('dashboard.readAt', { time: minute(readAt.toISOString()) })}</p>
${state.ledgerKey ? html`<p class="muted" id="ledger-key">${t('dashboard.ledgerKey', { fingerprint: state.ledgerKey })}</p>\n` : ''}</header>
${state.staff ? staffSection(state.staff, t, readAt) : ''}<section id="totals">
<table>
<tr><th>${t('dashboard.contacts')}</th><td class="n" id="total-contacts">${stats.contacts}</td></tr>
<tr><th>${t('dashboard.records')}</th><td class="n" id="total-records">${stats.records}</td></tr>
</table>
<h2 id="headline-title">${t('dashboard.headline.title')}</h2>
<p class="muted">${t('dashboard.headline.note')}</p>
<div class="table" role="region" aria-labelledby="headline-title" tabindex="0"><table id="headline"><thead><tr><th>${t('dashboard.columns.purpose')}</th><th class="n">${t('dashboard.columns.given')}</th><th class="n">${t('dashboard.columns.refused')}</th><th class="n">${t('dashboard.columns.withdrawnOrLapsed')}</th><th class="n">${t('dashboard.columns.notAnswered')}</th><th class="n">${t('dashboard.columns.asked')}</th></tr></thead>
<tbody>${stats.purposes.map((p) => html`<tr data-purpose="${p.purpose}"><td>${names.purpose(p.purpose)}</td><td class="n">${p.given}</td><td class="n">${p.refused}</td><td class="n">${p.withdrawn + p.lapsed}</td><td class="n">${p.unanswered}</td><td class="n">${p.asked}</td></tr>\n`)}</tbody></table></div>
</section>

<section id="days">
<h2 id="days-title">${t('dashboard.days.title')}</h2>
<p class="muted">${t('dashboard.days.note', { days: MAX_DAYS })}</p>
${legend([
  { name: t('dashboard.series.given'), color: COLORS.given },
  { name: t('dashboard.series.refused'), color: COLORS.refused },
  { name: t('dashboard.series.withdrawnOrLapsed'), color: COLORS.withdrawn },
])}
${dayChart(stats.days, t)}
<details><summary>${t('dashboard.asTable')}</summary>
<div class="table" role="region" aria-labelledby="days-title" tabindex="0"><table id="table-days"><thead><tr><th>${t('dashboard.columns.day')}</th><th class="n">${t('dashboard.columns.given')}</th><th class="n">${t('dashboard.columns.refused')}</th><th class="n">${t('dashboard.columns.withdrawnOrLapsed')}</th><th class="n">${t('dashboard.columns.givenShare')}</th></tr></thead>
<tbody>${stats.days
    .filter((d) => d.given + d.refused + d.withdrawn > 0)
    .map(
      (d) =>
        html`<tr data-day="${d.day}"><td>${d.day}</td><td class="n">${d.given}</td><td class="n">${d.refused}</td><td class="n">${d.withdrawn}</td><td class="n">${percent(d.given, d.given + d.refused + d.withdrawn)}</td></tr>\n`,
    )}</tbody></table></div>
</details>
</section>

<section id="purposes">
<h2 id="purposes-title">${t('dashboard.purposes.title')}</h2>
${legend(outcomeSegments({ purpose: '', given: 0, refused: 0, withdrawn: 0, lapsed: 0, unanswered: 0, asked: 0, notAsked: 0 }))}
${barChart(
  'chart-purposes',
  t('dashboard.purposes.chart'),
  stats.purposes.map((p) => ({ label: shorten(names.purpose(p.purpose), CHART_LABEL), segments: outcomeSegments(p) })),
  t,
)}
<div class="table" role="region" aria-labelledby="purposes-title" tabindex="0"><table id="table-purposes"><thead><tr><th>${t('dashboard.columns.purpose')}</th><th class="n">${t('dashboard.columns.given')}</th><th class="n">${t('dashboard.columns.refused')}</th><th class="n">${t('dashboard.columns.withdrawn')}</th><th class="n">${t('dashboard.columns.lapsed')}</th><th class="n">${t('dashboard.columns.notAnswered')}</th><th class="n">${t('dashboard.columns.notAsked')}</th></tr></thead>
<tbody>${stats.purposes.map((p) => html`<tr data-purpose="${p.purpose}"><td>${names.purpose(p.purpose)}</td><td class="n">${p.given}</td><td class="n">${p.refused}</td><td class="n">${p.withdrawn}</td><td class="n">${p.lapsed}</td><td class="n">${p.unanswered}</td><td class="n">${p.notAsked}</td></tr>\n`)}</tbody></table></div>
</section>

<section id="channels">
<h2 id="channels-title">${t('dashboard.channels.title')}</h2>
<p class="muted">${t('dashboard.channels.note')}</p>
${legend([...uptakeSegments({ channel: '', chose: 0, linkSent: 0, confirmed: 0, stays: 0, pending: 0 }, t), { name: none, color: COLORS.lapsed }])}
${barChart(
  'chart-channels',
  t('dashboard.channels.chart'),
  [
    ...stats.channels.map((c) => ({ label: shorten(names.channel(c.channel), CHART_LABEL), segments: uptakeSegments(c, t) })),
    { label: none, segments: [{ series: 'contacts', name: contacts, value: stats.noChannel, color: COLORS.lapsed }] },
  ],
  t,
)}
<div class="table" role="region" aria-labelledby="channels-title" tabindex="0"><table id="table-channels"><thead><tr><th>${t('dashboard.columns.channel')}</th><th class="n">${t('dashboard.columns.chose')}</th><th class="n">${t('dashboard.columns.share')}</th><th class="n">${t('dashboard.columns.linkSent')}</th><th class="n">${t('dashboard.columns.confirmed')}</th><th class="n">${t('dashboard.columns.pending')}</th></tr></thead>
<tbody>${stats.channels.map((c) => html`<tr data-channel="${c.channel}"><td>${names.channel(c.channel)}</td><td class="n">${c.chose}</td><td class="n">${percent(c.chose, stats.contacts)}</td><td class="n">${moves(c, c.linkSent)}</td><td class="n">${moves(c, c.confirmed)}</td><td class="n">${c.pending}</td></tr>\n`)}<tr data-channel="none"><td>${none}</td><td class="n">${stats.noChannel}</td><td class="n">${percent(stats.noChannel, stats.contacts)}</td><td></td><td></td><td></td></tr>
</tbody></table></div>
</section>

<section id="steps">
<h2 id="steps-title">${t('dashboard.steps.title')}</h2>
<p class="muted">${t('dashboard.steps.note', { contacts: stillInFlow })}</p>
${barChart(
  'chart-steps',
  t('dashboard.steps.chart'),
  stats.steps.map((s) => ({
    label: shorten(names.step(s.step), CHART_LABEL),
    segments: [{ series: 'contacts', name: contacts, value: s.contacts, color: COLORS.step }],
  })),
  t,
)}
<div class="table" role="region" aria-labelledby="steps-title" tabindex="0"><table id="table-steps"><thead><tr><th>${t('dashboard.columns.step')}</th><th class="n">${t('dashboard.columns.contacts')}</th></tr></thead>
<tbody>${stats.steps.map((s) => html`<tr data-step="${s.step}"><td>${names.step(s.step)}</td><td class="n">${s.contacts}</td></tr>\n`)}</tbody></table></div>
</section>

<section id="export">
<h2>${t('dashboard.export.title')}</h2>
<p>${t('dashboard.export.warning')}</p>
<ul>
<li><a href="${downloads.ledgerCsv}" download id="download-ledger">${t('dashboard.export.ledger')}</a>: ${t('dashboard.export.ledgerNote')}</li>
<li><a href="${downloads.contactsCsv}" download id="download-contacts">${t('dashboard.export.contacts')}</a>: ${t('dashboard.export.contactsNote')}</li>
<li><a href="${downloads.xlsx}" download id="download-xlsx">${t('dashboard.export.xlsx')}</a>: ${t('dashboard.export.xlsxNote')}</li>
<li><a href="${downloads.json}" download id="download-json">${t('dashboard.export.json')}</a></li>
</ul>
</section>
</main>`
  // The forms post to this page's own server, which checks the Origin a browser sends: the page
  // names itself to its own server (same-origin), and still to no other site.
  return page({
    title: t('dashboard.pageTitle', { business }),
    language: view.language,
    body,
    style: DASHBOARD_STYLE + STAFF_STYLE + (state.numbers ? NUMBERS_STYLE : ''),
    referrer: 'same-origin',
  })
}

const DASHBOARD_STYLE = `
main.wide { max-width: 60rem; }
svg.chart { display: block; max-width: 44rem; margin: .5rem 0; font-size: 12px; overflow: visible; }
/* A table wider than a phone's screen scrolls inside its frame; the page itself never does. */
div.table { overflow-x: auto; max-width: 100%; }
div.table table { margin: .5rem 0 1rem; }
svg.chart text { fill: var(--muted); }
svg.chart line.grid { stroke: var(--line); }
.legend span { margin-right: 1rem; font-size: .9rem; }
nav.languages { text-align: right; }
nav.languages span, nav.languages a { margin-left: .75rem; }
#totals table td.n, #headline td.n { font-size: 1.25rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.05rem; border-radius: 2px; }
details { margin: .25rem 0 1rem; }
section.fault { border: 2px solid #d0543f; border-radius: 6px; padding: .25rem 1rem; margin: 0 0 1rem; background: rgba(208, 84, 63, .08); }
section.fault h2 { margin-top: .5rem; color: #d0543f; }
`
