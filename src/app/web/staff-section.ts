/**
 * The dashboard's section on chats handed to a person: who waits (oldest first), since when and
 * why, what they wrote when it may be kept, whether the bot is paused there; the chats a person
 * is handling; and buttons per row: a waiting chat the bot still answers can be paused, or marked
 * as handled at once (staff who answered it need not pause then resume to clear it); a paused one
 * resumed. The buttons are plain forms (the page runs no script): each posts back here and the
 * page is shown again. Its words are the owner's, from pages.json (`dashboard.staff.*`).
 */
import type { PageText } from '../page-texts.js'
import { html, type Html } from './html.js'
import { shownContact, type StaffChat, type StaffOverview } from './staff-chats.js'

export interface StaffSectionView {
  overview: StaffOverview
  /** Where the buttons post (with the token and language kept) and the form token they carry; absent: no buttons. */
  forms?: { pause: string; resume: string; csrf: string }
  /** The language tag dates are written in (pages.json `privacy.dateLocale`). */
  locale: string
  /** The zone local times are in (default: this computer's). */
  timeZone?: string
}

/** A moment in local time, e.g. `20 Nov, 10:00 GMT-6`. */
export function localTime(iso: string, locale: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }
  return new Intl.DateTimeFormat(locale, timeZone ? { ...options, timeZone } : options).format(new Date(iso))
}

/** How long ago (or how soon) a moment is, e.g. `3 hours ago`, `in 2 days`. */
export function timeAgo(iso: string, now: Date, locale: string): string {
  const seconds = (Date.parse(iso) - now.getTime()) / 1000
  const words = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const abs = Math.abs(seconds)
  if (abs < 3600) return words.format(Math.trunc(seconds / 60), 'minute')
  if (abs < 48 * 3600) return words.format(Math.trunc(seconds / 3600), 'hour')
  return words.format(Math.trunc(seconds / 86_400), 'day')
}

/** What a row's button does: `done` posts to the resume form too, which clears both the wait and any pause. */
type RowAction = 'pause' | 'resume' | 'done'

function button(chat: StaffChat, action: RowAction, forms: NonNullable<StaffSectionView['forms']>, t: PageText): Html {
  const target = action === 'pause' ? forms.pause : forms.resume
  // Every row's buttons say the same; the hidden words tell a screen reader's list of buttons apart.
  return html`<form method="post" action="${target}"><input type="hidden" name="contact" value="${chat.contact}"><input type="hidden" name="csrf" value="${forms.csrf}"><button type="submit" data-action="${action}">${t(`dashboard.staff.${action}`)}<span class="sr"> ${t('dashboard.staff.forContact', { contact: shownContact(chat.contact) })}</span></button></form>`
}

/**
 * A row's buttons: a paused chat is resumed; a waiting chat the bot still answers is paused (a
 * person takes it over) or marked as handled (nobody needs to, or it was answered already).
 */
function buttons(chat: StaffChat, view: StaffSectionView, t: PageText): Html {
  const forms = view.forms
  if (!forms) return html``
  const actions: RowAction[] = chat.pausedUntil ? ['resume'] : ['pause', 'done']
  return html`<div class="actions">${actions.map((action) => button(chat, action, forms, t))}</div>`
}

function when(iso: string, view: StaffSectionView, now: Date): Html {
  return html`<time datetime="${iso}">${localTime(iso, view.locale, view.timeZone)}</time> <span class="muted">(${timeAgo(iso, now, view.locale)})</span>`
}

function botState(chat: StaffChat, view: StaffSectionView, t: PageText): Html {
  if (!chat.pausedUntil) return html`${t('dashboard.staff.answering')}`
  const by = chat.pausedBy ? html` <span class="muted">(${t(`dashboard.staff.pausedBy.${chat.pausedBy}`)})</span>` : ''
  return html`${t('dashboard.staff.pausedUntil', { time: localTime(chat.pausedUntil, view.locale, view.timeZone) })}${by}`
}

