/**
 * The replies' words: a locale key rendered in the contact's language with the variables it
 * uses. Texts that use only the policy's variables read the same for every contact, so they are
 * rendered once; the variables about a contact are composed only when a text uses them.
 */
import type { Contact } from '../domain/consent.js'
import type { ConversationContext } from '../domain/conversation.js'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { TermsChange } from '../domain/terms.js'
import type { Texts } from '../ports/texts.js'
import { ContactTexts } from './contact-texts.js'
import { noticeVars } from './notice.js'

export interface ReplyState {
  contact: Contact
  /** Where the conversation stands after the step: the channel being set up, the choices shown. */
  context: ConversationContext
  choices: string[]
  receipt: string
  changes: TermsChange[]
}

export class ReplyTexts {
  private readonly contactTexts: ContactTexts
  private readonly statics = new Map<Language, Record<string, string>>()
  private readonly rendered = new Map<string, string>()

  constructor(
    private readonly policy: Policy,
    private readonly texts: Texts,
  ) {
    this.contactTexts = new ContactTexts(policy, texts)
  }

  /** The texts of `keys`, in order, for this contact at this point. */
  replies(keys: readonly string[], state: ReplyState): string[] {
    const { language } = state.contact
    const vars: Record<string, string> = { ...this.noticeVars(language), ...this.contactVars(keys, state), receipt: state.receipt }
    vars.changes = state.changes.length ? this.contactTexts.changes(language, state.changes) : ''
    return keys.map((key) => this.render(language, key, vars))
  }

  /** A text of the bot's own (an apology, a note), with the policy's variables only. */
  plain(language: Language, key: string): string {
    return this.texts.render(language, key, this.filled(language, key, this.noticeVars(language)))
  }

  /**
   * `vars` with every variable the text uses: one the bot has no value for reads as nothing, so a
   * contact never receives raw braces (the owner's files are checked for unknown variables at start).
   */
  private filled(language: Language, key: string, vars: Record<string, string>): Record<string, string> {
    const missing = [...this.texts.variables(language, key)].filter((name) => /^\w+$/.test(name) && !(name in vars))
    return missing.length ? { ...vars, ...Object.fromEntries(missing.map((name) => [name, ''])) } : vars
  }

  private render(language: Language, key: string, vars: Record<string, string>): string {
    const id = `${language}\u0000${key}`
    const cached = this.rendered.get(id)
    if (cached !== undefined) return cached
    const text = this.texts.render(language, key, this.filled(language, key, vars))
    const statics = this.noticeVars(language)
    if ([...this.texts.variables(language, key)].every((name) => name in statics)) this.rendered.set(id, text)
    return text
  }

  private noticeVars(language: Language): Record<string, string> {
    let vars = this.statics.get(language)
    if (!vars) this.statics.set(language, (vars = noticeVars(this.policy, this.texts, language)))
    return vars
  }

  /**
   * Variables about this contact: the channel being set up or chosen, their answers, what is
   * stored, the choices of the question. The composed ones only when a text uses them.
   */
  private contactVars(keys: readonly string[], { contact, context, choices }: ReplyState): Record<string, string> {
    const { language } = contact
    const used = new Set(keys.flatMap((key) => [...this.texts.variables(language, key)]))
    const vars: Record<string, string> = {}
    if (used.has('channel') || used.has('handle') || used.has('link')) {
      const pending = context.pending
      const channel = pending?.channel ?? contact.channel?.channel
      vars.channel = channel ? this.contactTexts.plain(language, `channels.${channel}`) : ''
      vars.handle = pending?.handle ?? contact.channel?.handle ?? ''
      vars.link = (channel && this.policy.channels.find((c) => c.channel === channel)?.link) || ''
    }
    if (used.has('summary')) vars.summary = this.contactTexts.summary(contact)
    if (used.has('myData')) vars.myData = this.contactTexts.myData(contact)
    if (used.has('purposeOptions')) vars.purposeOptions = this.contactTexts.purposeOptions(contact)
    if (used.has('choices') || used.has('choiceCount')) {
      vars.choices = this.contactTexts.choices(language, choices)
      vars.choiceCount = String(choices.length)
    }
    return vars
  }
}
