/**
 * Several WhatsApp numbers in one database (PostgreSQL): the dashboard says which number it shows
 * and links to the others (`/admin?number=<name>`), and `/admin?number=*` shows one table with a
 * row per number. Another number's data is read through a reader of its own, opened for the
 * request and closed after. Staff actions (pause, resume) stay with each number's own bot.
 */
import type { Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentReader } from '../../ports/consent-reader.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { PageText } from '../page-texts.js'
import type { DashboardNames } from './dashboard-names.js'
import { html, type Html, page } from './html.js'
import { staffOverview } from './staff-chats.js'

/** The numbers of the database the bot's store is in (given by src/main/bot.ts on PostgreSQL only). */
export interface WebNumbers {
  /** The serving bot's own number. */
  current: string
  /** Every number the database holds. */
  names(): Promise<string[]>
  /** A reader of one number's data; closed by the caller once read. */
  reader(name: string): Promise<ConsentReader & { close(): Promise<void> }>
}

/** What `?number=` asks for: the serving bot's own number, another one, all of them, or one that is not there. */
export type NumberChoice =
  | { kind: 'own'; names: string[] }
  | { kind: 'other'; name: string; names: string[] }
  | { kind: 'all'; names: string[] }
  | { kind: 'unknown' }

export async function chooseNumber(numbers: WebNumbers, asked: string | null): Promise<NumberChoice> {
  // The bot's own number is there even before the database lists it.
  const names = [...new Set([numbers.current, ...(await numbers.names())])]
  if (asked === null || asked === '' || asked === numbers.current) return { kind: 'own', names }
  if (asked === '*') return { kind: 'all', names }
  return names.includes(asked) ? { kind: 'other', name: asked, names } : { kind: 'unknown' }
}

/** The answer to a number the database does not hold: says so, and shows nothing of any number. */
export const UNKNOWN_NUMBER = 'No number by that name in this database: open /admin to see the numbers it holds.'

/** Reads one number through a reader of its own, closed after. */
export async function readNumber<T>(numbers: WebNumbers, name: string, use: (reader: ConsentReader) => Promise<T>): Promise<T> {
  const reader = await numbers.reader(name)
  try {
    return await use(reader)
  } finally {
    await reader.close()
  }
}

export interface NumbersNavView {
  /** The number shown, or `*` for all. */
  shown: string
  current: string
  names: string[]
  /** The link to a number's dashboard (`*`: all), keeping the token and language. */
  href(name: string): string
}

/** The numbers of the database, the shown one as plain text; on another number's dashboard, the note on staff actions. */
export function numbersNav(view: NumbersNavView, t: PageText): Html {
  const item = (name: string, label: string) =>
    name === view.shown
      ? html`<li><strong aria-current="page" data-number="${name}">${label}</strong></li>`
      : html`<li><a href="${view.href(name)}" data-number="${name}">${label}</a></li>`
  const label = (name: string) => (name === view.current ? `${name} (${t('dashboard.numbers.thisBot')})` : name)
  const other = view.shown !== '*' && view.shown !== view.current
  return html`<nav id="numbers" aria-label="${t('dashboard.numbers.label')}" data-shown="${view.shown}">
<p>${view.shown === '*' ? t('dashboard.numbers.showingAll') : t('dashboard.numbers.showing', { number: view.shown })}</p>
<ul>${view.names.map((name) => item(name, label(name)))}${item('*', t('dashboard.numbers.all'))}</ul>
${other ? html`<p class="muted" id="numbers-elsewhere">${t('dashboard.numbers.elsewhere')}</p>\n` : ''}</nav>
`
}

export interface NumberRow {
  name: string
  contacts: number
  records: number
  /** Contacts who agree now, per purpose of the policy. */
  given: { purpose: string; contacts: number }[]
  waiting: number
}

export function numberRow(name: string, data: ConsentData, policy: Policy, now: Date): NumberRow {
  const contacts = Object.values(data.contacts)
  return {
    name,
    contacts: contacts.length,
    records: data.ledger.length,
    given: policy.purposes.map((p) => ({
      purpose: p.id,
      contacts: contacts.filter((c) => c.consents[p.id]?.state === 'given').length,
    })),
    waiting: staffOverview(contacts, now).waiting.length,
  }
}

export interface AllNumbersView {
  business: string
  language: Language
  rows: NumberRow[]
  nav: NumbersNavView
  names: DashboardNames
  readAt: Date
}

/** `/admin?number=*`: a row per number, each linking to its own dashboard. */
export function allNumbersPage(view: AllNumbersView, t: PageText): string {
  const purposes = view.rows[0]?.given.map((g) => g.purpose) ?? []
  const body = html`<main class="wide">
<header>
<h1>${t('dashboard.numbers.allTitle', { business: view.business })}</h1>
<p class="muted">${t('dashboard.readAt', { time: view.readAt.toISOString().replace('T', ' ').slice(0, 16) })}</p>
</header>
${numbersNav(view.nav, t)}<p class="muted">${t('dashboard.numbers.allNote')}</p>
<div class="table" role="region" aria-labelledby="all-numbers-title" tabindex="0"><table id="all-numbers"><caption id="all-numbers-title">${t('dashboard.numbers.all')}</caption><thead><tr><th>${t('dashboard.numbers.columns.number')}</th><th class="n">${t('dashboard.contacts')}</th><th class="n">${t('dashboard.records')}</th>${purposes.map((p) => html`<th class="n">${t('dashboard.numbers.columns.given', { purpose: view.names.purpose(p) })}</th>`)}<th class="n">${t('dashboard.numbers.columns.waiting')}</th><th>${t('dashboard.numbers.columns.dashboard')}</th></tr></thead>
<tbody>${view.rows.map(
    (row) =>
      html`<tr data-number="${row.name}"><th scope="row">${row.name === view.nav.current ? `${row.name} (${t('dashboard.numbers.thisBot')})` : row.name}</th><td class="n" data-count="contacts">${row.contacts}</td><td class="n" data-count="records">${row.records}</td>${row.given.map((g) => html`<td class="n" data-given="${g.purpose}">${g.contacts}</td>`)}<td class="n" data-count="waiting">${row.waiting}</td><td><a href="${view.nav.href(row.name)}">${t('dashboard.numbers.open', { number: row.name })}</a></td></tr>\n`,
  )}</tbody></table></div>
</main>`
  return page({ title: t('dashboard.numbers.allTitle', { business: view.business }), language: view.language, body, style: NUMBERS_STYLE })
}

export const NUMBERS_STYLE = `
main.wide { max-width: 60rem; }
div.table { overflow-x: auto; max-width: 100%; }
#numbers ul { list-style: none; padding: 0; margin: .25rem 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
#numbers p { margin: .25rem 0; }
#all-numbers caption { text-align: left; font-weight: bold; }
#all-numbers th[scope="row"] { font-weight: normal; white-space: nowrap; }
`
