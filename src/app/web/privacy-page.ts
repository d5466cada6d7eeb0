/**
 * The public /privacy page: the data-use notice a contact reads in the chat (INFO), from the same
 * policy and texts, as a web page in each language.
 */
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { LegalBasis, Policy, RecipientRole } from '../../domain/policy.js'
import type { Texts } from '../../ports/texts.js'
import { noticeVars } from '../notice.js'
import { type Html, html, page, whatsappToHtml } from './html.js'
import type { PageTextKey } from '../../ports/page-texts.js'
import { type PageText, pageTexts } from '../page-texts.js'

/** The policy version as a date, when the owner wrote it as one (the usual way: `2026-11-01`). */
function versionDate(version: string, dateLocale: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return undefined
  const date = new Date(`${version}T00:00:00Z`)
  if (Number.isNaN(date.getTime())) return undefined
  return new Intl.DateTimeFormat(dateLocale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date)
}

/**
 * Which language to show: `?lang=` when it is one the bot speaks, else the browser's first
 * known preference, else the bot's default.
 */
export function pickLanguage(requested: string | null, acceptLanguage: string | undefined, fallback: Language): Language {
  const known = (tag: string | null | undefined) => LANGUAGES.find((l) => tag?.trim().toLowerCase().split('-')[0] === l)
  const asked = known(requested)
  if (asked) return asked
  const preferences = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.split(';')
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      )
      return { tag, q: Number.isNaN(q) ? 0 : q }
    })
    .filter((p) => p.q > 0)
    .sort((a, b) => b.q - a.q)
  for (const { tag } of preferences) {
    const language = known(tag)
    if (language) return language
  }
  return fallback
}

/** A page text with one `{{variable}}` replaced by markup (a link, a code): the text's words around it, escaped. */
function withPart<K extends 'privacy.ledgerKey' | 'privacy.complaint' | 'privacy.rightWord' | 'privacy.earlierNote'>(
  frame: PageText,
  key: K,
  variable: string,
  part: Html,
): Html {
  const MARK = '\u0000'
  const render = frame as unknown as (key: string, vars: Record<string, string>) => string
  const [before = '', ...rest] = render(key, { [variable]: MARK }).split(MARK)
  return rest.length ? html`${before}${part}${rest.join('')}` : html`${before} ${part}`
}

/** A region's name in the reader's language (`US` → "Estados Unidos"), or the code when unknown. */
function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code
  } catch {
    return code
  }
}

const BASIS_KEYS = {
  consent: 'privacy.bases.consent',
  contract: 'privacy.bases.contract',
  'legal obligation': 'privacy.bases.legalObligation',
  'vital interests': 'privacy.bases.vitalInterests',
  'public task': 'privacy.bases.publicTask',
  'legitimate interest': 'privacy.bases.legitimateInterest',
} as const satisfies Record<LegalBasis, PageTextKey>

const ROLE_KEYS = {
  processor: 'privacy.roles.processor',
  controller: 'privacy.roles.controller',
  'joint controller': 'privacy.roles.jointController',
} as const satisfies Record<RecipientRole, PageTextKey>

/** One earlier version of the notice as the ledger keeps it: the exact text under its hash. */
export interface EarlierNotice {
  hash: string
  policyVersion: string
  /** The language it was shown in (a language the bot no longer speaks stays readable). */
  language: string
  text: string
}

/** The versions of the notice the ledger refers to, newest first (the owner's dates sort as text). */
export function noticeVersions(notices: Record<string, { policyVersion: string }>): string[] {
  return [...new Set(Object.values(notices).map((n) => n.policyVersion))].sort((a, b) => b.localeCompare(a))
}

const STYLE = `
section ul { padding-left: 1.25rem; }
address { font-style: normal; }
dl.contact { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.contact dt { color: var(--muted); }
dl.contact dd { margin: 0; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
`

