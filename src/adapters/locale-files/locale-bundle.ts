/**
 * Reads `locales/<lang>/messages.json` (every text) and `locales/<lang>/answers.json` (the words
 * that count as each answer) and checks them against the flow: every key the bot can send exists
 * in every language, and every answer has words. Problems are `file:line: what to do`.
 * `locales/<lang>/pages.json` (the words of the pages and pictures) is read by page-files.ts.
 * Each file has its checks (messages-file.ts, answers-file.ts, contains-section.ts); this reads
 * them all and hands the bot their texts and words.
 */
import { join } from 'node:path'
import type { Flow } from '../../domain/flow.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import { nearest, OwnerFileError, type Problem } from '../owner-file.js'
import { type PageTextsFile, readPages } from '../page-files.js'
import { checkAnswerShapes, checkAnswerWords, checkOverlaps, neededIntents, reportAnswersMissingEverywhere } from './answers-file.js'
import { CONTAINS, checkContains, warnOptOutCollisions } from './contains-section.js'
import { type LoadedFile, readJson } from './locale-json.js'
import { checkMessages, neededMessageKeys, reportTextsMissingEverywhere } from './messages-file.js'

export type Messages = { [key: string]: string | Messages }
export interface LocaleBundle {
  messages: Record<Language, Messages>
  /** Intent → words; `channels` holds channel → words. */
  answers: Record<Language, { words: Record<string, string[]>; channels: Record<string, string[]>; contains?: Record<string, string[]> }>
  /** The words of the pages and pictures (locales/<lang>/pages.json); see src/ports/page-texts.ts. */
  pages?: Record<Language, PageTextsFile>
}

export function loadLocales(
  localesDir: string,
  flow: Flow,
  policy: Policy,
  shownDir = 'locales',
  flowFile = 'flows/consent.yaml',
): LocaleBundle {
  const problems: Problem[] = []
  const bundle = readLocales(localesDir, flow, policy, shownDir, flowFile, problems)
  if (!bundle || problems.length > 0) throw new OwnerFileError(problems)
  return bundle
}

/** Reads and checks the texts, adding every problem to `problems`; undefined when they cannot be used. */
export function readLocales(
  localesDir: string,
  flow: Flow,
  policy: Policy,
  shownDir: string,
  flowFile: string,
  problems: Problem[],
  /** Where to add warnings (the bot still starts; `npm run check` shows them). */
  warnings?: Problem[],
): LocaleBundle | undefined {
  const before = problems.length
  const failed = () => problems.length > before
  const messages = {} as Record<Language, LoadedFile | undefined>
  const answers = {} as Record<Language, LoadedFile | undefined>
  for (const language of LANGUAGES) {
    messages[language] = readJson(join(localesDir, language, 'messages.json'), `${shownDir}/${language}/messages.json`, problems)
    answers[language] = readJson(join(localesDir, language, 'answers.json'), `${shownDir}/${language}/answers.json`, problems)
  }
  if (failed()) return undefined

  const needed = neededMessageKeys(flow, policy)
  const neededAnswers = neededIntents(flow)
  const missingEverywhere = new Set<string>()

  // A key or answer the flow uses that no language has is most likely a typo in the flow:
  // point at the flow line, with the nearest existing name, and not again in every language.
  reportTextsMissingEverywhere(messages, needed, shownDir, flowFile, problems, missingEverywhere)
  reportAnswersMissingEverywhere(answers, neededAnswers, shownDir, flowFile, problems, missingEverywhere)
  checkMessages(messages, needed, missingEverywhere, shownDir, flowFile)
  checkAnswerWords(answers, neededAnswers, missingEverywhere, policy, flowFile)
  const pages = readPages(localesDir, shownDir, problems)
  checkAnswerShapes(answers)
  checkContains(flow, answers, flowFile)
  checkRights(flow, policy, flowFile, problems)
  if (failed()) return undefined
  checkOverlaps(flow, policy, answers)
  if (failed()) return undefined
  if (warnings) warnOptOutCollisions(answers, warnings)

  const bundle = { messages: {}, answers: {}, ...(pages ? { pages } : {}) } as LocaleBundle
  for (const language of LANGUAGES) {
    bundle.messages[language] = messages[language]!.data as Messages
    const {
      channels = {},
      [CONTAINS]: contains = {},
      ...words
    } = answers[language]!.data as Record<string, string[]> & {
      channels?: Record<string, string[]>
      contains?: Record<string, string[]>
    }
    bundle.answers[language] = { words, channels, contains }
  }
  return bundle
}

/**
 * Each right in flows/policy.yaml names the command the notice tells contacts to write (its first
 * word in answers.json): it must be a command of the flow.
 */
function checkRights(flow: Flow, policy: Policy, flowFile: string, problems: Problem[]): void {
  const commands = Object.keys(flow.commands)
  const policyFile = `${flowFile.slice(0, flowFile.lastIndexOf('/') + 1)}policy.yaml`
  for (const use of policy.rights) {
    if (!use.command || commands.includes(use.command)) continue
    const hint = nearest(use.command, commands)
    problems.push({
      file: policyFile,
      line: use.line,
      message: `right ${use.right}: "${use.command}" is not a command of ${flowFile}${hint ? ` (did you mean "${hint}"?)` : ''}; commands are: ${commands.join(', ')}, or write "contact" (contacts write to the privacy contact)`,
    })
  }
}
