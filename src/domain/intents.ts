/**
 * Which answer a contact's message means. The words come from `locales/<lang>/answers.json`;
 * accents, case, punctuation and stray emoji are ignored ("Sí.", "si", "SI 👍" are all a yes).
 *
 * The rule is deliberately strict, because a wrong "yes" would be consent the contact never gave:
 * every word of the message must belong to the same answer (or be a filler such as "please").
 * "sí, acepto" is a yes; "sí pero no" and "no sé" are unclear and get asked again.
 *
 * Only when no answer means the whole message, phrases that count when *contained* in it are
 * looked for (`contains:<intent>`, from the `contains` section of answers.json): "por favor ya
 * no me escriban más" asks to stop although "por favor ya" is no answer. They are meant for
 * commands that never record consent (stop, stop the offers); a `contains:unclear` phrase
 * ("no quiero darme de baja") covers the words it spans and makes the message unclear.
 */

/** Intent name → the words and phrases that mean it, as the owner wrote them. */
export type AnswerWords = Record<string, readonly string[]>

const EMOJI = /\p{Extended_Pictographic}/u
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists the joiners and skin tones that follow an emoji, on purpose
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

/** In a tokenized contained phrase, the place of `...`: up to `MAX_GAP` words of any kind. */
export const GAP = '\u0001'
const MAX_GAP = 4
const GAP_MARK = /\.\.\.|…/

