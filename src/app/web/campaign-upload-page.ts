/**
 * The pages of a list the owner uploads on the dashboard to start a notice campaign: the check
 * (who would be written to, who is skipped and why, each line to mend, the pace and when the last
 * message would go, and the button that starts it), and what stops it (a list that cannot be
 * read, a file too large, a list no longer kept, a campaign the bot refuses), each in one
 * sentence with what to do. The same words as `npm run campaign`, in the owner's language
 * (pages.json `dashboard.campaigns.upload.*`); the look is the dashboard's.
 */
import type { CampaignPace, SkipReason } from '../../domain/campaign.js'
import type { Language } from '../../domain/language.js'
import type { PlanSummary } from '../campaign-plan.js'
import type { PageText } from '../page-texts.js'
import { CAMPAIGN_STYLE } from './campaign-panel.js'
import { html, page, type Html } from './html.js'
import { timeAgo } from './staff-section.js'

/** A list read and checked as a dry run: nothing kept but the list itself, nothing sent. */
export interface ListCheck {
  summary: PlanSummary
  /** Rows kept with something ignored (a language the bot does not speak…), in the reader's words. */
  notes: { line: number; message: string }[]
  /** When it was checked (the bot's clock): "started now" means then. */
  checkedAt: string
  /** Under which the list is kept to be started; absent when nobody is to be written to. */
  listToken?: string
}

/** Why the bot will not start a campaign, when the page can say it in the owner's words. */
export type RefusalReason =
  | { kind: 'busy'; campaign: string }
  | { kind: 'template'; languages: Language[] }
  | { kind: 'pace' }
  | { kind: 'gone'; minutes: number }

/** What every page of an upload is drawn with. */
export interface UploadFrame {
  t: PageText
  language: Language
  business: string
  /** The language tag dates are written in (pages.json `privacy.dateLocale`), and their zone. */
  locale: string
  timeZone?: string | undefined
  /** The dashboard's campaign panel, the language and token kept. */
  dashboard: string
}

export interface CheckView {
  /** The list's file name. */
  source: string
  check: ListCheck
  /** How long the list is kept for the Start button. */
  keptMinutes: number
  /** The campaign sending now: this one would be refused, so no button. */
  sending?: string | undefined
  /** Where the Start button posts, and the form token. */
  start: { action: string; csrf: string }
}

/** What stopped an upload, for its page. */
export type UploadProblem =
  | { kind: 'unreadable'; lines: string[] }
  | { kind: 'too-large'; mb: number }
  | { kind: 'no-file' }
  | { kind: 'bad-form' }
  | { kind: 'refused'; reason: RefusalReason | undefined; message: string; languageName: (language: Language) => string }

const SKIP_KEYS = {
  invalid: 'dashboard.campaigns.upload.skipped.invalid',
  duplicate: 'dashboard.campaigns.upload.skipped.duplicate',
  'do-not-contact': 'dashboard.campaigns.upload.skipped.doNotContact',
  'not-on-whatsapp': 'dashboard.campaigns.upload.skipped.notOnWhatsApp',
  'opted-out': 'dashboard.campaigns.upload.skipped.optedOut',
  erased: 'dashboard.campaigns.upload.skipped.erased',
  answered: 'dashboard.campaigns.upload.skipped.answered',
  known: 'dashboard.campaigns.upload.skipped.known',
} as const satisfies Record<SkipReason, string>

/** The planner's words for a repeated row (campaign-plan.ts), read back to say them in the page's language. */
const DUPLICATE = /^the same number as line (\d+)$/

function pace(p: CampaignPace, t: PageText): Html {
  const words =
    p.kind === 'linked-device'
      ? t('dashboard.campaigns.upload.pace.linkedDevice', { min: p.minGapSeconds, max: p.maxGapSeconds, perDay: p.perDay })
      : t('dashboard.campaigns.upload.pace.cloud', { perSecond: p.perSecond, perDay: p.perDay })
  return html`<p id="upload-pace">${words}${p.hours ? ` ${t('dashboard.campaigns.upload.pace.hours')}` : ''}</p>\n`
}

