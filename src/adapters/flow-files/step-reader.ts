/**
 * Reads one step of consent.yaml, tells what kind it is (a question, a message, a rest, the
 * channel step) and reports the fields that do not belong to that kind.
 */
import { isMap, type Node } from 'yaml'
import type { Outcome, Step } from '../../domain/flow.js'
import type { OwnerFile } from '../owner-file.js'
import { type Defaults, OFF, withDefaults } from './defaults-reader.js'
import { readOutcome, readTrue, readUnclear } from './outcome-reader.js'

const STEP_FIELDS = [
  'say',
  'ask',
  'answers',
  'unclear',
  'numbered',
  'media',
  'next',
  'rest',
  'quiet',
  'handover',
  'channel',
  'back',
] as const

export function readStep(file: OwnerFile, id: string, node: Node | null, line: number, defaults: Defaults): Step {
  const fields = file.entries(node, `step ${id}`, line)
  file.onlyKnownKeys(fields, STEP_FIELDS, `step ${id}`)
  const get = (key: string) => fields.find((f) => f.key === key)
  const text = (key: string) => {
    const f = get(key)
    return f ? file.text(f.value, key, f.line) : undefined
  }
  const say = get('say')
  const handoverEntry = get('handover')
  const handover =
    handoverEntry && readTrue(file, handoverEntry, `"handover: true" (on arrival the chat is passed to the staff), or remove the line`)
  const base = { id, say: say ? file.texts(say.value, 'say', say.line) : [], ...(handover ? { handover: true as const } : {}), line }
  const answers: Record<string, Outcome> = {}
  const off = new Set<string>()
  const answersEntry = get('answers')
  for (const entry of file.entries(answersEntry?.value, `the answers of ${id}`, answersEntry?.line ?? line)) {
    if (entry.key in defaults.answers && entry.value && !isMap(entry.value) && file.text(entry.value, entry.key, entry.line) === OFF) {
      off.add(entry.key)
      continue
    }
    answers[entry.key] = readOutcome(file, entry.value, `answer ${entry.key} of ${id}`, entry.line)
  }
  const unclearEntry = get('unclear')
  const unclear = unclearEntry ? readUnclear(file, unclearEntry.value, id, unclearEntry.line) : undefined
  const channel = text('channel')
  if (channel !== undefined && channel !== 'details')
    file.problem(get('channel')!.line, `"channel: ${channel}" is not known; write "channel: details"`)
  const ask = text('ask')
  const next = text('next')
  const rest = text('rest')
  const quietEntry = get('quiet')
  const quiet =
    quietEntry &&
    readTrue(file, quietEntry, `"quiet: true" (the bot waits and leaves what the contact writes to the staff), or remove the line`)
  const back = text('back')
  if (back && channel !== 'details') file.problem(get('back')!.line, `"back" only works in a "channel: details" step; remove it from ${id}`)
  const only = (field: 'numbered' | 'media', what: string) => {
    const f = get(field)
    if (f && !ask) file.problem(f.line, `"${field}" only works in a step that asks a question (${what}); remove it from ${id}`)
    return f
  }
  const numberedEntry = only('numbered', 'its answers are then numbered 1, 2, … in the order written')
  const numbered = numberedEntry && file.text(numberedEntry.value, 'numbered', numberedEntry.line)
  if (numbered !== undefined && numbered !== 'true' && numbered !== 'false')
    file.problem(numberedEntry!.line, `write "numbered: true" (the answers can be picked by number) or remove the line`)
  const mediaEntry = only('media', 'what a photo or a voice note gets there')
  const media = mediaEntry && ask ? readOutcome(file, mediaEntry.value, `media of ${id}`, mediaEntry.line) : undefined

  // What kind of step it is; fields of another kind are a mistake the owner is told about.
  const problem = (message: string) => file.problem(line, message)
  if (ask && rest) problem(`step ${id} has both "ask" and "rest"; a question already waits for the answer, remove "rest"`)
  if (rest && next)
    problem(`step ${id} has both "next" and "rest"; use "next" to move on at once, or "rest" to wait for the contact's next message`)
  if (quietEntry && (ask || next || rest || channel))
    problem(
      `step ${id} is "quiet" (the bot waits and leaves the chat to the staff) and also has "${ask ? 'ask' : next ? 'next' : rest ? 'rest' : 'channel'}"; a quiet step does nothing else: remove one`,
    )
  if (!ask && channel !== 'details' && !next && !rest && !quietEntry)
    problem(
      `step ${id} has no way out: a contact reaching it would be stuck; give it "ask" with answers, "next", "rest", or "quiet: true" (the staff take over)`,
    )
  if (!ask && channel !== 'details' && Object.keys(answers).length > 0)
    problem(`step ${id} lists answers but asks nothing; add "ask: <question>"`)
  if (channel === 'details') {
    if (!next) problem(`channel step ${id} needs "next": where to go once the channel is settled`)
    if (ask) problem(`channel step ${id} asks its own questions; remove "ask"`)
    return { ...base, kind: 'channel', next: next ?? '', channelDetails: back ? { back } : {}, answers: {} }
  }
  if (ask) {
    if (Object.keys(answers).length === 0) problem(`step ${id} asks "${ask}" but lists no answers; add "answers:" (e.g. yes and no)`)
    for (const [intent, o] of Object.entries(defaults.answers)) if (!(intent in answers) && !off.has(intent)) answers[intent] = o
    const asked = withDefaults(unclear, defaults.unclear)
    return {
      ...base,
      kind: 'ask',
      ask,
      answers,
      ...(asked ? { unclear: asked } : {}),
      ...(numbered === 'true' ? { numbered: true } : {}),
      ...(media ? { media } : {}),
    }
  }
  if (next && !rest) return { ...base, kind: 'say', next, answers: {} }
  return { ...base, kind: 'rest', ...(rest ? { rest } : {}), ...(quiet && !rest ? { quiet: true as const } : {}), answers: {} }
}
