/**
 * Reading a message: the contact's words become the event the conversation machine steps on.
 * The words of every answer come from the owner's answers.json, with the numbers of the lists
 * the bot shows added; a message in the other language switches the conversation's language.
 */
import type { Contact } from '../domain/consent.js'
import { expectedIntents, FIRST_MESSAGE, openQuestion, type ConversationEvent, type ConversationSnapshot } from '../domain/conversation.js'
import { CHANNEL_INTENT, type BusinessFlow } from '../domain/flow.js'
import { createRecognizer, tokenize, type Recognizer } from '../domain/intents.js'
import { languageOfTokens, LANGUAGES, vocabularies, type Language, type Vocabularies } from '../domain/language.js'
import { channelIntent, channelOfIntent, numberWords, optOutCommands } from '../domain/steps.js'
import { outdatedTerms } from '../domain/terms.js'
import type { StoredConversation } from '../ports/consent-store.js'
import type { Inbound } from '../ports/inbound-source.js'
import type { Texts } from '../ports/texts.js'
import { readChoice } from './reply-choices.js'

export class MessageReader {
  private readonly recognizers = new Map<Language, Recognizer>()
  private readonly commands: string[]
  /** Commands that withdraw consent or lead to an erasure: read even past the rate limit. */
  private readonly optOutCommands: string[]
  private readonly channelIntents: string[]
  /** The words that tell a message's language. */
  private readonly vocabularies: Vocabularies

  constructor(
    private readonly business: BusinessFlow,
    texts: Texts,
  ) {
    const { flow, policy } = business
    this.commands = Object.keys(flow.commands)
    this.optOutCommands = optOutCommands(flow)
    this.channelIntents = policy.channels.map((c) => channelIntent(c.channel))
    // Command words, fillers and phrases found inside messages are pooled across languages
    // ("STOP", "gracias"): only the answers tell.
    const pooled = new Set([...this.commands, 'filler'])
    const answerTokens = (language: Language) =>
      Object.entries(texts.answerWords(language)).flatMap(([intent, words]) =>
        pooled.has(intent) || intent.startsWith('contains:') ? [] : words.flatMap((w) => tokenize(w)),
      )
    this.vocabularies = vocabularies({ es: answerTokens('es'), en: answerTokens('en') })
    // A channel, a purpose or a menu's answer can also be picked by its number in the list shown.
    const numbers = numberWords(flow, policy)
    for (const language of LANGUAGES) {
      const words = { ...texts.answerWords(language) }
      for (const [intent, list] of Object.entries(numbers)) words[intent] = [...(words[intent] ?? []), ...list]
      this.recognizers.set(language, createRecognizer(words))
    }
  }

  /** The language a message is clearly written in, if any. */
  languageOf(text: string | undefined): Language | undefined {
    return text === undefined || text.length > 1000 ? undefined : languageOfTokens(tokenize(text), this.vocabularies)
  }

  /** Whether a message asks to stop everything or to erase: honoured even past the rate limit. */
  isOptOut(text: string): boolean {
    return LANGUAGES.some((language) => this.recognizers.get(language)!.recognize(text, this.optOutCommands) !== undefined)
  }

  /**
   * The events a message makes at this point of the conversation; `stale` for a redelivery from
   * long ago, which is not read at all.
   */
  read(
    inbound: Inbound,
    current: ConversationSnapshot,
    contact: Contact,
    conversation: StoredConversation | undefined,
    now: Date,
  ): ConversationEvent[] | 'stale' {
    const ongoing = current.value !== FIRST_MESSAGE
    // A tapped button or list row is its id, not its words (nor their language).
    const tapped = ongoing && inbound.choice !== undefined
    const switched = ongoing && !tapped && inbound.text !== undefined ? this.follow(current, inbound.text) : undefined
    const event: ConversationEvent = tapped
      ? this.chosen(inbound.choice!, inbound.text ?? '', current)
      : inbound.text === undefined
        ? { type: 'media' }
        : switched
          ? this.meaning(inbound.text, switched, expectedIntents(current, { aside: false }))
          : this.meaning(inbound.text, current.context.language, expectedIntents(current))
    if (this.stale(inbound, conversation, contact, event)) return 'stale'
    // A command (STOP above all) is honoured as written, even when the contact is due to be asked
    // again: they are asked on their next message. Only where the flow says where.
    const changes =
      ongoing && event.type !== 'command' && this.business.flow.reconsent ? outdatedTerms(contact, this.business.policy, now) : []
    return [
      ...(switched ? [{ type: 'language' as const, language: switched }] : []),
      changes.length ? { type: 'reconsent', changes } : event,
    ]
  }

