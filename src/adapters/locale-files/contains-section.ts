/**
 * The `contains` section of `locales/<lang>/answers.json`: phrases that mean a command wherever
 * they appear in a message. Checked against the flow's commands, and warned about when an answer
 * word holds one of them.
 */
import { isMap, isSeq, type Node } from 'yaml'
import type { Flow } from '../../domain/flow.js'
import { CONTAINS_PREFIX, CONTAINS_UNCLEAR, createRecognizer, FILLER_INTENT } from '../../domain/intents.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import { answersOf } from '../../domain/steps.js'
import { nearest, type Problem } from '../owner-file.js'
import type { LoadedFile } from './locale-json.js'

/** The section of answers.json whose phrases count when contained in a longer message. */
export const CONTAINS = 'contains'

/**
 * The `contains` section: phrases that mean a command wherever they appear in a message. Only
 * commands of the flow (which never record consent) and `unclear` may have them, and no answer
 * of that name may grant consent: a phrase inside "sí, pero dejen de escribirme" must never
 * become a yes.
 */
export function checkContains(flow: Flow, answers: Record<Language, LoadedFile | undefined>, flowFile: string): void {
  const commands = Object.keys(flow.commands)
  const grants = new Map<string, number>()
  for (const step of Object.values(flow.steps)) {
    for (const [intent, o] of answersOf(step)) if (o.record?.given) grants.set(intent, o.line)
  }
  for (const language of LANGUAGES) {
    const a = answers[language]!
    const section = a.file.entries(a.file.doc.contents as Node, 'answers.json', 1).find((e) => e.key === CONTAINS)
    if (!section) continue
    if (!section.value || !isMap(section.value)) {
      a.file.problem(
        section.line,
        `"${CONTAINS}" must hold lists of phrases by command, e.g. "${CONTAINS}": { "stop": ["dejen de escribirme"] }`,
      )
      continue
    }
    for (const entry of a.file.entries(section.value, CONTAINS, section.line)) {
      if (entry.key !== CONTAINS_UNCLEAR && !commands.includes(entry.key)) {
        const hint = nearest(entry.key, [...commands, CONTAINS_UNCLEAR])
        a.file.problem(
          entry.line,
          `"${entry.key}" under "${CONTAINS}" is not a command of ${flowFile}${hint ? ` (did you mean "${hint}"?)` : ''}; phrases contained in a message may only mean a command (${commands.join(', ')}) or "${CONTAINS_UNCLEAR}"`,
        )
      } else if (grants.has(entry.key)) {
        a.file.problem(
          entry.line,
          `"${entry.key}" has phrases under "${CONTAINS}" but grants consent at ${flowFile}:${grants.get(entry.key)}; a phrase found inside a longer message must never count as consent: remove its phrases here, or make that answer refuse`,
        )
      }
    }
  }
}

/**
 * Warns when a whole-message answer word holds an opt-out phrase of the `contains` section ("no
 * quiero ofertas" added to "no"): the word wins, so that message is read as that answer, not
 * as the opt-out, wherever the answer is expected.
 */
export function warnOptOutCollisions(answers: Record<Language, LoadedFile | undefined>, warnings: Problem[]): void {
  // Read as the bot reads them: every language's phrases pooled, in the order of the file.
  const phrases: Record<string, string[]> = {}
  for (const l of LANGUAGES) {
    const contains = ((answers[l]!.data as Record<string, unknown>)[CONTAINS] ?? {}) as Record<string, string[]>
    for (const [intent, list] of Object.entries(contains))
      phrases[`${CONTAINS_PREFIX}${intent}`] = [...(phrases[`${CONTAINS_PREFIX}${intent}`] ?? []), ...list]
  }
  const intents = Object.keys(phrases)
    .map((k) => k.slice(CONTAINS_PREFIX.length))
    .filter((i) => i !== CONTAINS_UNCLEAR)
  const reader = createRecognizer(phrases)
  for (const language of LANGUAGES) {
    const a = answers[language]!
    const visit = (node: Node | null, where: string, line: number) => {
      for (const entry of a.file.entries(node, where, line)) {
        if (where === 'answers.json' && entry.key === CONTAINS) continue
        if (where === 'answers.json' && entry.key === 'channels') {
          visit(entry.value, 'channels', entry.line)
          continue
        }
        if (entry.key === FILLER_INTENT || !entry.value || !isSeq(entry.value)) continue
        for (const item of entry.value.items) {
          const word = a.file.text(item as Node, entry.key, entry.line)
          const hit = word === undefined ? undefined : reader.recognize(word, intents)
          if (!hit || hit === entry.key) continue
          const answer = where === 'channels' ? `channels.${entry.key}` : entry.key
          warnings.push({
            file: a.file.name,
            line: a.file.lineOf(item as Node, entry.line),
            message: `warning: "${word}" in "${answer}" holds an opt-out phrase of "${CONTAINS}.${hit}"; where "${answer}" is expected, a contact writing it is read as "${answer}", not as "${hit}". Remove it from "${answer}" (the opt-out phrases already cover it), or keep it if it must mean "${answer}" there`,
          })
        }
      }
    }
    visit(a.file.doc.contents as Node, 'answers.json', 1)
  }
}
