/**
 * The words of the pages and pictures: the /privacy page's frame, the /admin dashboard and the
 * flow diagram. The bot never sends them in the chat; an owner edits them in
 * `locales/<lang>/pages.json`, and `Texts.render` reads them as `pages:<key>`.
 *
 * The list below is what the owner's files are checked against: every key in every language, and
 * in each text only the `{{variables}}` named here.
 */
export const PAGES_NAMESPACE = 'pages'

export const PAGE_TEXTS = {
  'privacy.languageName': [],
  'privacy.dateLocale': [],
  'privacy.title': [],
  'privacy.version': ['version'],
  'privacy.since': ['date'],
  'privacy.channels': [],
  'privacy.controller': [],
  'privacy.ledgerKey': ['fingerprint'],

  'dashboard.pageTitle': ['business'],
  'dashboard.title': ['business'],
  'dashboard.readAt': ['time'],
  'dashboard.contacts': [],
  'dashboard.records': [],
  'dashboard.language': [],
  'dashboard.headline.title': [],
  'dashboard.headline.note': [],
  'dashboard.asTable': [],
  'dashboard.days.title': [],
  'dashboard.days.note': ['days'],
  'dashboard.days.chart': [],
  'dashboard.days.empty': [],
  'dashboard.purposes.title': [],
  'dashboard.purposes.chart': [],
  'dashboard.channels.title': [],
  'dashboard.channels.chart': [],
  'dashboard.channels.none': [],
  'dashboard.channels.note': [],
  'dashboard.steps.title': [],
  'dashboard.steps.note': ['contacts'],
  'dashboard.steps.chart': [],
  'dashboard.series.given': [],
  'dashboard.series.refused': [],
  'dashboard.series.withdrawn': [],
  'dashboard.series.withdrawnOrLapsed': [],
  'dashboard.series.lapsed': [],
  'dashboard.series.notAnswered': [],
  'dashboard.series.contact': [],
  'dashboard.series.contacts': [],
  'dashboard.series.linkSent': [],
  'dashboard.series.confirmed': [],
  'dashboard.series.stays': [],
  'dashboard.series.pending': [],
  'dashboard.columns.day': [],
  'dashboard.columns.purpose': [],
  'dashboard.columns.channel': [],
  'dashboard.columns.step': [],
  'dashboard.columns.given': [],
  'dashboard.columns.givenShare': [],
  'dashboard.columns.refused': [],
  'dashboard.columns.withdrawn': [],
  'dashboard.columns.withdrawnOrLapsed': [],
  'dashboard.columns.lapsed': [],
  'dashboard.columns.notAnswered': [],
  'dashboard.columns.contacts': [],
  'dashboard.columns.share': [],
  'dashboard.columns.asked': [],
  'dashboard.columns.notAsked': [],
  'dashboard.columns.chose': [],
  'dashboard.columns.linkSent': [],
  'dashboard.columns.confirmed': [],
  'dashboard.columns.pending': [],
  'dashboard.export.title': [],
  'dashboard.export.warning': [],
  'dashboard.export.ledger': [],
  'dashboard.export.ledgerNote': [],
  'dashboard.export.contacts': [],
  'dashboard.export.contactsNote': [],
  'dashboard.export.json': [],
  'dashboard.ledgerKey': ['fingerprint'],
  'dashboard.fault.title': [],
  'dashboard.fault.reason.full': [],
  'dashboard.fault.reason.readOnly': [],
  'dashboard.fault.reason.forbidden': [],
  'dashboard.fault.reason.failing': [],
  'dashboard.fault.since': ['time'],
  'dashboard.fault.waiting': ['messages'],
  'dashboard.fault.todo.full': [],
  'dashboard.fault.todo.readOnly': [],
  'dashboard.fault.todo.forbidden': [],
  'dashboard.fault.todo.failing': [],
  'dashboard.fault.after': [],

  'diagram.title': [],
  'diagram.source': [],
  'diagram.legendTitle': [],
  'diagram.legend.steps': [],
  'diagram.legend.answers': [],
  'diagram.legend.marks': [],
  'diagram.legend.stays': [],
  'diagram.legend.rights': [],
  'diagram.legend.start': [],
  'diagram.legend.waits': [],
  'diagram.legend.anyStep': [],
  'diagram.anyStep': [],
  'diagram.reconsent': [],
  'diagram.access': [],
  'diagram.erasure': [],
  'diagram.all': [],
  'diagram.language': [],
  'diagram.nextMessage': [],
  'diagram.channelSaved': [],
  'diagram.channelStep': [],
} as const satisfies Record<string, readonly string[]>

export type PageTextKey = keyof typeof PAGE_TEXTS

/** The `{{variables}}` a page text is given. */
export type PageTextVars<K extends PageTextKey> = (typeof PAGE_TEXTS)[K] extends readonly []
  ? Record<string, never>
  : Record<(typeof PAGE_TEXTS)[K][number], string | number>

/** Where each part of pages.json is shown, for the owner's problem lines. */
export const PAGE_TEXT_PLACES: Record<string, string> = {
  privacy: 'shown on the privacy page, /privacy',
  dashboard: 'shown on the dashboard, /admin',
  diagram: 'shown in the picture of npm run flow:diagram',
}
