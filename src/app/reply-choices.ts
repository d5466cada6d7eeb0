/**
 * The answers a question takes, as a provider that shows tappable answers draws them (the Cloud
 * API's reply buttons and list messages): SÍ / NO / INFO under a consent question, the channels
 * as a list, a numbered menu as a list. The text of the question still names the answers in
 * words, so typing works as before, and providers without buttons send the text alone.
 *
 * Each option's id is `<question>|<answer>`: the answer is the id, whatever its label says, and
 * the question in front keeps a button of an earlier message from answering a later one.
 *
 * Labels are the owner's texts: `buttons.<answer>` (an answer without one gets no button),
 * `channels.<channel>` for the channel list, `choices.<answer>` for a numbered list, and
 * `buttons.list` on the button that opens a list.
 */
import { currentChoices, expectedIntents, openQuestion, type ConversationSnapshot } from '../domain/conversation.js'
import { CHANNEL_INTENT, channelIntent } from '../domain/flow.js'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { Choice, Choices } from '../ports/messenger.js'
import type { Texts } from '../ports/texts.js'

/** WhatsApp shows at most three reply buttons and ten list rows. */
export const MAX_BUTTONS = 3
export const MAX_LIST_ROWS = 10

/** Between the question and the answer in an option's id. */
const SEPARATOR = '|'

export class ReplyChoices {
  /** The options of each question as shown once (the owner's texts do not change while the bot runs). */
  private readonly made = new Map<string, Choices | undefined>()

  constructor(
    private readonly policy: Policy,
    private readonly texts: Texts,
  ) {}

  /** The options of the question `snapshot` has open, in `language`; undefined when there is none to show. */
  of(snapshot: ConversationSnapshot, language: Language): Choices | undefined {
    const question = openQuestion(snapshot)
    if (question === undefined) return undefined
    const intents = expectedIntents(snapshot)
    const numbered = currentChoices(snapshot)
    const key = `${language}\u0000${question}\u0000${intents.join()}\u0000${numbered.join()}`
    if (this.made.has(key)) return this.made.get(key)
    const made = this.make(question, intents, numbered, language)
    this.made.set(key, made)
    return made
  }

  private make(question: string, intents: string[], numbered: string[], language: Language): Choices | undefined {
    const option = (answer: string, key: string): Choice => ({
      id: `${question}${SEPARATOR}${answer}`,
      title: this.texts.render(language, key),
    })
    if (intents.includes(CHANNEL_INTENT))
      return this.list(
        language,
        this.policy.channels.map((c) => option(channelIntent(c.channel), `channels.${c.channel}`)),
      )
    if (numbered.length)
      return this.list(
        language,
        numbered.map((answer) => option(answer, `choices.${answer}`)),
      )
    const labelled = intents.filter((answer) => this.texts.has(language, `buttons.${answer}`)).slice(0, MAX_BUTTONS)
    return labelled.length ? { kind: 'buttons', options: labelled.map((answer) => option(answer, `buttons.${answer}`)) } : undefined
  }

  private list(language: Language, options: Choice[]): Choices | undefined {
    if (!this.texts.has(language, 'buttons.list') || options.length === 0 || options.length > MAX_LIST_ROWS) return undefined
    return { kind: 'list', button: this.texts.render(language, 'buttons.list'), options }
  }
}

/** The question and the answer a tapped option's id names; undefined for an id the bot did not make. */
export function readChoice(id: string): { question: string; answer: string } | undefined {
  const at = id.lastIndexOf(SEPARATOR)
  if (at <= 0 || at === id.length - 1) return undefined
  return { question: id.slice(0, at), answer: id.slice(at + 1) }
}