/** A contained phrase's tokens, `...` kept as GAP between words ("no ... ofertas"). */
export function tokenizePhrase(phrase: string): string[] {
  const parts = phrase.split(GAP_MARK).map(tokenize)
  const tokens = parts.flatMap((p, i) => (i === 0 ? p : [GAP, ...p]))
  // A gap at either end adds nothing: a phrase is found anywhere in a message already.
  while (tokens[0] === GAP) tokens.shift()
  while (tokens.at(-1) === GAP) tokens.pop()
  return tokens
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

/**
 * `contains:<intent>` lists the phrases that mean <intent> wherever they appear in a message.
 * In such a phrase `...` (or `…`) stands for a few words, any: "no ... ofertas" also matches
 * "no me manden más ofertas".
 */
export const CONTAINS_PREFIX = 'contains:'
/** Contained phrases that make a message unclear (a negated opt-out: "no quiero darme de baja"). */
export const CONTAINS_UNCLEAR = 'unclear'

export function createRecognizer(words: AnswerWords): Recognizer {
  const phrases = new Map<string, string[][]>()
  for (const [intent, list] of Object.entries(words)) {
    phrases.set(
      intent,
      list.map(intent.startsWith(CONTAINS_PREFIX) ? tokenizePhrase : tokenize).filter((p) => p.length > 0),
    )
  }
  const filler = new Set((phrases.get(FILLER_INTENT) ?? []).flat())
  const knownEmoji = new Set([...phrases.values()].flat(2).filter((t) => EMOJI.test(t)))
  const contained = containedPhrases(phrases, filler)
  // Each intent's phrases by their first word: a message's words are looked up, not every phrase tried.
  const byFirst = new Map<string, Map<string, string[][]>>()
  for (const [intent, list] of phrases) {
    const index = new Map<string, string[][]>()
    for (const phrase of list) index.set(phrase[0]!, [...(index.get(phrase[0]!) ?? []), phrase])
    byFirst.set(intent, index)
  }
  // The engine asks about one message several times (its commands, then the step's answers).
  let lastText: string | undefined
  let lastTokens: readonly string[] = []
  const tokensOf = (text: string): readonly string[] => {
    if (text !== lastText) {
      lastTokens = tokenize(text)
      lastText = text
    }
    return lastTokens
  }

  return {
    recognize(text, candidates) {
      if (text.length > MAX_ANSWER_LENGTH) return undefined
      const tokens = tokensOf(text)
      return wholeMessage(tokens, candidates) ?? contained(tokens, candidates)
    },
  }

  function wholeMessage(words: readonly string[], candidates: readonly string[]): string | undefined {
    // An emoji nobody listed ("👋") is decoration, not an answer.
    const tokens = words.filter((t) => !EMOJI.test(t) || knownEmoji.has(t))
    if (tokens.length === 0) return undefined
    const owner: (string | undefined)[] = tokens.map((t) => (filler.has(t) ? FILLER_INTENT : undefined))
    const matches: { intent: string; at: number; length: number }[] = []
    for (const intent of candidates) {
      const index = byFirst.get(intent)
      if (!index) continue
      for (let at = 0; at < tokens.length; at++) {
        for (const phrase of index.get(tokens[at]!) ?? []) {
          if (at + phrase.length <= tokens.length && phrase.every((t, i) => tokens[at + i] === t))
            matches.push({ intent, at, length: phrase.length })
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
  }
}

/**
 * The intent among `candidates` whose contained phrase a message holds. The longest phrase wins
 * the words it spans (so "no quiero darme de baja", an `unclear` phrase, hides "darme de baja");
 * fillers may sit inside a phrase ("dejen por favor de escribirme"). When phrases of several
 * intents remain, the one listed first in answers.json wins (stop before stopOffers); an
 * `unclear` phrase among them makes the message unclear.
 */
function containedPhrases(phrases: Map<string, string[][]>, filler: ReadonlySet<string>) {
  const order: string[] = []
  const byFirst = new Map<string, { intent: string; phrase: string[] }[]>()
  for (const [key, list] of phrases) {
    if (!key.startsWith(CONTAINS_PREFIX)) continue
    const intent = key.slice(CONTAINS_PREFIX.length)
    order.push(intent)
    for (const phrase of list) {
      const first = byFirst.get(phrase[0]!) ?? []
      first.push({ intent, phrase })
      byFirst.set(phrase[0]!, first)
    }
  }
  return (tokens: readonly string[], candidates: readonly string[]): string | undefined => {
    if (byFirst.size === 0 || tokens.length === 0) return undefined
    const wanted = new Set([...candidates, CONTAINS_UNCLEAR])
    const found: { intent: string; at: number; end: number; length: number }[] = []
    for (let at = 0; at < tokens.length; at++) {
      for (const { intent, phrase } of byFirst.get(tokens[at]!) ?? []) {
        if (!wanted.has(intent)) continue
        const end = matchFrom(tokens, at, phrase, filler)
        // A phrase with a gap weighs the words it spans: "no ... ofertas" over "no me manden".
        if (end !== undefined) found.push({ intent, at, end, length: end - at })
      }
    }
    if (found.length === 0) return undefined
    found.sort((a, b) => b.length - a.length)
    const claimed: boolean[] = []
    const meant = new Set<string>()
    for (const f of found) {
      if (claimed.slice(f.at, f.end).some(Boolean)) continue
      for (let i = f.at; i < f.end; i++) claimed[i] = true
      meant.add(f.intent)
    }
    if (meant.has(CONTAINS_UNCLEAR)) return undefined
    return order.find((intent) => meant.has(intent))
  }
}

/**
 * Where `phrase` found at `at` ends (exclusive), or undefined. Fillers may sit between its words;
 * a GAP takes the fewest words (at most MAX_GAP) that let the rest match.
 */
function matchFrom(tokens: readonly string[], at: number, phrase: readonly string[], filler: ReadonlySet<string>): number | undefined {
  let i = at
  for (let p = 0; p < phrase.length; p++) {
    const want = phrase[p]!
    if (want === GAP) {
      for (let skip = 0; skip <= MAX_GAP && i + skip < tokens.length; skip++) {
        const end = matchFrom(tokens, i + skip, phrase.slice(p + 1), filler)
        if (end !== undefined) return end
      }
      return undefined
    }
    while (i < tokens.length && tokens[i] !== want && p > 0 && filler.has(tokens[i]!)) i++
    if (tokens[i] !== want) return undefined
    i++
  }
  return i
}
