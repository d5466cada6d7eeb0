/**
 * The dashboard's panel on notice campaigns (`npm run campaign`): per campaign, the owner's list
 * it was made from, when, whether it is sending, paused (and why) or done, how far it got, and
 * what became of the messages: sent, delivered and read (where the provider reports it), answered,
 * consent given or refused, no answer yet. A running campaign can be paused and a paused one
 * resumed with a plain form (the page runs no script), which posts to /admin/campaigns (see
 * campaign-routes.ts) and comes back here; and a new one is made from the owner's list, uploaded
 * with a form and checked first (campaign-upload-page.ts). Its words are the owner's, from pages.json
 * (`dashboard.campaigns.*`); the figures are the ones the export writes (campaign-progress.ts).
 */
import type { CampaignProgress } from '../../domain/campaign.js'
import type { PageText } from '../page-texts.js'
import { html, type Html } from './html.js'
import { localTime, timeAgo } from './staff-section.js'

export interface CampaignPanelView {
  /** Newest first. */
  campaigns: CampaignProgress[]
  /** Where a campaign's button posts (token and language kept) and the form token; absent: no buttons. */
  forms?: { action: (id: string, step: 'pause' | 'resume') => string; csrf: string }
  /** The figures of every campaign as CSV (/admin/export.csv?what=campaigns). */
  download?: string
  /** The language tag dates are written in (pages.json `privacy.dateLocale`). */
  locale: string
  /** The zone local times are in (default: this computer's). */
  timeZone?: string
}

/** What the owner tries first, with a list of their clients: it shows whom a campaign would write to and sends nothing. */
export const FIRST_CAMPAIGN = 'npm run campaign -- --contacts clients.csv --dry-run'

/**
 * The reasons the bot itself gives for a pause it was asked for, in the page's words. Any other
 * (a limit of Meta's, failures in a row) is the runner's own sentence, in English, with what to do.
 */
const REASONS = {
  'not started': 'dashboard.campaigns.reason.notStarted',
  'paused from the dashboard': 'dashboard.campaigns.reason.dashboard',
  'paused from the command line': 'dashboard.campaigns.reason.commandLine',
} as const

function reason(text: string, t: PageText): Html {
  const key = REASONS[text as keyof typeof REASONS]
  return key ? html`${t(key)}` : html`<span lang="en">${text}</span>`
}

function when(iso: string, view: CampaignPanelView, now: Date, words: (time: string) => string): Html {
  return html`<time datetime="${iso}">${words(localTime(iso, view.locale, view.timeZone))}</time> <span class="muted">(${timeAgo(iso, now, view.locale)})</span>`
}

function status(campaign: CampaignProgress, t: PageText): Html {
  const { status } = campaign
  const word = t(`dashboard.campaigns.status.${status.status}`)
  return status.status === 'paused' ? html`<strong>${word}</strong>: ${reason(status.reason, t)}` : html`<strong>${word}</strong>`
}

/** Rows of the figures' table: what became of the messages sent first, then where the list stands. */
function figures(campaign: CampaignProgress): [keyof typeof FIGURE_KEYS, number][] {
  const { counts, figures: f } = campaign
  return [
    ['sent', counts.sent],
    ['delivered', f.delivered],
    ['read', f.read],
    ['answered', f.answered],
    ['given', f.given],
    ['refused', f.refused],
    ['noAnswer', f.noAnswer],
    // A target `sending` is being written to this moment (or was, when the bot stopped): not written to yet.
    ['planned', counts.planned + counts.sending],
    ['skipped', counts.skipped],
    ['failed', counts.failed],
  ]
}

const FIGURE_KEYS = {
  sent: 'dashboard.campaigns.figures.sent',
  delivered: 'dashboard.campaigns.figures.delivered',
  read: 'dashboard.campaigns.figures.read',
  answered: 'dashboard.campaigns.figures.answered',
  given: 'dashboard.campaigns.figures.given',
  refused: 'dashboard.campaigns.figures.refused',
  noAnswer: 'dashboard.campaigns.figures.noAnswer',
  planned: 'dashboard.campaigns.figures.planned',
  skipped: 'dashboard.campaigns.figures.skipped',
  failed: 'dashboard.campaigns.figures.failed',
} as const