  /** What the words mean among the commands and the answers the question takes. */
  private meaning(text: string, language: Language, expected: string[]): ConversationEvent {
    const candidates = [...this.commands, ...expected.filter((i) => i !== CHANNEL_INTENT)]
    if (expected.includes(CHANNEL_INTENT)) candidates.push(...this.channelIntents)
    const intent = this.recognizers.get(language)!.recognize(text, candidates)
    if (intent && this.commands.includes(intent) && !expected.includes(intent)) return { type: 'command', command: intent }
    const channel = intent && channelOfIntent(intent)
    if (channel) return { type: 'answer', intent: CHANNEL_INTENT, channel, text }
    return { type: 'answer', ...(intent ? { intent } : {}), text }
  }

  /**
   * The answer a tapped option stands for (app/reply-choices.ts). An option of another question
   * (an older message's button) or one the question no longer takes answers nothing: the
   * contact is asked the open question again, never taken to agree to something else.
   */
  private chosen(id: string, label: string, current: ConversationSnapshot): ConversationEvent {
    const choice = readChoice(id)
    // Not one of the bot's own ids: a template's quick-reply button sent without a payload (a
    // campaign's invitation), whose payload is its label: read as if typed.
    if (!choice) return this.meaning(label, current.context.language, expectedIntents(current))
    if (choice.question !== openQuestion(current)) return { type: 'answer', text: label }
    const expected = expectedIntents(current)
    const channel = channelOfIntent(choice.answer)
    if (channel && expected.includes(CHANNEL_INTENT) && this.channelIntents.includes(choice.answer))
      return { type: 'answer', intent: CHANNEL_INTENT, channel, text: label }
    if (!channel && expected.includes(choice.answer)) return { type: 'answer', intent: choice.answer, text: label }
    return { type: 'answer', text: label }
  }

  /**
   * A message the contact's language cannot read, clearly written in the other one ("sí" to an
   * English question): the conversation switches to it, and the message is read in it.
   */
  private follow(snapshot: ConversationSnapshot, text: string): Language | undefined {
    // Free text (an address being typed) is no sign of a language.
    if (snapshot.context.pending) return undefined
    const language = this.languageOf(text)
    if (!language || language === snapshot.context.language) return undefined
    if (!Object.values(this.business.flow.commands).some((o) => o.language === language)) return undefined
    const asRead = this.meaning(text, snapshot.context.language, expectedIntents(snapshot))
    return asRead.type === 'command' || (asRead.type === 'answer' && asRead.intent) ? undefined : language
  }

  /**
   * A message sent before the newest one handled (WhatsApp's timestamps are whole seconds, so the
   * same second is not older), and not seen among the latest ids: a redelivery from long ago. Its
   * answer was read then; read now it could undo a later one. A request to stop still counts when
   * it was sent after every consent the contact gave, so it can never undo a later yes.
   */
  private stale(inbound: Inbound, conversation: StoredConversation | undefined, contact: Contact, event: ConversationEvent): boolean {
    const last = conversation?.lastSentAt
    if (inbound.sentAt === undefined || last === undefined || inbound.sentAt >= last) return false
    if (event.type !== 'command' || !this.optOutCommands.includes(event.command)) return true
    const given = Object.values(contact.consents)
      .filter((c) => c.state === 'given')
      .map((c) => Date.parse(c.at))
    return given.some((at) => at >= inbound.sentAt!)
  }
}
