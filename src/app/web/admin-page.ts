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
import { CAMPAIGN_STYLE, campaignPanel } from './campaign-panel.js'
import { dashboardNames, dashboardPage, dashboardStats } from './dashboard.js'
import type { Html } from './html.js'
import { numbersNav } from './numbers.js'
import { staffOverview } from './staff-chats.js'
import type { StaffSectionView } from './staff-section.js'
import type { CampaignProgress } from '../../domain/campaign.js'

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
  /**
   * On PostgreSQL, the numbers of the database and the one shown: the page links to the others,
   * and its own links keep the number shown. Another number's page has no staff buttons (no csrf).
   */
  numbers?: { shown: string; current: string; names: string[] } | undefined
  /**
   * The number's campaigns, newest first, with their figures (the running bot's own number only):
   * their panel shows, with its buttons when `csrf` is set. Absent (no bot to send them): no panel.
   */
  campaigns?: CampaignProgress[] | undefined
}

export function adminPage(input: AdminPageInput): string {
  const { data, now, language, policy, flow, texts } = input
  const tokenQuery = input.token ? `token=${encodeURIComponent(input.token)}` : ''
  const link = (to: string, query = '') => {
    const search = [query, tokenQuery].filter(Boolean).join('&')
    return search ? `${to}?${search}` : to
  }
  const { numbers } = input
  // Another number's page keeps it on its downloads and language links.
  const numberQuery = numbers && numbers.shown !== numbers.current ? `number=${encodeURIComponent(numbers.shown)}&` : ''
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
  const campaigns =
    input.campaigns &&
    campaignPanel(
      {
        campaigns: input.campaigns,
        locale: staff.locale,
        ...(input.timeZone ? { timeZone: input.timeZone } : {}),
        ...(input.csrf
          ? { forms: { action: (id, step) => link(`/admin/campaigns/${encodeURIComponent(id)}/${step}`, langQuery), csrf: input.csrf } }
          : {}),
        download: link('/admin/export.csv', 'what=campaigns'),
      },
      t,
      now,
    )
  const dashboard = dashboardPage(
    dashboardStats(data, flow, policy),
    policy.controller.name,
    now,
    {
      ledgerCsv: link('/admin/export.csv', `${numberQuery}what=ledger`),
      contactsCsv: link('/admin/export.csv', `${numberQuery}what=contacts`),
      json: link('/admin/export.json', numberQuery.slice(0, -1)),
      xlsx: link('/admin/export.xlsx', numberQuery.slice(0, -1)),
    },
    t,
    {
      ledgerKey: input.ledgerKey,
      storeFault: input.storeFault,
      staff,
      ...(numbers
        ? {
            numbers: numbersNav({ ...numbers, href: (name) => link('/admin', `number=${encodeURIComponent(name)}&${langQuery}`) }, t),
          }
        : {}),
    },
    {
      language,
      names: dashboardNames(texts, language, flow, policy),
      languages: LANGUAGES.map((l) => ({
        language: l,
        name: pageTexts(texts, l)('privacy.languageName'),
        href: link('/admin', `${numberQuery}lang=${l}`),
      })),
    },
  )
  return campaigns ? withCampaigns(dashboard, campaigns) : dashboard
}

/**
 * The page with the campaign panel after the chats waiting for a person (what staff open the
 * page for) and before the figures, and its style with the page's. Replaced by functions: a
 * replacement string would read `$&` in a file's name as a pattern.
 */
function withCampaigns(dashboard: string, panel: Html): string {
  const before = '<section id="totals">'
  return dashboard.replace('</style>', () => `${CAMPAIGN_STYLE}</style>`).replace(before, () => panel.value + before)
}
