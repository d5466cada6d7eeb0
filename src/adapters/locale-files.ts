/**
 * Reads `locales/<lang>/messages.json` (every text) and `locales/<lang>/answers.json` (the words
 * that count as each answer) and checks them against the flow: every key the bot can send exists
 * in every language, and every answer has words. Problems are `file:line: what to do`.
 * `locales/<lang>/pages.json` (the words of the pages and pictures) is read by page-files.ts.
 */
import { join } from 'node:path'
import { isMap, isScalar, isSeq, type Node } from 'yaml'
import { CHANNEL_INTENT, type Flow } from '../domain/flow.js'
import { answersOf, channelQuestions, choicesOf, numberWords, questionOf, questionsOf } from '../domain/steps.js'
import { handleKindOf } from '../domain/handles.js'
import { LANGUAGES, type Language } from '../domain/language.js'
import { CHANNELS, type Policy } from '../domain/policy.js'
import { nearest, OwnerFile, OwnerFileError, type Problem } from './owner-file.js'
import { readPages, type PageTextsFile } from './page-files.js'
import { createRecognizer, tokenize, CONTAINS_PREFIX, CONTAINS_UNCLEAR, FILLER_INTENT } from '../domain/intents.js'

/** The section of answers.json whose phrases count when contained in a longer message. */
const CONTAINS = 'contains'

export type Messages = { [key: string]: string | Messages }
export interface LocaleBundle {
  messages: Record<Language, Messages>
  /** Intent → words; `channels` holds channel → words. */
  answers: Record<Language, { words: Record<string, string[]>; channels: Record<string, string[]>; contains?: Record<string, string[]> }>
  /** The words of the pages and pictures (locales/<lang>/pages.json); see src/ports/page-texts.ts. */
  pages?: Record<Language, PageTextsFile>
}

interface LoadedFile {
  file: OwnerFile
  /** Flattened key → line. */
  keys: Map<string, number>
  /** The keys that hold a text (not a group of texts). */
  texts: Set<string>
  data: unknown
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
  // point at the flow line, with the nearest existing name.
  for (const [key, where] of needed) {
    if (where === 'bot' || LANGUAGES.some((l) => messages[l]!.keys.has(key))) continue
    missingEverywhere.add(key)
    const hint = nearest(key, [...messages[LANGUAGES[0]]!.texts])
    problems.push({
      file: flowFile,
      line: where,
      message: `"${key}" is not a text in ${shownDir}/*/messages.json${hint ? ` (did you mean "${hint}"?)` : `; add it to every language`}`,
    })
  }
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