/**
 * The campaign's button: pause while it sends, resume (start, if it never ran) while paused and
 * no other sends (the bot sends one campaign at a time, and would refuse). None once done.
 */
function button(campaign: CampaignProgress, view: CampaignPanelView, t: PageText, otherSending: boolean): Html {
  const { forms } = view
  const state = campaign.status
  if (!forms || state.status === 'done') return html``
  if (state.status === 'paused' && otherSending) return html`<p class="muted">${t('dashboard.campaigns.otherRunning')}</p>\n`
  const step = state.status === 'running' ? 'pause' : 'resume'
  const label = state.status === 'running' ? 'pause' : state.reason === 'not started' ? 'start' : 'resume'
  // Every campaign's button says the same; the hidden words tell a screen reader's list of buttons apart.
  return html`<form method="post" action="${forms.action(campaign.id, step)}"><input type="hidden" name="csrf" value="${forms.csrf}"><button type="submit" data-action="${step}">${t(`dashboard.campaigns.${label}`)}<span class="sr"> ${t('dashboard.campaigns.forCampaign', { source: campaign.source })}</span></button></form>\n`
}

function campaignArticle(campaign: CampaignProgress, view: CampaignPanelView, t: PageText, now: Date, otherSending: boolean): Html {
  const id = `campaign-${campaign.id}`
  const { counts, total } = campaign
  // Written to, skipped or failed: nothing more will be done for them, so a campaign done is a full bar.
  const done = counts.sent + counts.skipped + counts.failed
  const progress = html`<label for="${id}-progress">${t('dashboard.campaigns.progress', { done, total })}</label>`
  return html`<article id="${id}" data-campaign="${campaign.id}" data-status="${campaign.status.status}" aria-labelledby="${id}-title">
<h3 id="${id}-title">${campaign.source}</h3>
<p class="muted">${when(campaign.createdAt, view, now, (time) => t('dashboard.campaigns.created', { time }))} · <code>${campaign.id}</code></p>
<p class="status">${status(campaign, t)}</p>
<p class="progress">${progress}${total > 0 ? html` <progress id="${id}-progress" max="${total}" value="${done}">${new Intl.NumberFormat(view.locale, { style: 'percent' }).format(done / total)}</progress>` : ''}</p>
${campaign.nextAt ? html`<p class="next">${when(campaign.nextAt, view, now, (time) => t('dashboard.campaigns.nextAt', { time }))}</p>\n` : ''}${campaign.etaAt ? html`<p class="eta">${when(campaign.etaAt, view, now, (time) => t('dashboard.campaigns.etaAt', { time }))}</p>\n` : ''}<div class="table" role="region" aria-labelledby="${id}-title" tabindex="0"><table class="figures"><thead><tr><th>${t('dashboard.campaigns.columns.figure')}</th><th class="n">${t('dashboard.campaigns.columns.clients')}</th></tr></thead>
<tbody>${figures(campaign).map(([figure, n]) => html`<tr data-figure="${figure}"><th scope="row">${t(FIGURE_KEYS[figure])}</th><td class="n">${n}</td></tr>\n`)}</tbody></table></div>
${button(campaign, view, t, otherSending)}</article>
`
}

/**
 * Where the upload form posts: /admin/campaigns/upload with the query the campaigns' buttons keep
 * (the page's language, the token it was opened with), read off their own action.
 */
function uploadAction(forms: NonNullable<CampaignPanelView['forms']>): string {
  const sample = forms.action('upload', 'pause')
  const query = sample.indexOf('?')
  return `/admin/campaigns/upload${query === -1 ? '' : sample.slice(query)}`
}

