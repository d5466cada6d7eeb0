/**
 * Checks `locales/<lang>/messages.json` against the flow and the policy: every text the bot can
 * send is there, in every language, as one text (not a group of texts), and no language has a
 * text the others lack.
 */
import type { Flow } from '../../domain/flow.js'
import { handleKindOf } from '../../domain/handles.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import { answersOf, choicesOf, questionOf } from '../../domain/steps.js'
import { messageVariables } from '../../ports/message-variables.js'
import { nearest, type Problem } from '../owner-file.js'
import { groupLine, type LoadedFile } from './locale-json.js'

/** A text the flow uses that no language has: reported once, at the flow line, and added to `missingEverywhere`. */
export function reportTextsMissingEverywhere(
  messages: Record<Language, LoadedFile | undefined>,
  needed: Map<string, number | 'bot'>,
  shownDir: string,
  flowFile: string,
  problems: Problem[],
  missingEverywhere: Set<string>,
): void {
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
}

/** Every language has every text it needs (but those missing everywhere), and no key the other languages lack. */
export function checkMessages(
  messages: Record<Language, LoadedFile | undefined>,
  needed: Map<string, number | 'bot'>,
  missingEverywhere: Set<string>,
  shownDir: string,
  flowFile: string,
): void {
  const reported = new Set<string>()
  for (const language of LANGUAGES) {
    const m = messages[language]!
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
  for (const language of LANGUAGES) checkVariables(messages[language]!)
  for (const language of LANGUAGES) checkButtonLabels(messages[language]!)
}

/** WhatsApp cuts a reply button's label (and the list's button) after 20 characters. */
const MAX_BUTTON_LABEL = 20

/**
 * The labels under `buttons` (the Cloud API's reply buttons: `buttons.yes`, …, and `buttons.list`
 * on the button that opens a list) fit on a button, and name no variable.
 */
export function checkButtonLabels(m: LoadedFile): void {
  for (const key of m.texts) {
    if (!key.startsWith('buttons.')) continue
    const label = textAt(m.data, key)
    if (label === undefined) continue
    const line = m.keys.get(key)!
    const length = [...label].length
    if (length > MAX_BUTTON_LABEL)
      m.file.problem(
        line,
        `"${key}" is ${length} characters; a WhatsApp button shows at most ${MAX_BUTTON_LABEL}: shorten it (e.g. "${[...label]
          .slice(0, MAX_BUTTON_LABEL)
          .join('')
          .trim()}")`,
      )
    else if (label.trim() === '')
      m.file.problem(line, `"${key}" is empty; write the button's label, or remove the line to show no button for that answer`)
  }
}

/**
 * Every `{{variable}}` of every text is one the bot gives that text (src/ports/message-variables.ts)
 * and is closed: otherwise contacts would receive the braces as written.
 */
export function checkVariables(m: LoadedFile): void {
  for (const key of m.texts) {
    const text = textAt(m.data, key)
    if (text === undefined) continue
    const given = messageVariables(key)
    const line = m.keys.get(key)!
    for (const problem of variableProblems(text, given)) m.file.problem(line, `"${key}": ${problem}`)
  }
}

/** What is wrong with the `{{…}}` of one text, in words for the owner. */
export function variableProblems(text: string, given: readonly string[]): string[] {
  const problems: string[] = []
  const canUse = given.length ? `it can use ${given.map((v) => `{{${v}}}`).join(', ')}` : 'it uses no variables'
  for (let at = text.indexOf('{{'); at >= 0; at = text.indexOf('{{', at + 2)) {
    const close = text.indexOf('}}', at + 2)
    const nextOpen = text.indexOf('{{', at + 2)
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      const shown = text.slice(at, at + 2 + (/^[\w.]*/.exec(text.slice(at + 2))?.[0].length ?? 0))
      problems.push(`"${shown}" has no closing "}}"; write it as {{name}} (contacts would see the braces)`)
      continue
    }
    // i18next's own forms: {{name}}, {{ name }}, {{name, format}}.
    const name = text
      .slice(at + 2, close)
      .split(',')[0]!
      .trim()
    if (!/^[A-Za-z_][\w]*$/.test(name)) {
      problems.push(`{{${text.slice(at + 2, close)}}} is not a variable name (letters and digits, no spaces); ${canUse}`)
    } else if (!given.includes(name)) {
      const hint = nearest(name, given)
      problems.push(
        `{{${name}}} is not filled in by the bot in this text${hint ? ` (did you mean {{${hint}}}?)` : ''}: contacts would see it as written; ${canUse}`,
      )
    }
  }
  return problems
}

function textAt(data: unknown, key: string): string | undefined {
  let value: unknown = data
  for (const part of key.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  return typeof value === 'string' ? value : undefined
}

function isPluralVariant(key: string, keys: Map<string, number>): boolean {
  // Languages differ in plural forms (_one, _few, _many…): a form one language lacks is fine.
  const base = /^(.*)_(zero|one|two|few|many|other)$/.exec(key)?.[1]
  return base !== undefined && [...keys.keys()].some((k) => k.startsWith(`${base}_`))
}

/** Message keys the bot can send → where they are used (a flow line, or 'bot' for built-in ones). */
export function neededMessageKeys(flow: Flow, policy: Policy): Map<string, number | 'bot'> {
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
    'errors.savingLater',
    'errors.notSaved',
    'whatsapp.about',
    'list.and',
    'myData.language',
    'myData.languageName',
    'myData.since',
    'myData.purpose',
    'myData.noConsents',
    'myData.channel',
    'myData.channelWithHandle',
    'rights.purposeOption',
    // The staff's hours (a contact asking for a person) and the notes to the staff's WhatsApp.
    'human.hours',
    'human.days',
    'staff.asked',
    'staff.message',
    'staff.contact',
    'staff.anonymous',
    'staff.quote',
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
    use(`purposes.${p.id}.inReturn`, 'bot')
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