/** The section, in the page's words `t`, read at `now`. */
export function staffSection(view: StaffSectionView, t: PageText, now: Date): Html {
  const { waiting, paused, handled } = view.overview
  const action = view.forms ? html`<th>${t('dashboard.staff.columns.action')}</th>` : ''
  const waitingTable = waiting.length
    ? html`<div class="table" role="region" aria-labelledby="staff-title" tabindex="0"><table id="staff-waiting"><thead><tr><th>${t('dashboard.staff.columns.contact')}</th><th>${t('dashboard.staff.columns.since')}</th><th>${t('dashboard.staff.columns.why')}</th><th>${t('dashboard.staff.columns.message')}</th><th>${t('dashboard.staff.columns.bot')}</th>${action}</tr></thead>
<tbody>${waiting.map(
        (chat) =>
          html`<tr data-contact="${chat.contact}" data-paused="${chat.pausedUntil ? 'yes' : 'no'}"><th scope="row">${shownContact(chat.contact)}</th><td>${when(chat.waitingSince!, view, now)}</td><td>${chat.reason ? t(`dashboard.staff.reason.${chat.reason}`) : ''}</td><td class="message">${chat.message ?? html`<span class="muted">${t('dashboard.staff.noMessage')}</span>`}</td><td>${botState(chat, view, t)}</td>${view.forms ? html`<td>${buttons(chat, view, t)}</td>` : ''}</tr>\n`,
      )}</tbody></table></div>\n`
    : html`<p id="staff-waiting-empty">${t('dashboard.staff.waitingEmpty')}</p>\n`
  const pausedPart = paused.length
    ? html`<h3 id="staff-paused-title">${t('dashboard.staff.pausedTitle')}</h3>
<p class="muted">${t('dashboard.staff.pausedNote')}</p>
<div class="table" role="region" aria-labelledby="staff-paused-title" tabindex="0"><table id="staff-paused"><thead><tr><th>${t('dashboard.staff.columns.contact')}</th><th>${t('dashboard.staff.columns.pausedUntil')}</th>${action}</tr></thead>
<tbody>${paused.map(
        (chat) =>
          html`<tr data-contact="${chat.contact}" data-paused="yes"><th scope="row">${shownContact(chat.contact)}</th><td>${when(chat.pausedUntil!, view, now)}${chat.pausedBy ? html` <span class="muted">(${t(`dashboard.staff.pausedBy.${chat.pausedBy}`)})</span>` : ''}</td>${view.forms ? html`<td>${buttons(chat, view, t)}</td>` : ''}</tr>\n`,
      )}</tbody></table></div>\n`
    : ''
  const body =
    waiting.length || paused.length ? html`${waitingTable}${pausedPart}` : html`<p id="staff-empty">${t('dashboard.staff.empty')}</p>\n`
  return html`<section id="staff">
<h2 id="staff-title">${t('dashboard.staff.title')}</h2>
<p class="muted">${t('dashboard.staff.note')}</p>
${body}<p id="staff-handled" data-recent="${handled.recent}" data-all="${handled.all}">${t('dashboard.staff.handled', { recent: handled.recent, all: handled.all })}</p>
</section>
`
}

export const STAFF_STYLE = `
#staff td.message { max-width: 22rem; white-space: pre-wrap; overflow-wrap: anywhere; }
#staff form { margin: 0; }
#staff div.actions { display: flex; flex-wrap: wrap; gap: .35rem; }
#staff button { font: inherit; padding: .25rem .6rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--bg); color: var(--accent); cursor: pointer; white-space: nowrap; }
/* The button that ends what the row is about (resume, handled) stands out; pausing is the quieter one. */
#staff button[data-action="resume"], #staff button[data-action="done"] { background: var(--accent); color: var(--bg); }
#staff th[scope="row"] { font-weight: normal; white-space: nowrap; }
#staff h3 { font-size: 1.05rem; margin: 1.5rem 0 .25rem; }
/* The words only a screen reader needs stay inside their table's scrolling frame, not the page's width. */
#staff div.table { position: relative; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`