function endsAt(iso: string, checkedAt: string, frame: UploadFrame): Html {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }
  const time = new Intl.DateTimeFormat(frame.locale, frame.timeZone ? { ...options, timeZone: frame.timeZone } : options).format(
    new Date(iso),
  )
  const words = frame.t('dashboard.campaigns.upload.endsAt', { time })
  return html`<p id="upload-ends"><time datetime="${iso}">${words}</time> <span class="muted">(${timeAgo(iso, new Date(checkedAt), frame.locale)})</span></p>\n`
}

/** A row left out, its line first; the reader's own words (English, digits masked) marked so. */
function row(r: PlanSummary['rows'][number], t: PageText): Html {
  const duplicate = r.reason === 'duplicate' ? DUPLICATE.exec(r.message) : null
  const why = duplicate
    ? html`${t('dashboard.campaigns.upload.duplicateOf', { line: Number(duplicate[1]) })}`
    : html`<span lang="en">${r.message}</span>`
  return html`<li data-line="${r.line}" data-reason="${r.reason}"><strong>${t('dashboard.campaigns.upload.line', { line: r.line })}</strong>: ${why}</li>\n`
}

/** The check of a list: the summary, and the button that starts the campaign when anyone is to be written to. */
export function checkPage(view: CheckView, frame: UploadFrame): string {
  const { t } = frame
  const { summary, notes, listToken } = view.check
  const skipped = Object.values(summary.skipped).reduce((a, b) => a + b, 0)
  const reasons = (Object.entries(summary.skipped) as [SkipReason, number][]).filter(([, n]) => n > 0)
  const figure = (id: string, words: string, n: number) =>
    html`<tr data-figure="${id}"><th scope="row">${words}</th><td class="n">${n}</td></tr>\n`
  const start = !listToken
    ? html`<p id="upload-nobody"><strong>${t('dashboard.campaigns.upload.nobody')}</strong></p>\n`
    : view.sending
      ? html`<p id="upload-sending" role="status"><strong>${t('dashboard.campaigns.upload.otherSending', { campaign: view.sending })}</strong></p>\n`
      : html`<p>${t('dashboard.campaigns.upload.startNote')}</p>
<form id="upload-start" method="post" action="${view.start.action}"><input type="hidden" name="csrf" value="${view.start.csrf}"><input type="hidden" name="listToken" value="${listToken}"><button type="submit" data-action="start">${t('dashboard.campaigns.start')}</button></form>
<p class="muted">${t('dashboard.campaigns.upload.kept', { minutes: view.keptMinutes })}</p>\n`
  const body = html`<h1 id="upload-title">${t('dashboard.campaigns.upload.checkTitle', { source: view.source })}</h1>
<p id="upload-nothing-sent"><strong>${t('dashboard.campaigns.upload.nothingSent')}</strong></p>
<table id="upload-summary" class="figures"><tbody>
${figure('listed', t('dashboard.campaigns.upload.listed'), summary.toMessage + skipped)}${figure('toMessage', t('dashboard.campaigns.upload.toMessage'), summary.toMessage)}${figure('skipped', t('dashboard.campaigns.upload.skippedTotal'), skipped)}</tbody></table>
${
  reasons.length
    ? html`<h2 id="upload-skipped-title">${t('dashboard.campaigns.upload.skippedTitle')}</h2>
<table id="upload-skipped" class="figures"><thead><tr><th>${t('dashboard.campaigns.upload.why')}</th><th class="n">${t('dashboard.campaigns.columns.clients')}</th></tr></thead>
<tbody>${reasons.map(([reason, n]) => html`<tr data-reason="${reason}"><th scope="row">${t(SKIP_KEYS[reason])}</th><td class="n">${n}</td></tr>\n`)}</tbody></table>\n`
    : ''
}${
  summary.rows.length
    ? html`<h2 id="upload-rows-title">${t('dashboard.campaigns.upload.rowsTitle')}</h2>
<ul id="upload-rows">\n${summary.rows.map((r) => row(r, t))}</ul>\n`
    : ''
}${
  notes.length
    ? html`<h2 id="upload-notes-title">${t('dashboard.campaigns.upload.notesTitle')}</h2>
<ul id="upload-notes">\n${notes.map((n) => html`<li data-line="${n.line}"><strong>${t('dashboard.campaigns.upload.line', { line: n.line })}</strong>: <span lang="en">${n.message}</span></li>\n`)}</ul>\n`
    : ''
}<h2 id="upload-pace-title">${t('dashboard.campaigns.upload.paceTitle')}</h2>
${pace(summary.pace, t)}${summary.toMessage ? endsAt(summary.endsAt, view.check.checkedAt, frame) : ''}${
  summary.warning
    ? html`<p id="upload-warning" class="warning"><strong>${t('dashboard.campaigns.upload.warning')}</strong> <span class="muted" lang="en">${summary.warning}</span></p>\n`
    : ''
}${start}`
  return framed(t('dashboard.campaigns.upload.pageTitle', { source: view.source, business: frame.business }), body, frame)
}

