/**
 * Texts about one contact, composed from the owner's locale keys: the summary after consent,
 * what is stored about them (MY DATA), and what changed when they are asked again.
 */
import type { Contact } from '../domain/consent.js'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { TermsChange } from '../domain/terms.js'
import type { Texts } from '../ports/texts.js'

type Render = (key: string, vars?: Record<string, unknown>) => string

export class ContactTexts {
  constructor(
    private readonly policy: Policy,
    private readonly texts: Texts,
  ) {}

  private readonly memo = new Map<string, string>()

  private t(language: Language): Render {
    return (key, vars) => this.texts.render(language, key, vars)
  }

  /** A text with no variables (a purpose's name, a state, a channel): the same every time. */
  plain(language: Language, key: string): string {
    const id = `${language}\u0000${key}`
    let text = this.memo.get(id)
    if (text === undefined) this.memo.set(id, (text = this.texts.render(language, key)))
    return text
  }

  /** One line of the summary: a purpose and its state, from a small fixed set, so kept once made. */
  private summaryLine(language: Language, purpose: string, state: string): string {
    const id = `${language}\u0000summary\u0000${purpose}\u0000${state}`
    let text = this.memo.get(id)
    if (text === undefined) {
      text = this.texts.render(language, 'summary.purpose', {
        purpose: this.plain(language, `purposes.${purpose}.name`),
        state: this.plain(language, `summary.${state}`),
      })
      this.memo.set(id, text)
    }
    return text
  }

  /** A date as people of that language write it (UTC, so it is the same wherever the bot runs). */
  date(language: Language, iso: string): string {
    return new Date(iso).toLocaleDateString(language === 'es' ? 'es-ES' : 'en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    })
  }

  /** One line per purpose answered and one for the channel: what the thanks message shows. */
  summary(contact: Contact): string {
    const lines = this.policy.purposes
      .filter((p) => contact.consents[p.id])
      .map((p) => this.summaryLine(contact.language, p.id, contact.consents[p.id]!.state))
    const channel = this.channelLine(contact, 'summary')
    return [...lines, ...(channel ? [channel] : [])].join('\n')
  }

  /** The policy's purposes as a numbered list with the contact's answer to each: which one to change? */
  purposeOptions(contact: Contact): string {
    const t = this.t(contact.language)
    return this.policy.purposes
      .map((p, i) =>
        t('rights.purposeOption', {
          number: i + 1,
          purpose: t(`purposes.${p.id}.name`),
          state: t(`summary.${contact.consents[p.id]?.state ?? 'none'}`),
        }),
      )
      .join('\n')
  }

  /** The numbered answers of a question, one a line ("1. Change channel"): the words under `choices`. */
  choices(language: Language, intents: readonly string[]): string {
    return intents.map((intent, i) => `${i + 1}. ${this.plain(language, `choices.${intent}`)}`).join('\n')
  }

  /** Everything stored about the contact, in words: the answer to MY DATA. */
  myData(contact: Contact): string {
    const t = this.t(contact.language)
    const lines = [
      t('myData.language', { language: t('myData.languageName') }),
      t('myData.since', { date: this.date(contact.language, contact.firstSeen) }),
    ]
    for (const [purpose, consent] of Object.entries(contact.consents)) {
      const declared = this.policy.purposes.some((p) => p.id === purpose)
      lines.push(
        t('myData.purpose', {
          purpose: declared ? t(`purposes.${purpose}.name`) : purpose,
          state: t(`summary.${consent.state}`),
          date: this.date(contact.language, consent.at),
          receipt: consent.record,
        }),
      )
    }
    if (Object.keys(contact.consents).length === 0) lines.push(t('myData.noConsents'))
    const channel = this.channelLine(contact, 'myData')
    if (channel) lines.push(channel)
    return lines.join('\n')
  }

  /** What changed since the contact last agreed, one line each. */
  changes(language: Language, changes: TermsChange[]): string {
    const t = this.t(language)
    const retention = (r: { amount: number; unit: string }) => t(`retention.${r.unit}`, { count: r.amount })
    return changes
      .map((c) => {
        switch (c.kind) {
          case 'version':
            return t('reconsent.version', { from: c.from, to: c.to })
          case 'newPurpose':
            return t('reconsent.newPurpose', { purpose: t(`purposes.${c.purpose}.name`) })
          case 'removedPurpose':
            return t('reconsent.removedPurpose', { purpose: c.purpose })
          case 'newData':
            return t('reconsent.newData', { data: t(`data.${c.data}`) })
          case 'retention':
            return t('reconsent.retention', { retention: retention(c.to), before: retention(c.from) })
          case 'expired':
            return t('reconsent.expired', { purpose: t(`purposes.${c.purpose}.name`), date: this.date(language, c.since), days: c.days })
        }
      })
      .join('\n')
  }

  private channelLine(contact: Contact, group: 'summary' | 'myData'): string | undefined {
    if (!contact.channel) return undefined
    const t = this.t(contact.language)
    const channel = this.plain(contact.language, `channels.${contact.channel.channel}`)
    return contact.channel.handle
      ? t(`${group}.channelWithHandle`, { channel, handle: contact.channel.handle })
      : t(`${group}.channel`, { channel })
  }
}
