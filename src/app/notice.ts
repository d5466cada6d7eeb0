/**
 * The data-use notice, rendered from the policy and the owner's texts: the same words in the
 * chat (INFO), on the public /privacy page, and in the hash every consent record refers to.
 */
import { describeHours } from './business-hours.js'
import { createHash } from 'node:crypto'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { Texts } from '../ports/texts.js'

/** Variables every text may use: the business, the policy, the channels on offer. */
export function noticeVars(policy: Policy, texts: Texts, language: Language): Record<string, string> {
  const t = (key: string, vars?: Record<string, unknown>) => texts.render(language, key, vars)
  const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')}${t('list.and')}${items.at(-1)}`)
  return {
    business: policy.controller.name,
    controllerContact: policy.controller.contact,
    policyVersion: policy.version,
    data: list(policy.collects.map((d) => t(`data.${d}`))),
    purposes: list(policy.purposes.map((p) => t(`purposes.${p.id}.name`))),
    retention: t(`retention.${policy.retention.unit}`, { count: policy.retention.amount }),
    purposeDetails: policy.purposes
      .map(
        (p) =>
          `• *${t(`purposes.${p.id}.name`)}* (${t(p.required ? 'notice.required' : 'notice.optional')}): ${t(`purposes.${p.id}.description`)}`,
      )
      .join('\n'),
    noticeLink: policy.noticeUrl ? t('notice.link', { url: policy.noticeUrl }) : '',
    options: policy.channels.map((c, i) => `${i + 1}. ${t(`channels.${c.channel}`)}`).join('\n'),
    businessHours: policy.staff.hours ? t('human.hours', { hours: describeHours(policy.staff.hours, language, texts) }) : '',
  }
}

/** The notice exactly as a contact reads it in the chat (summary, then the full text), and its hash. */
export function renderNotice(policy: Policy, texts: Texts, language: Language): { text: string; hash: string } {
  const vars = noticeVars(policy, texts, language)
  const text = [texts.render(language, 'notice.summary', vars), texts.render(language, 'notice.full', vars)].join('\n\n')
  return { text, hash: createHash('sha256').update(text).digest('hex') }
}
