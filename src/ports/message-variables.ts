/**
 * The `{{variables}}` each text of `locales/<lang>/messages.json` is given when the bot sends it:
 * the one place they are declared. `npm run check` (src/adapters/locale-files/messages-file.ts)
 * holds every text to it, so no contact ever receives a raw `{{…}}`; the code that fills them in
 * (src/app/reply-texts.ts, notice.ts, contact-texts.ts) must give each text what is listed here.
 */

/** The policy's: what every reply and the notice are given (src/app/notice.ts, noticeVars). */
export const POLICY_VARIABLES = [
  'business',
  'controllerContact',
  'policyVersion',
  'data',
  'purposes',
  'retention',
  'purposeDetails',
  'noticeLink',
  'options',
  'businessHours',
] as const

/**
 * What a text the flow says (a step's text, a question, an answer's or a command's reply) is
 * given: the policy's, and the contact's (src/app/reply-texts.ts, replies).
 */
export const REPLY_VARIABLES = [
  ...POLICY_VARIABLES,
  'channel',
  'handle',
  'link',
  'summary',
  'myData',
  'purposeOptions',
  'choices',
  'choiceCount',
  'receipt',
  'changes',
] as const

/**
 * Texts the bot composes itself, with the variables each is given; `*` stands for one part of a
 * key (`purposes.*.name`). A text not matched here is said by the flow and gets REPLY_VARIABLES.
 */
export const BOT_TEXT_VARIABLES: readonly (readonly [pattern: string, variables: readonly string[]])[] = [
  // The notice, as shown in the chat and on the /privacy page, and hashed into every record.
  ['notice.summary', POLICY_VARIABLES],
  ['notice.full', POLICY_VARIABLES],
  ['notice.link', ['url']],
  ['notice.required', []],
  ['notice.optional', []],
  ['purposes.*.name', []],
  ['purposes.*.description', []],
  // What a contact gets in return for a purpose: on the /privacy page.
  ['purposes.*.inReturn', []],
  ['data.*', []],
  ['retention.*', ['count']],
  ['channels.*', []],
  ['choices.*', []],
  ['list.and', []],
  ['summary.purpose', ['purpose', 'state']],
  ['summary.given', []],
  ['summary.refused', []],
  ['summary.withdrawn', []],
  ['summary.lapsed', []],
  ['summary.none', []],
  ['summary.channel', ['channel']],
  ['summary.channelWithHandle', ['channel', 'handle']],
  ['myData.language', ['language']],
  ['myData.languageName', []],
  ['myData.since', ['date']],
  ['myData.purpose', ['purpose', 'state', 'date', 'receipt']],
  ['myData.noConsents', []],
  ['myData.channel', ['channel']],
  ['myData.channelWithHandle', ['channel', 'handle']],
  ['rights.purposeOption', ['number', 'purpose', 'state']],
  ['reconsent.version', ['from', 'to']],
  ['reconsent.newPurpose', ['purpose']],
  ['reconsent.removedPurpose', ['purpose']],
  ['reconsent.newData', ['data']],
  ['reconsent.retention', ['retention', 'before']],
  ['reconsent.expired', ['purpose', 'date', 'days']],
  // The WhatsApp profile's About (--whatsapp-about on): at most 139 characters once filled in.
  ['whatsapp.about', ['business', 'url']],
  // The staff's hours, in {{businessHours}} (src/app/business-hours.ts).
  ['human.hours', ['hours']],
  ['human.days', ['first', 'last']],
  // Told to the staff's WhatsApp when a chat waits for a person (src/app/staff-texts.ts).
  ['staff.asked', ['who', 'message']],
  ['staff.message', ['who', 'message']],
  ['staff.contact', ['contact']],
  ['staff.anonymous', ['principal']],
  ['staff.quote', ['message']],
  // Sent outside any step (src/app/engine.ts, ReplyTexts.plain): given nothing.
  ['errors.sorry', []],
  ['errors.slowDown', []],
  ['errors.savingLater', []],
  ['errors.notSaved', []],
]

/** Plural forms (`retention.months_one`) are given what their text is, and `count`. */
const PLURAL = /_(zero|one|two|few|many|other)$/

/** The variables a text of messages.json is given, by its key (`consent.hint`). */
export function messageVariables(key: string): readonly string[] {
  const base = key.replace(PLURAL, '')
  const parts = base.split('.')
  for (const [pattern, variables] of BOT_TEXT_VARIABLES) {
    const want = pattern.split('.')
    if (want.length === parts.length && want.every((p, i) => p === '*' || p === parts[i]))
      return base === key ? variables : [...variables, 'count']
  }
  return base === key ? REPLY_VARIABLES : [...REPLY_VARIABLES, 'count']
}
