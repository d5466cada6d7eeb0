/**
 * Reads what an answer, a command or a photo leads to (an outcome: what to say, what consent to
 * record or withdraw, a right, a language, the next step), a command's own question (an aside),
 * and a question's `unclear` (the hint for an answer not understood).
 */
import { isSeq, type Node } from 'yaml'
import { RIGHTS, type Outcome, type Right, type Unclear } from '../../domain/flow.js'
import { isLanguage, LANGUAGES } from '../../domain/language.js'
import type { OwnerFile } from '../owner-file.js'

const OUTCOME_FIELDS = ['say', 'record', 'withdraw', 'language', 'right', 'handover', 'next'] as const
/** A command may ask a question of its own without leaving the contact's step. */
const ASIDE_FIELDS = ['ask', 'answers', 'unclear'] as const

export function readOutcome(file: OwnerFile, node: Node | null, where: string, line: number, command = false): Outcome {
  const fields = file.entries(node, where, line)
  file.onlyKnownKeys(fields, command ? [...OUTCOME_FIELDS, ...ASIDE_FIELDS] : OUTCOME_FIELDS, where)
  const get = (key: string) => fields.find((f) => f.key === key)
  const outcome: Outcome = { say: [], line }
  const say = get('say')
  if (say) outcome.say = file.texts(say.value, 'say', say.line)
  const next = get('next')
  const nextStep = next && file.text(next.value, 'next', next.line)
  if (nextStep) outcome.next = nextStep

  const handover = get('handover')
  if (handover && readTrue(file, handover, `"handover: true" passes the chat to a person (or remove the line)`)) outcome.handover = true

  const record = get('record')
  if (record) {
    const entries = file.entries(record.value, `record in ${where}`, record.line)
    const kinds = entries.filter((e) => e.key === 'grant' || e.key === 'refuse')
    if (kinds.length !== 1 || entries.length !== 1) {
      file.problem(record.line, `record needs exactly one of "grant: <purpose>" or "refuse: <purpose>"`)
    } else {
      const purpose = file.text(kinds[0]!.value, kinds[0]!.key, kinds[0]!.line) ?? ''
      outcome.record = { purpose, given: kinds[0]!.key === 'grant' }
    }
  }
  const withdraw = get('withdraw')
  if (withdraw) {
    const list = withdraw.value && isSeq(withdraw.value) ? file.texts(withdraw.value, 'withdraw', withdraw.line) : undefined
    if (list && list.length > 0) outcome.withdraw = list
    else if (!list && file.text(withdraw.value, 'withdraw', withdraw.line) === 'all') outcome.withdraw = 'all'
    else
      file.problem(
        withdraw.line,
        'write "withdraw: all" (every consent at once) or a list of optional purposes, e.g. "withdraw: [marketing]"',
      )
  }
  const ask = get('ask')
  const asked = ask && file.text(ask.value, 'ask', ask.line)
  if (asked) {
    const answers: Record<string, Outcome> = {}
    const answersEntry = get('answers')
    if (!answersEntry)
      file.problem(ask.line, `${where} asks "${asked}" but lists no answers; add "answers:" (e.g. everything, onlyOffers, no)`)
    for (const entry of file.entries(answersEntry?.value ?? null, `the answers of ${where}`, answersEntry?.line ?? ask.line)) {
      answers[entry.key] = readOutcome(file, entry.value, `answer ${entry.key} of ${where}`, entry.line)
    }
    const unclearEntry = get('unclear')
    outcome.aside = {
      ask: asked,
      answers,
      ...(unclearEntry ? { unclear: readUnclear(file, unclearEntry.value, where, unclearEntry.line) } : {}),
      line: ask.line,
    }
  } else if (get('answers') || get('unclear')) {
    file.problem((get('answers') ?? get('unclear'))!.line, `"answers" and "unclear" in ${where} need "ask: <question>"`)
  }
  const right = get('right')
  if (right) {
    const value = file.text(right.value, 'right', right.line)
    if ((RIGHTS as readonly (string | undefined)[]).includes(value)) outcome.right = value as Right
    else file.problem(right.line, `right must be one of: ${RIGHTS.join(', ')} (access shows the contact their data; erasure deletes it)`)
  }
  const language = get('language')
  if (language) {
    const value = file.text(language.value, 'language', language.line)
    if (isLanguage(value)) outcome.language = value
    else file.problem(language.line, `language must be one of: ${LANGUAGES.join(', ')}`)
  }
  return outcome
}

export function readUnclear(file: OwnerFile, node: Node | null, id: string, line: number): Unclear {
  const fields = file.entries(node, `unclear of ${id}`, line)
  file.onlyKnownKeys(fields, ['say', 'after', 'then'], `unclear of ${id}`)
  const get = (key: string) => fields.find((f) => f.key === key)
  const unclear: Unclear = { say: [], line }
  const say = get('say')
  if (say) unclear.say = file.texts(say.value, 'say', say.line)
  else file.problem(line, `unclear of ${id} needs "say: <message>": a hint that tells the contact how to answer`)
  const after = get('after')
  const then = get('then')
  if (after) {
    const n = Number(file.text(after.value, 'after', after.line))
    if (!Number.isInteger(n) || n < 1) file.problem(after.line, '"after" must be a whole number of unclear answers, e.g. 3')
    else unclear.after = n
  }
  if (then) unclear.then = file.texts(then.value, 'then', then.line)
  if (Boolean(after) !== Boolean(then))
    file.problem((after ?? then)!.line, `"after" and "then" go together: after N unclear answers, say "then"`)
  return unclear
}

/** A field that can only be `true` (written to turn something on); a problem otherwise. */
export function readTrue(file: OwnerFile, entry: { value: Node | null; line: number; key: string }, hint: string): boolean {
  const value = file.text(entry.value, entry.key, entry.line)
  if (value === 'true') return true
  file.problem(entry.line, `${entry.key} "${value ?? ''}" is not understood: write ${hint}`)
  return false
}