function languageNav(texts: Texts, language: Language): Html {
  const languageName = (l: Language) => pageTexts(texts, l)('privacy.languageName')
  return html`<nav class="languages" aria-label="${languageName(language)}">${LANGUAGES.map((l) =>
    l === language
      ? html`<span aria-current="true" lang="${l}">${languageName(l)}</span>`
      : html`<a href="?lang=${l}" hreflang="${l}" lang="${l}">${languageName(l)}</a>`,
  )}</nav>`
}

/**
 * The page; `ledgerKey`, the fingerprint of the key that seals the ledger, is shown when there is
 * one; `versions`, the policy versions the ledger's notices belong to, are listed with links.
 */
export function privacyPage(policy: Policy, texts: Texts, language: Language, ledgerKey?: string, versions: string[] = []): string {
  // The page's own words, around the owner's texts: locales/<lang>/pages.json.
  const frame = pageTexts(texts, language)
  // The page is the notice: its own "full notice at <link>" line would point at itself.
  const vars: Record<string, string> = { ...noticeVars(policy, texts, language), noticeLink: '' }
  const notice = whatsappToHtml(texts.render(language, 'notice.full', vars))
  const locale = frame('privacy.dateLocale')
  const date = versionDate(policy.version, locale)
  const t = (key: string) => texts.render(language, key, vars)
  const title = frame('privacy.title')
  const { controller } = policy
  const home = policy.jurisdiction.slice(0, 2)
  const abroad = [...new Set(policy.recipients.map((r) => r.country).filter((c) => c !== home))]
  const words = texts.answerWords(language)
  const earlier = versions.filter((v) => v !== policy.version)
  const address = [
    controller.address.street,
    [controller.address.postalCode, controller.address.locality].filter(Boolean).join(' '),
    controller.address.region,
    countryName(controller.address.country, locale),
  ].filter((line): line is string => Boolean(line))
  const body = html`<main>
${languageNav(texts, language)}
<header>
<h1>${controller.name}</h1>
<p class="muted" id="policy-version">${title} · ${frame('privacy.version', { version: policy.version })}${date ? ` · ${frame('privacy.since', { date })}` : ''}</p>
</header>
<section id="notice">
${notice}
</section>
<section id="purposes">
<h2>${frame('privacy.purposesTitle')}</h2>
${policy.purposes.map(
  (p) => html`<h3>${t(`purposes.${p.id}.name`)} (${t(p.required ? 'notice.required' : 'notice.optional')})</h3>
<p>${t(`purposes.${p.id}.description`)}</p>
<p class="basis">${frame('privacy.basis', { basis: frame(BASIS_KEYS[p.basis]) })}</p>
<p class="in-return"><strong>${frame('privacy.inReturn')}</strong> ${t(`purposes.${p.id}.inReturn`)}</p>
`,
)}<p id="retention">${frame('privacy.retention', { retention: vars.retention ?? '' })}</p>
</section>
<section id="recipients">
<h2>${frame('privacy.recipientsTitle')}</h2>
<ul>
${policy.recipients.map(
  (r) =>
    html`<li>${frame('privacy.recipient', { name: r.name, role: frame(ROLE_KEYS[r.role]), country: countryName(r.country, locale) })}</li>\n`,
)}</ul>
<p id="transfers">${
    abroad.length
      ? frame('privacy.transfers', {
          jurisdiction: countryName(home, locale),
          countries: listOf(
            abroad.map((c) => countryName(c, locale)),
            t('list.and'),
          ),
        })
      : frame('privacy.noTransfers', { jurisdiction: countryName(home, locale) })
  }</p>
</section>
<section id="rights">
<h2>${frame('privacy.rightsTitle')}</h2>
<ul>
${policy.rights.map((use) => {
  const word = use.command ? words[use.command]?.[0] : undefined
  const how = word
    ? withPart(frame, 'privacy.rightWord', 'word', html`<strong>${word.toLocaleUpperCase(language)}</strong>`)
    : frame('privacy.rightContact', { contact: controller.contact })
  return html`<li id="right-${use.right}">${frame(`privacy.rights.${use.right}`)}: ${how}</li>\n`
})}</ul>
</section>
<section id="complaint">
<h2>${frame('privacy.complaintTitle')}</h2>
<p>${withPart(frame, 'privacy.complaint', 'authority', html`<a href="${policy.authority.website}" rel="noopener noreferrer">${policy.authority.name}</a>`)}</p>
</section>
<section id="channels">
<h2>${frame('privacy.channels')}</h2>
<ul>
${policy.channels.map((c) => html`<li>${c.link ? html`<a href="${c.link}" rel="noopener noreferrer">${t(`channels.${c.channel}`)}</a>` : t(`channels.${c.channel}`)}</li>\n`)}</ul>
</section>
<section id="controller">
<h2>${frame('privacy.controller')}</h2>
<p>${controller.name}</p>
<dl class="contact">
<dt>${frame('privacy.contact')}</dt><dd>${controller.contact}</dd>
${controller.email && controller.email !== controller.contact ? html`<dt>${frame('privacy.email')}</dt><dd>${controller.email}</dd>\n` : ''}<dt>${frame('privacy.phone')}</dt><dd>${controller.phone}</dd>
<dt>${frame('privacy.address')}</dt><dd><address>${address.map((line, i) => (i ? html`<br>${line}` : line))}</address></dd>
</dl>
</section>
${
  earlier.length
    ? html`<section id="versions">
<h2>${frame('privacy.versionsTitle')}</h2>
<ul>
<li>${frame('privacy.version', { version: policy.version })} (${frame('privacy.current')})</li>
${earlier.map((v) => html`<li><a href="privacy/${encodeURIComponent(v)}?lang=${language}">${frame('privacy.version', { version: v })}</a></li>\n`)}</ul>
</section>
`
    : ''
}${ledgerKey ? html`<section id="ledger-key">\n<p>${withPart(frame, 'privacy.ledgerKey', 'fingerprint', html`<code class="fingerprint">${ledgerKey}</code>`)}</p>\n</section>\n` : ''}</main>`
  return page({ title: `${title} · ${controller.name}`, language, body, style: STYLE })
}

