import type { AnswerWords } from '../domain/intents.js'
import type { Language } from '../domain/language.js'

/** Every text the bot sends, and the words that count as each answer, per language. */
export interface Texts {
  /** The text of a locale key with its `{{variables}}` filled in. */
  render(language: Language, key: string, vars?: Record<string, unknown>): string
  /** Whether the language has a text under `key` (optional texts: a button's label). */
  has(language: Language, key: string): boolean
  /**
   * The words of each answer in that language. Channel words appear as `channel:<name>`;
   * command words (stop, help, english, spanish) are understood whatever the language.
   */
  answerWords(language: Language): AnswerWords
  /**
   * The names of the `{{variables}}` a text uses, nested texts included (`*` when they cannot be
   * known): costly variables are worked out only when used, and a text using only the policy's
   * is rendered once.
   */
  variables(language: Language, key: string): ReadonlySet<string>
}
