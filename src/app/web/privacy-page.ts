/**
 * The public /privacy page: the data-use notice a contact reads in the chat (INFO), from the same
 * policy and texts, as a web page in each language.
 */
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { Texts } from '../../ports/texts.js'
import { noticeVars } from '../notice.js'
import { type Html, html, page, whatsappToHtml } from './html.js'
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

/**
 * The line naming the ledger key's fingerprint, the fingerprint itself in <code> (wherever the
 * owner's words put `{{fingerprint}}`; after them when they leave it out).
 */
function ledgerKeyLine(frame: PageText, fingerprint: string): Html {
  const MARK = '\u0000'
  const [before = '', ...rest] = frame('privacy.ledgerKey', { fingerprint: MARK }).split(MARK)
  const code = html`<code class="fingerprint">${fingerprint}</code>`
  return rest.length ? html`${before}${code}${rest.join(fingerprint)}` : html`${before} ${code}`
}

/** The page; `ledgerKey`, the fingerprint of the key that seals the ledger, is shown when there is one. */
export function privacyPage(policy: Policy, texts: Texts, language: Language, ledgerKey?: string): string {
  // The page's own words, around the owner's texts: locales/<lang>/pages.json.
  const frame = pageTexts(texts, language)
  const languageName = (l: Language) => pageTexts(texts, l)('privacy.languageName')
  // The page is the notice: its own "full notice at <link>" line would point at itself.
  const vars = { ...noticeVars(policy, texts, language), noticeLink: '' }
  const notice = whatsappToHtml(texts.render(language, 'notice.full', vars))
  const date = versionDate(policy.version, frame('privacy.dateLocale'))
  const t = (key: string) => texts.render(language, key, vars)
  const title = frame('privacy.title')
  const body = html`<main>
<nav class="languages" aria-label="${languageName(language)}">${LANGUAGES.map((l) =>
    l === language
      ? html`<span aria-current="true" lang="${l}">${languageName(l)}</span>`
      : html`<a href="?lang=${l}" hreflang="${l}" lang="${l}">${languageName(l)}</a>`,
  )}</nav>
<header>
<h1>${policy.controller.name}</h1>
<p class="muted" id="policy-version">${title} · ${frame('privacy.version', { version: policy.version })}${date ? ` · ${frame('privacy.since', { date })}` : ''}</p>
</header>
<section id="notice">
${notice}
</section>
<section id="channels">
<h2>${frame('privacy.channels')}</h2>
<ul>
${policy.channels.map((c) => html`<li>${c.link ? html`<a href="${c.link}" rel="noopener noreferrer">${t(`channels.${c.channel}`)}</a>` : t(`channels.${c.channel}`)}</li>\n`)}</ul>
</section>
<section id="controller">
<h2>${frame('privacy.controller')}</h2>
${whatsappToHtml(`${policy.controller.name}: ${policy.controller.contact}`)}
</section>
${ledgerKey ? html`<section id="ledger-key">\n<p>${ledgerKeyLine(frame, ledgerKey)}</p>\n</section>\n` : ''}</main>`
  return page({ title: `${title} · ${policy.controller.name}`, language, body })
}

/**
 * The policy as the bot uses it when the pages have a public address: with no page of the
 * owner's own (`noticeUrl` in policy.yaml), the notice links to `<publicUrl>/privacy`. The
 * owner's page wins: it is what they wrote in the versioned policy, and may say more.
 */
export function withNoticePage(policy: Policy, publicUrl: string | undefined): Policy {
  return policy.noticeUrl || !publicUrl ? policy : { ...policy, noticeUrl: `${publicUrl}/privacy` }
}