/**
 * An earlier version of the notice, read-only: the exact texts the ledger's records refer to
 * (data/notices.json), in `language` when kept in it, else in every language kept.
 */
export function earlierNoticePage(notices: EarlierNotice[], business: string, texts: Texts, language: Language): string {
  const frame = pageTexts(texts, language)
  const version = notices[0]!.policyVersion
  const shown = notices.some((n) => n.language === language) ? notices.filter((n) => n.language === language) : notices
  const title = frame('privacy.earlierTitle', { version })
  const body = html`<main>
${languageNav(texts, language)}
<header>
<h1>${business}</h1>
<p class="muted" id="policy-version">${title}</p>
<p><a href="../privacy?lang=${language}">${frame('privacy.currentLink')}</a></p>
</header>
${shown.map(
  (n) => html`<section class="earlier-notice" lang="${n.language}">
<p class="muted">${withPart(frame, 'privacy.earlierNote', 'hash', html`<code>${n.hash}</code>`)}</p>
${whatsappToHtml(n.text)}
</section>
`,
)}</main>`
  return page({ title: `${title} · ${business}`, language, body, style: STYLE })
}

function listOf(items: string[], and: string): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')}${and}${items.at(-1)}`
}

/**
 * The policy as the bot uses it when the pages have a public address: with no page of the
 * owner's own (`noticeUrl` in policy.yaml), the notice links to `<publicUrl>/privacy`. The
 * owner's page wins: it is what they wrote in the versioned policy, and may say more.
 */
export function withNoticePage(policy: Policy, publicUrl: string | undefined): Policy {
  return policy.noticeUrl || !publicUrl ? policy : { ...policy, noticeUrl: `${publicUrl}/privacy` }
}
