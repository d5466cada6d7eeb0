/**
 * Which answer a contact's message means. The words come from `locales/<lang>/answers.json`;
 * accents, case, punctuation and stray emoji are ignored ("Sí.", "si", "SI 👍" are all a yes).
 *
 * The rule is deliberately strict, because a wrong "yes" would be consent the contact never gave:
 * every word of the message must belong to the same answer (or be a filler such as "please").
 * "sí, acepto" is a yes; "sí pero no" and "no sé" are unclear and get asked again.
 */

/** Intent name → the words and phrases that mean it, as the owner wrote them. */
export type AnswerWords = Record<string, readonly string[]>

const EMOJI = /\p{Extended_Pictographic}/u
const EMOJI_RUN = /(\p{Extended_Pictographic})[\u{FE0F}\u{200D}\u{1F3FB}-\u{1F3FF}]*/gu

/** Splits a message into comparable tokens: lower case, no accents, no punctuation. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents
    .toLowerCase()
    .replace(EMOJI_RUN, ' $1 ') // an emoji is a token of its own, without skin tone
    .replace(/[^\p{L}\p{N}\p{Extended_Pictographic}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
}

export interface Recognizer {
  /**
   * The one intent among `candidates` that the whole message means, or undefined when it
   * means none or more than one of them.
   */
  recognize(text: string, candidates: readonly string[]): string | undefined
}

/**
 * Longer messages are never an answer. Every word must belong to the answer, so no real answer
 * comes near this; without a bound, 64 KB of "sí sí sí…" would be recorded as consent (with all
 * of it as evidence) after a quarter of a second of matching on the event loop.
 */
export const MAX_ANSWER_LENGTH = 1000

/** Words that never change what a message means (locale key `filler`). */
export const FILLER_INTENT = 'filler'

export function createRecognizer(words: AnswerWords): Recognizer {
  const phrases = new Map<string, string[][]>()
  for (const [intent, list] of Object.entries(words)) {
    phrases.set(intent, list.map(tokenize).filter((p) => p.length > 0))
  }
  const filler = new Set((phrases.get(FILLER_INTENT) ?? []).flat())
  const knownEmoji = new Set([...phrases.values()].flat(2).filter((t) => EMOJI.test(t)))

  return {
    recognize(text, candidates) {
      if (text.length > MAX_ANSWER_LENGTH) return undefined
      // An emoji nobody listed ("👋") is decoration, not an answer.
      const tokens = tokenize(text).filter((t) => !EMOJI.test(t) || knownEmoji.has(t))
      if (tokens.length === 0) return undefined
      const owner: (string | undefined)[] = tokens.map((t) => (filler.has(t) ? FILLER_INTENT : undefined))
      const matches: { intent: string; at: number; length: number }[] = []
      for (const intent of candidates) {
        for (const phrase of phrases.get(intent) ?? []) {
          for (let at = 0; at + phrase.length <= tokens.length; at++) {
            if (phrase.every((t, i) => tokens[at + i] === t)) matches.push({ intent, at, length: phrase.length })
          }
        }
      }
      // The longest phrase wins its words: in "I don't agree", "agree" alone is not a yes.
      matches.sort((a, b) => b.length - a.length)
      const claimedBy = new Map<number, number>()
      for (const m of matches) {
        const span = Array.from({ length: m.length }, (_, i) => m.at + i)
        if (span.some((i) => (claimedBy.get(i) ?? 0) > m.length)) continue
        for (const i of span) {
          const current = owner[i]
          // The same words claimed by two answers make the message ambiguous.
          owner[i] = current === undefined || current === FILLER_INTENT || current === m.intent ? m.intent : '\0'
          claimedBy.set(i, m.length)
        }
      }
      const meant = new Set(owner.filter((o) => o !== FILLER_INTENT))
      if (meant.size !== 1) return undefined
      const [intent] = meant
      return intent === undefined || intent === '\0' ? undefined : intent
    },
  }
}