/** What stopped an upload, in one sentence with what to do; a list that cannot be read, with each of its `file:line` lines. */
export function problemPage(problem: UploadProblem, frame: UploadFrame): string {
  const { t } = frame
  let title = t('dashboard.campaigns.upload.notDone')
  let body: Html
  switch (problem.kind) {
    case 'unreadable':
      title = t('dashboard.campaigns.upload.unreadableTitle')
      body = html`<p>${t('dashboard.campaigns.upload.unreadable')}</p>
<ul id="upload-problems" lang="en">\n${problem.lines.map((line) => html`<li><code>${line}</code></li>\n`)}</ul>\n`
      break
    case 'too-large':
      body = html`<p>${t('dashboard.campaigns.upload.tooLarge', { mb: problem.mb })}</p>\n`
      break
    case 'no-file':
      body = html`<p>${t('dashboard.campaigns.upload.noFile')}</p>\n`
      break
    case 'bad-form':
      body = html`<p>${t('dashboard.campaigns.upload.badForm')}</p>\n`
      break
    case 'refused':
      if (problem.reason?.kind !== 'gone') title = t('dashboard.campaigns.upload.refusedTitle')
      body = refusal(problem, t)
      break
  }
  return framed(title, html`<h1 id="upload-title">${title}</h1>\n<div id="upload-problem">${body}</div>\n`, frame)
}

function refusal(problem: Extract<UploadProblem, { kind: 'refused' }>, t: PageText): Html {
  const { reason } = problem
  const sentence = (words: string) => html`<p><strong>${words}</strong></p>\n`
  switch (reason?.kind) {
    case 'busy':
      return sentence(t('dashboard.campaigns.upload.refused.busy', { campaign: reason.campaign }))
    case 'template':
      return sentence(
        t('dashboard.campaigns.upload.refused.template', { languages: reason.languages.map(problem.languageName).join(', ') }),
      )
    case 'pace':
      // The policy's lines at fault, as the bot words them.
      return html`${sentence(t('dashboard.campaigns.upload.refused.pace'))}<p class="muted" lang="en">${problem.message}</p>\n`
    case 'gone':
      return sentence(t('dashboard.campaigns.upload.gone', { minutes: reason.minutes }))
    default:
      // A refusal the page has no words for: the bot's own sentence, which says what to do.
      return html`<p><strong lang="en">${problem.message}</strong></p>\n`
  }
}

function framed(title: string, body: Html, frame: UploadFrame): string {
  return page({
    title,
    language: frame.language,
    body: html`<main>
<p><a href="${frame.dashboard}" id="upload-back">${frame.t('dashboard.campaigns.upload.back')}</a></p>
<section id="campaigns" aria-labelledby="upload-title">
${body}</section>
</main>`,
    style: CAMPAIGN_STYLE + UPLOAD_STYLE,
    referrer: 'same-origin',
  })
}

const UPLOAD_STYLE = `
#campaigns h1 { overflow-wrap: anywhere; }
#upload-summary tr[data-figure="toMessage"] > * { font-weight: bold; }
#campaigns ul { padding-left: 1.25rem; }
#campaigns li { margin: .2rem 0; overflow-wrap: anywhere; }
#campaigns p.warning strong { color: #b3412e; }
@media (prefers-color-scheme: dark) { #campaigns p.warning strong { color: #f08a76; } }
`