  const reported = new Set<string>()
  for (const language of LANGUAGES) {
    const m = messages[language]!
    const a = answers[language]!
    for (const [key, where] of needed) {
      if (m.texts.has(key) || missingEverywhere.has(key)) continue
      if (m.keys.has(key)) {
        m.file.problem(
          m.keys.get(key)!,
          `"${key}" is a group of texts, but ${where === 'bot' ? 'the bot' : `${flowFile}:${where}`} uses it as one text; name one of the texts inside it (e.g. "${key}.…")`,
        )
        continue
      }
      const elsewhere = LANGUAGES.filter((l) => l !== language && messages[l]!.keys.has(key)).map(
        (l) => `${shownDir}/${l}/messages.json:${messages[l]!.keys.get(key)}`,
      )
      reported.add(key)
      m.file.problem(
        groupLine(m.keys, key),
        `missing text "${key}" (${where === 'bot' ? 'the bot sends it' : `used at ${flowFile}:${where}`})${elsewhere.length ? `; see ${elsewhere.join(', ')} for the other language` : ''}`,
      )
    }
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
  // A key in one language and not another is a text some contacts would never see.
  for (const language of LANGUAGES) {
    const m = messages[language]!
    for (const [key, line] of m.keys) {
      for (const other of LANGUAGES) {
        if (other !== language && !reported.has(key) && !messages[other]!.keys.has(key) && !isPluralVariant(key, messages[other]!.keys)) {
          m.file.problem(line, `"${key}" exists here but not in ${shownDir}/${other}/messages.json; add it there (or remove it here)`)
        }
      }
    }
  }
  const pages = readPages(localesDir, shownDir, problems)
  checkAnswerShapes(answers)
  checkContains(flow, answers, flowFile)
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

function readJson(path: string, name: string, problems: Problem[]): LoadedFile | undefined {
  const file = OwnerFile.read(path, name, problems)
  if (!file?.ok) return undefined
  const keys = new Map<string, number>()
  const texts = new Set<string>()
  const isMessages = name.endsWith('messages.json')
  const walk = (node: Node | null, prefix: string, line: number) => {
    for (const entry of file.entries(node, prefix || name, line)) {
      const key = prefix ? `${prefix}.${entry.key}` : entry.key
      keys.set(key, entry.line)
      if (entry.value && isMap(entry.value)) walk(entry.value, key, entry.line)
      else if (isMessages && !(isScalar(entry.value) && typeof entry.value.value === 'string')) {
        file.problem(entry.line, `"${key}" must be a text in quotes, e.g. "${entry.key}": "…"`)
      } else texts.add(key)
    }
  }
  walk(file.doc.contents as Node, '', 1)
  return { file, keys, texts, data: file.doc.toJS() }
}

/** Where a missing key belongs: the line of its nearest existing group ("consent" for "consent.hint"). */
function groupLine(keys: Map<string, number>, key: string): number {
  for (let group = key; group.includes('.'); ) {
    group = group.slice(0, group.lastIndexOf('.'))
    const line = keys.get(group)
    if (line) return line
  }
  return 1
}

function isPluralVariant(key: string, keys: Map<string, number>): boolean {
  // Languages differ in plural forms (_one, _few, _many…): a form one language lacks is fine.
  const base = /^(.*)_(zero|one|two|few|many|other)$/.exec(key)?.[1]
  return base !== undefined && [...keys.keys()].some((k) => k.startsWith(`${base}_`))
}

/** Message keys the bot can send → where they are used (a flow line, or 'bot' for built-in ones). */
function neededMessageKeys(flow: Flow, policy: Policy): Map<string, number | 'bot'> {
  const needed = new Map<string, number | 'bot'>()
  const use = (key: string, where: number | 'bot') => needed.has(key) || needed.set(key, where)
  const outcome = (o: { say: string[]; line: number }) => o.say.forEach((k) => use(k, o.line))
  for (const o of Object.values(flow.commands)) {
    outcome(o)
    if (!o.aside) continue
    use(o.aside.ask, o.aside.line)
    Object.values(o.aside.answers).forEach(outcome)
    o.aside.unclear?.say.forEach((k) => use(k, o.aside!.unclear!.line))
  }
  outcome(flow.media)
  for (const step of Object.values(flow.steps)) {
    step.say.forEach((k) => use(k, step.line))
    const asked = questionOf(step)
    if (asked) use(asked, step.line)
    answersOf(step).forEach(([, o]) => outcome(o))
    if (step.kind !== 'ask') continue
    if (step.media) outcome(step.media)
    step.unclear?.say.forEach((k) => use(k, step.unclear!.line))
    step.unclear?.then?.forEach((k) => use(k, step.unclear!.line))
    // A numbered step's answers are listed with their words under "choices".
    for (const intent of choicesOf(step)) use(`choices.${intent}`, step.answers[intent]!.line)
  }
  for (const key of [
    'channel.stay',
    'channel.link',
    'channel.confirm',
    'channel.confirmHint',
    'channel.saved',
    'notice.link',
    'notice.required',
    'notice.optional',
    'summary.purpose',
    'summary.given',
    'summary.refused',
    'summary.withdrawn',
    'summary.lapsed',
    'summary.none',
    'summary.channel',
    'summary.channelWithHandle',
    'errors.textOnly',
    'errors.sorry',
    'errors.slowDown',
    'errors.restarted',
    'list.and',
    'myData.language',
    'myData.languageName',
    'myData.since',
    'myData.purpose',
    'myData.noConsents',
    'myData.channel',
    'myData.channelWithHandle',
    'rights.purposeOption',
  ])
    use(key, 'bot')
  if (flow.reconsent) {
    for (const key of [
      'reconsent.version',
      'reconsent.newPurpose',
      'reconsent.removedPurpose',
      'reconsent.newData',
      'reconsent.retention',
      'reconsent.expired',
    ])
      use(key, 'bot')
  }
  for (const p of policy.purposes) {
    use(`purposes.${p.id}.name`, 'bot')
    use(`purposes.${p.id}.description`, 'bot')
  }
  for (const kind of policy.collects) use(`data.${kind}`, 'bot')
  use(`retention.${policy.retention.unit}_other`, 'bot')
  for (const c of policy.channels) {
    use(`channels.${c.channel}`, 'bot')
    const kind = handleKindOf(c.channel)
    if (kind && !c.link) {
      for (const texts of kind === 'phone' ? ['phone', 'otherPhone'] : [kind]) {
        use(`channel.ask.${texts}`, 'bot')
        use(`channel.invalid.${texts}`, 'bot')
      }
    }
  }
  return needed
}

/** Answer intents the flow uses → the line that uses them. */
function neededIntents(flow: Flow): Map<string, number> {
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

function checkAnswerShapes(answers: Record<Language, LoadedFile | undefined>): void {
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
function checkOverlaps(flow: Flow, policy: Policy, answers: Record<Language, LoadedFile | undefined>): void {
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

/**
 * The `contains` section: phrases that mean a command wherever they appear in a message. Only
 * commands of the flow (which never record consent) and `unclear` may have them, and no answer
 * of that name may grant consent: a phrase inside "sí, pero dejen de escribirme" must never
 * become a yes.
 */
function checkContains(flow: Flow, answers: Record<Language, LoadedFile | undefined>, flowFile: string): void {
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
function warnOptOutCollisions(answers: Record<Language, LoadedFile | undefined>, warnings: Problem[]): void {
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
