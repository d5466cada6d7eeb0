/**
 * Checks `locales/<lang>/answers.json` against the flow and the policy: every answer and channel
 * has words in every language, each a list of words a message can match, and no word means two
 * answers of the same question.
 */
import { isSeq, type Node } from 'yaml'
import { CHANNEL_INTENT, type Flow } from '../../domain/flow.js'
import { FILLER_INTENT, tokenize } from '../../domain/intents.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import { CHANNELS, type Policy } from '../../domain/policy.js'
import { answersOf, channelQuestions, choicesOf, numberWords, questionsOf } from '../../domain/steps.js'
import { nearest, type Problem } from '../owner-file.js'
import { CONTAINS } from './contains-section.js'
import type { LoadedFile } from './locale-json.js'

/** An answer the flow uses that no language has: reported once, at the flow line, and added to `missingEverywhere`. */
export function reportAnswersMissingEverywhere(
  answers: Record<Language, LoadedFile | undefined>,
  neededAnswers: Map<string, number>,
  shownDir: string,
  flowFile: string,
  problems: Problem[],
  missingEverywhere: Set<string>,
): void {
  for (const [intent, where] of neededAnswers) {
    if (LANGUAGES.some((l) => answers[l]!.keys.has(intent))) continue
    missingEverywhere.add(intent)
    const known = [...answers[LANGUAGES[0]]!.keys.keys()].filter((k) => !k.includes('.') && k !== 'channels' && k !== FILLER_INTENT)
    const hint = nearest(intent, known)
    problems.push({
      file: flowFile,
      line: where,
      message: `"${intent}" is not an answer in ${shownDir}/*/answers.json${hint ? ` (did you mean "${hint}"?)` : `; add its words to every language, e.g. "${intent}": ["…"]`}`,
    })
  }
}

/** Every language has words for every answer it needs (but those missing everywhere) and for every channel offered. */
export function checkAnswerWords(
  answers: Record<Language, LoadedFile | undefined>,
  neededAnswers: Map<string, number>,
  missingEverywhere: Set<string>,
  policy: Policy,
  flowFile: string,
): void {
  for (const language of LANGUAGES) {
    const a = answers[language]!
    for (const [intent, where] of neededAnswers) {
      if (!a.keys.has(intent) && !missingEverywhere.has(intent))
        a.file.problem(1, `no words for the answer "${intent}" (used at ${flowFile}:${where}); add "${intent}": ["…"]`)
    }
    for (const offered of policy.channels) {
      if (!a.keys.has(`channels.${offered.channel}`))
        a.file.problem(
          a.keys.get('channels') ?? 1,
          `no words for the channel "${offered.channel}"; add "${offered.channel}": ["…"] under "channels"`,
        )
    }
  }
}

/** Answer intents the flow uses → the line that uses them. */
export function neededIntents(flow: Flow): Map<string, number> {
  const needed = new Map<string, number>()
  for (const [intent, o] of Object.entries(flow.commands)) needed.set(intent, o.line)
  for (const o of Object.values(flow.commands)) {
    for (const [intent, a] of Object.entries(o.aside?.answers ?? {})) if (!needed.has(intent)) needed.set(intent, a.line)
  }
  for (const step of Object.values(flow.steps)) {
    const numbered = new Set(choicesOf(step))
    for (const [intent, o] of answersOf(step))
      if (intent !== CHANNEL_INTENT && !numbered.has(intent) && !needed.has(intent)) needed.set(intent, o.line)
    if (step.kind === 'channel') {
      const { handle, confirm } = channelQuestions(step)
      for (const intent of [...confirm.slice(0, 2), ...handle.slice().reverse(), ...confirm.slice(2)])
        if (!needed.has(intent)) needed.set(intent, step.line)
    }
  }
  return needed
}

export function checkAnswerShapes(answers: Record<Language, LoadedFile | undefined>): void {
  for (const language of LANGUAGES) {
    const a = answers[language]!
    const check = (node: Node | null, where: string, line: number) => {
      for (const entry of a.file.entries(node, where, line)) {
        if (where === 'answers.json' && (entry.key === 'channels' || entry.key === CONTAINS)) {
          check(entry.value, entry.key, entry.line)
          continue
        }
        if (where === 'channels' && !(CHANNELS as readonly string[]).includes(entry.key)) {
          // Words for a channel the bot does not know are never used: most likely a typo.
          const hint = nearest(entry.key, CHANNELS)
          a.file.problem(
            entry.line,
            `"${entry.key}" is not a channel the bot knows${hint ? ` (did you mean "${hint}"?)` : ''}; channels are: ${CHANNELS.join(', ')}`,
          )
        }
        if (!entry.value || !isSeq(entry.value) || entry.value.items.length === 0) {
          a.file.problem(entry.line, `"${entry.key}" must be a list of words, e.g. "${entry.key}": ["…", "…"]`)
          continue
        }
        for (const item of entry.value.items) {
          const word = a.file.text(item as Node, entry.key, entry.line)
          if (word !== undefined && tokenize(word).length === 0) {
            a.file.problem(
              a.file.lineOf(item as Node, entry.line),
              `"${word}" in "${entry.key}" has no letters, digits or emoji, so no message could ever match it`,
            )
          }
        }
      }
    }
    check(a.file.doc.contents as Node, 'answers.json', 1)
  }
}

/** A word that two answers of the same question both claim would make that question ambiguous. */
export function checkOverlaps(flow: Flow, policy: Policy, answers: Record<Language, LoadedFile | undefined>): void {
  const numbers = numberWords(flow, policy)
  for (const language of LANGUAGES) {
    const a = answers[language]!
    const data = a.data as Record<string, string[]> & { channels?: Record<string, string[]> }
    // Command words are understood in every language (see i18n-texts), so they are pooled here too.
    const pooled = (intent: string) =>
      intent in flow.commands
        ? LANGUAGES.flatMap((l) => (answers[l]!.data as Record<string, string[]>)[intent] ?? [])
        : (data[intent] ?? [])
    // The numbers the bot adds count as words: "1" may not mean two answers of one question either.
    const wordsOf = (intent: string): string[] =>
      intent === CHANNEL_INTENT
        ? policy.channels.flatMap((c) => [...(data.channels?.[c.channel] ?? []), ...(numbers[`channel:${c.channel}`] ?? [])])
        : intent === FILLER_INTENT
          ? []
          : [...new Set([...pooled(intent), ...(numbers[intent] ?? [])])]
    const commands = Object.keys(flow.commands)
    const questions: [string, string[]][] = questionsOf(flow).map((q) => [q.where, [...q.intents, ...commands]])
    for (const [step, intents] of questions) {
      const owner = new Map<string, string>()
      for (const intent of intents) {
        for (const word of wordsOf(intent)) {
          const norm = tokenize(word).join(' ')
          const first = owner.get(norm)
          if (first && first !== intent) {
            a.file.problem(
              a.keys.get(intent) ?? a.keys.get(`channels`) ?? 1,
              `"${word}" means both "${first}" and "${intent}" in step ${step}; a contact writing it would not be understood. Keep it in one of them`,
            )
          } else owner.set(norm, intent)
        }
      }
    }
  }
}