/**
 * The owner's list, chosen on their computer and checked first: nothing is sent until they press
 * Start on the check's page. The same choices as the command's --known and --faster.
 */
function uploadForm(forms: NonNullable<CampaignPanelView['forms']>, t: PageText): Html {
  return html`<form id="campaign-upload" method="post" enctype="multipart/form-data" action="${uploadAction(forms)}" aria-labelledby="campaign-upload-title">
<h3 id="campaign-upload-title">${t('dashboard.campaigns.upload.title')}</h3>
<p class="muted">${t('dashboard.campaigns.upload.note')}</p>
<input type="hidden" name="csrf" value="${forms.csrf}">
<p><label for="campaign-upload-list">${t('dashboard.campaigns.upload.file')}</label><br><input type="file" id="campaign-upload-list" name="list" accept=".csv,text/csv" required></p>
<p class="choice"><input type="checkbox" id="campaign-upload-known" name="known" value="on"> <label for="campaign-upload-known">${t('dashboard.campaigns.upload.known')}</label></p>
<p class="choice"><input type="checkbox" id="campaign-upload-faster" name="faster" value="on" aria-describedby="campaign-upload-faster-warning"> <label for="campaign-upload-faster">${t('dashboard.campaigns.upload.faster')}</label><br><span id="campaign-upload-faster-warning" class="muted">${t('dashboard.campaigns.upload.fasterWarning')}</span></p>
<p><button type="submit" data-action="check">${t('dashboard.campaigns.upload.check')}</button></p>
</form>
`
}

/**
 * The panel, in the page's words `t`, read at `now`. Without a campaign it says how to make a
 * first one, without sending anything.
 */
export function campaignPanel(view: CampaignPanelView, t: PageText, now: Date): Html {
  const sending = view.campaigns.find((c) => c.status.status === 'running')
  const body = view.campaigns.length
    ? html`<p class="muted">${t('dashboard.campaigns.note')}</p>
${view.campaigns.map((campaign) => campaignArticle(campaign, view, t, now, sending !== undefined && sending !== campaign))}${view.download ? html`<p><a href="${view.download}" download id="download-campaigns">${t('dashboard.campaigns.download')}</a></p>\n` : ''}`
    : html`<p id="campaigns-empty">${t('dashboard.campaigns.empty')} <code>${FIRST_CAMPAIGN}</code></p>\n`
  return html`<section id="campaigns">
<h2 id="campaigns-title">${t('dashboard.campaigns.title')}</h2>
${body}${view.forms ? uploadForm(view.forms, t) : ''}</section>
`
}

export const CAMPAIGN_STYLE = `
#campaigns article { border-top: 1px solid var(--line); margin-top: 1rem; }
#campaigns h3 { font-size: 1.05rem; margin: .75rem 0 .1rem; overflow-wrap: anywhere; }
#campaigns p { margin: .25rem 0; }
#campaigns code { overflow-wrap: anywhere; }
#campaigns progress { width: min(18rem, 100%); vertical-align: middle; accent-color: var(--accent); }
#campaigns table.figures th[scope="row"] { font-weight: normal; }
#campaigns form { position: relative; margin: .25rem 0 1rem; }
#campaigns button { font: inherit; padding: .25rem .6rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--bg); color: var(--accent); cursor: pointer; }
/* Resuming is what a paused campaign waits for; pausing is the quieter one. */
#campaigns button[data-action="resume"], #campaigns button[data-action="check"], #campaigns button[data-action="start"] { background: var(--accent); color: var(--bg); }
#campaign-upload { border-top: 1px solid var(--line); padding-top: .25rem; }
#campaign-upload input[type="file"] { font: inherit; max-width: 100%; margin-top: .25rem; }
#campaign-upload p.choice { padding-left: 1.6rem; text-indent: -1.6rem; }
#campaign-upload p.choice input { width: 1.1rem; height: 1.1rem; margin: 0 .4rem 0 0; vertical-align: -.15rem; }
#campaigns .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`
