/**
 * GET /admin: the dashboard, from one read of the data, in the owner's language, with its links
 * and forms keeping the token the page was opened with (a header does not follow a link).
 */
import type { Flow } from '../../domain/flow.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { Texts } from '../../ports/texts.js'
import type { StoreFault } from '../engine.js'
import { pageTexts } from '../page-texts.js'
import { dashboardNames, dashboardPage, dashboardStats } from './dashboard.js'
import { staffOverview } from './staff-chats.js'
import type { StaffSectionView } from './staff-section.js'

export interface AdminPageInput {
  data: ConsentData
  now: Date
  language: Language
  /** The query the page was opened with: its token is kept on every link and form. */
  token: string | undefined
  policy: Policy
  flow: Flow
  texts: Texts
  ledgerKey?: string | undefined
  storeFault?: StoreFault | undefined
  /** The form token, when the server can pause and resume chats (the buttons show then). */
  csrf?: string | undefined
  /** The zone the section on chats writes local times in (default: this computer's). */
  timeZone?: string | undefined
}

export function adminPage(input: AdminPageInput): string {
  const { data, now, language, policy, flow, texts } = input
  const tokenQuery = input.token ? `token=${encodeURIComponent(input.token)}` : ''
  const link = (to: string, query = '') => {
    const search = [query, tokenQuery].filter(Boolean).join('&')
    return search ? `${to}?${search}` : to
  }
  const t = pageTexts(texts, language)
  // The page's language rides along on the forms, so the page comes back in it.
  const langQuery = `lang=${language}`
  const staff: StaffSectionView = {
    overview: staffOverview(Object.values(data.contacts), now),
    locale: t('privacy.dateLocale'),
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    ...(input.csrf
      ? { forms: { pause: link('/admin/chats/pause', langQuery), resume: link('/admin/chats/resume', langQuery), csrf: input.csrf } }
      : {}),
  }
  return dashboardPage(
    dashboardStats(data, flow, policy),
    policy.controller.name,
    now,
    {
      ledgerCsv: link('/admin/export.csv', 'what=ledger'),
      contactsCsv: link('/admin/export.csv', 'what=contacts'),
      json: link('/admin/export.json'),
      xlsx: link('/admin/export.xlsx'),
    },
    t,
    { ledgerKey: input.ledgerKey, storeFault: input.storeFault, staff },
    {
      language,
      names: dashboardNames(texts, language, flow, policy),
      languages: LANGUAGES.map((l) => ({
        language: l,
        name: pageTexts(texts, l)('privacy.languageName'),
        href: link('/admin', `lang=${l}`),
      })),
    },
  )
}
