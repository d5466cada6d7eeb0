/**
 * Reads `flows/policy.yaml` and `flows/consent.yaml` into a validated policy and flow.
 * Every mistake becomes `flows/<file>:<line>: what is wrong, and how to mend it`; all of them
 * are reported at once so the owner can fix a file in one go.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { isMap, isSeq, type Node } from 'yaml'
import { checkFlow } from '../domain/flow-check.js'
import { RIGHTS, type BusinessFlow, type Flow, type Outcome, type Right, type Step, type Unclear } from '../domain/flow.js'
import { isLanguage, LANGUAGES } from '../domain/language.js'
import { CHANNELS, type Channel, type OfferedChannel, type Policy, type Purpose, type RetentionUnit } from '../domain/policy.js'
import { OwnerFile, OwnerFileError, type Problem } from './owner-file.js'

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/

/** Reads and checks both files; throws OwnerFileError listing every problem. */
export function loadBusinessFlow(flowsDir: string, shownDir = 'flows'): BusinessFlow {
  const problems: Problem[] = []
  const business = readBusinessFlow(flowsDir, shownDir, problems)
  if (!business || problems.length > 0) throw new OwnerFileError(problems)
  return business
}

/**
 * Reads and checks both files, adding every problem to `problems`. Returns what could be read
 * (for further checks of the texts) unless a file is missing or not valid YAML.
 */
export function readBusinessFlow(flowsDir: string, shownDir: string, problems: Problem[]): BusinessFlow | undefined {
  const policyFile = OwnerFile.read(join(flowsDir, 'policy.yaml'), `${shownDir}/policy.yaml`, problems)
  const flowFile = OwnerFile.read(join(flowsDir, 'consent.yaml'), `${shownDir}/consent.yaml`, problems)
  if (!policyFile?.ok || !flowFile?.ok) return undefined

  const policy = readPolicy(policyFile)
  const before = problems.length
  const flow = readFlow(flowFile)
  // The graph checks need a well-formed flow; a problem in the policy alone does not stop them,
  // so the owner sees every mistake of both files at once.
  if (problems.length === before) {
    for (const p of checkFlow(flow, policy)) flowFile.problem(p.line, p.message)
  }
  // Line numbers are left out: moving a comment is not a new version of the conversation.
  const flowVersion = createHash('sha256')
    .update(JSON.stringify(flow, (key, value) => (key === 'line' ? undefined : value)))
    .digest('hex')
    .slice(0, 12)
  return { policy, flow, flowVersion }
}

function readPolicy(file: OwnerFile): Policy {
  const top = file.entries(file.doc.contents as Node, 'policy.yaml', 1)
  file.onlyKnownKeys(
    top,
    [
      'version',
      'controller',
      'noticeUrl',
      'retention',
      'collects',
      'purposes',
      'channels',
      'consentValidForDays',
      'lapseUnansweredAfterDays',
    ],
    'policy.yaml',
  )
  const field = (key: string) => top.find((e) => e.key === key)
  const required = (key: string, what: string) => {
    const entry = field(key)
    if (!entry) file.problem(1, `"${key}" is missing: add ${what}`)
    return entry
  }

  const versionEntry = required('version', 'a line like "version: 2026-11-01" (change it whenever the policy changes)')
  const version = versionEntry ? (file.text(versionEntry.value, 'version', versionEntry.line) ?? '') : ''

  const controllerEntry = required('controller', 'the business name and a privacy contact: "controller: { name: …, contact: … }"')
  const controller = { name: '', contact: '' }
  if (controllerEntry) {
    const entries = file.entries(controllerEntry.value, 'controller', controllerEntry.line)
    file.onlyKnownKeys(entries, ['name', 'contact'], 'controller')
    for (const key of ['name', 'contact'] as const) {
      const entry = entries.find((e) => e.key === key)
      const value = entry && file.text(entry.value, `controller ${key}`, entry.line)
      if (!value)
        file.problem(
          controllerEntry.line,
          `controller needs a ${key}${key === 'contact' ? ' (an email address or phone where contacts can ask about their data)' : ''}`,
        )
      else controller[key] = value
    }
  }

  let noticeUrl: string | undefined
  const urlEntry = field('noticeUrl')
  if (urlEntry) {
    noticeUrl = file.text(urlEntry.value, 'noticeUrl', urlEntry.line)
    if (noticeUrl && !isWebLink(noticeUrl))
      file.problem(urlEntry.line, `noticeUrl must be a web address starting with https:// (or remove the line)`)
  }

  let retention: Policy['retention'] = { amount: 0, unit: 'years' }
  const retentionEntry = required('retention', 'how long data is kept, e.g. "retention: 2 years"')
  if (retentionEntry) {
    const text = file.text(retentionEntry.value, 'retention', retentionEntry.line) ?? ''
    const parsed = parseRetention(text)
    if (parsed) retention = parsed
    else
      file.problem(
        retentionEntry.line,
        `retention "${text}" is not understood: write a number and days, months or years, e.g. "retention: 2 years"`,
      )
  }

  const collects: string[] = []
  const collectsEntry = required('collects', 'the kinds of data collected, e.g. "collects: [phone, name, messages]"')
  if (collectsEntry) {
    for (const item of file.texts(collectsEntry.value, 'collects', collectsEntry.line)) {
      if (IDENTIFIER.test(item)) collects.push(item)
      else
        file.problem(
          collectsEntry.line,
          `"${item}" in collects must be one word (letters, digits, _); its text goes in locales under data.${item}`,
        )
    }
  }

  const purposes: Purpose[] = []
  const purposesEntry = required('purposes', 'at least one purpose, e.g. "purposes: { service: { required: true } }"')
  if (purposesEntry) {
    for (const entry of file.entries(purposesEntry.value, 'purposes', purposesEntry.line)) {
      if (!IDENTIFIER.test(entry.key)) file.problem(entry.line, `purpose "${entry.key}" must be one word (letters, digits, _)`)
      const fields = file.entries(entry.value, `purpose ${entry.key}`, entry.line)
      file.onlyKnownKeys(fields, ['required'], `purpose ${entry.key}`)
      const req = fields.find((f) => f.key === 'required')
      const value = req && file.text(req.value, 'required', req.line)
      if (value !== 'true' && value !== 'false') {
        file.problem(
          req?.line ?? entry.line,
          `purpose ${entry.key} needs "required: true" (needed for the chat itself) or "required: false" (optional, asked separately)`,
        )
      }
      purposes.push({ id: entry.key, required: value === 'true', line: entry.line })
    }
    if (purposes.length === 0) file.problem(purposesEntry.line, 'declare at least one purpose')
  }

  const channels: OfferedChannel[] = []
  const channelsEntry = required('channels', 'the channels offered, e.g. "channels: { whatsapp: {}, email: {} }"')
  if (channelsEntry) {
    for (const entry of file.entries(channelsEntry.value, 'channels', channelsEntry.line)) {
      if (!(CHANNELS as readonly string[]).includes(entry.key)) {
        file.problem(entry.line, `"${entry.key}" is not a channel the bot knows; use one of: ${CHANNELS.join(', ')}`)
        continue
      }
      const fields = entry.value && isMap(entry.value) ? file.entries(entry.value, `channel ${entry.key}`, entry.line) : []
      if (entry.value && !isMap(entry.value) && file.text(entry.value, entry.key, entry.line) !== '') {
        file.problem(entry.line, `write channel ${entry.key} as "${entry.key}: {}" or "${entry.key}: { link: https://… }"`)
      }
      file.onlyKnownKeys(fields, ['link'], `channel ${entry.key}`)
      const linkEntry = fields.find((f) => f.key === 'link')
      const link = linkEntry && file.text(linkEntry.value, 'link', linkEntry.line)
      if (linkEntry && (!link || !isWebLink(link)))
        file.problem(linkEntry.line, `the link of ${entry.key} must be a web address starting with https://`)
      channels.push({ channel: entry.key as Channel, ...(link ? { link } : {}), line: entry.line })
    }
    if (channels.length === 0) file.problem(channelsEntry.line, 'offer at least one channel (whatsapp: {} keeps contacts here)')
  }

  const days = (key: 'consentValidForDays' | 'lapseUnansweredAfterDays', meaning: string) => {
    const entry = field(key)
    if (!entry) return {}
    const n = Number(file.text(entry.value, key, entry.line))
    if (Number.isInteger(n) && n > 0) return { [key]: n }
    file.problem(entry.line, `${key} must be a whole number of days (${meaning}), e.g. "${key}: 365", or remove the line`)
    return {}
  }
  return {
    version,
    controller,
    ...(noticeUrl ? { noticeUrl } : {}),
    retention,
    collects,
    purposes,
    channels,
    ...days('consentValidForDays', 'after that, a contact is asked again'),
    ...days('lapseUnansweredAfterDays', 'a consent question left unanswered that long is recorded as lapsed'),
  }
}

const STEP_FIELDS = ['say', 'ask', 'answers', 'unclear', 'numbered', 'media', 'next', 'rest', 'channel', 'back'] as const
const OUTCOME_FIELDS = ['say', 'record', 'withdraw', 'language', 'right', 'next'] as const
/** A command may ask a question of its own without leaving the contact's step. */
const ASIDE_FIELDS = ['ask', 'answers', 'unclear'] as const
/** An answer a question does not take although the flow's defaults give it: `info: off`. */
const OFF = 'off'

/** What every question takes unless it says otherwise (`defaults:` at the top of consent.yaml). */
interface Defaults {
  answers: Record<string, Outcome>
  unclear?: Unclear
  media?: Outcome
}

function readFlow(file: OwnerFile): Flow {
  const top = file.entries(file.doc.contents as Node, 'consent.yaml', 1)
  file.onlyKnownKeys(top, ['start', 'reconsent', 'defaults', 'commands', 'steps'], 'consent.yaml')
  const startEntry = top.find((e) => e.key === 'start')
  if (!startEntry) file.problem(1, '"start" is missing: add "start: <the first step>"')
  const start = (startEntry && file.text(startEntry.value, 'start', startEntry.line)) ?? ''
  const reconsentEntry = top.find((e) => e.key === 'reconsent')
  const reconsent = reconsentEntry && file.text(reconsentEntry.value, 'reconsent', reconsentEntry.line)

  const defaults = readDefaults(
    file,
    top.find((e) => e.key === 'defaults'),
  )

  const commands: Record<string, Outcome> = {}
  const commandsEntry = top.find((e) => e.key === 'commands')
  for (const entry of file.entries(commandsEntry?.value, 'commands', commandsEntry?.line ?? 1)) {
    commands[entry.key] = readOutcome(file, entry.value, `command ${entry.key}`, entry.line, true)
  }

  const steps: Record<string, Step> = {}
  const stepsEntry = top.find((e) => e.key === 'steps')
  if (!stepsEntry) file.problem(1, '"steps" is missing: the conversation needs at least one step')
  for (const entry of file.entries(stepsEntry?.value, 'steps', stepsEntry?.line ?? 1)) {
    if (!IDENTIFIER.test(entry.key)) file.problem(entry.line, `step name "${entry.key}" must be one word (letters, digits, _)`)
    steps[entry.key] = readStep(file, entry.key, entry.value, entry.line, defaults)
  }
  return {
    start,
    startLine: startEntry?.line ?? 1,
    ...(reconsent ? { reconsent, reconsentLine: reconsentEntry!.line } : {}),
    commands,
    media: defaults.media ?? { say: ['errors.textOnly'], line: 1 },
    steps,
  }
}

function readDefaults(file: OwnerFile, entry: { value: Node | null; line: number } | undefined): Defaults {
  const defaults: Defaults = { answers: {} }
  if (!entry) return defaults
  const fields = file.entries(entry.value, 'defaults', entry.line)
  file.onlyKnownKeys(fields, ['answers', 'unclear', 'media'], 'defaults')
  for (const field of fields) {
    if (field.key === 'answers') {
      for (const a of file.entries(field.value, 'the answers of defaults', field.line)) {
        defaults.answers[a.key] = { ...readOutcome(file, a.value, `default answer ${a.key}`, a.line), fromDefaults: true }
      }
    } else if (field.key === 'unclear') defaults.unclear = readUnclear(file, field.value, 'defaults', field.line)
    else if (field.key === 'media') defaults.media = readOutcome(file, field.value, 'media of defaults', field.line)
  }
  return defaults
}

/** A step's own `unclear`, its missing `after` and `then` taken from the defaults. */
function withDefaults(own: Unclear | undefined, defaults: Unclear | undefined): Unclear | undefined {
  if (!own || !defaults) return own ?? defaults
  if (own.after !== undefined || own.then !== undefined || defaults.after === undefined) return own
  return { ...own, after: defaults.after, then: defaults.then! }
}

function readStep(file: OwnerFile, id: string, node: Node | null, line: number, defaults: Defaults): Step {
  const fields = file.entries(node, `step ${id}`, line)
  file.onlyKnownKeys(fields, STEP_FIELDS, `step ${id}`)
  const get = (key: string) => fields.find((f) => f.key === key)
  const text = (key: string) => {
    const f = get(key)
    return f ? file.text(f.value, key, f.line) : undefined
  }
  const say = get('say')
  const base = { id, say: say ? file.texts(say.value, 'say', say.line) : [], line }
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
  if (!ask && channel !== 'details' && !next && !rest)
    problem(`step ${id} has no way out: a contact reaching it would be stuck; give it "ask" with answers, "next" or "rest"`)
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
  return { ...base, kind: 'rest', ...(rest ? { rest } : {}), answers: {} }
}

function readOutcome(file: OwnerFile, node: Node | null, where: string, line: number, command = false): Outcome {
  const fields = file.entries(node, where, line)
  file.onlyKnownKeys(fields, command ? [...OUTCOME_FIELDS, ...ASIDE_FIELDS] : OUTCOME_FIELDS, where)
  const get = (key: string) => fields.find((f) => f.key === key)
  const outcome: Outcome = { say: [], line }
  const say = get('say')
  if (say) outcome.say = file.texts(say.value, 'say', say.line)
  const next = get('next')
  const nextStep = next && file.text(next.value, 'next', next.line)
  if (nextStep) outcome.next = nextStep

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

function readUnclear(file: OwnerFile, node: Node | null, id: string, line: number): Unclear {
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

function parseRetention(text: string): Policy['retention'] | undefined {
  const match = /^(\d+)\s*([a-zñáéíóú]+)$/i.exec(text.trim())
  if (!match) return undefined
  const units: Record<string, RetentionUnit> = {
    day: 'days',
    days: 'days',
    dia: 'days',
    dias: 'days',
    día: 'days',
    días: 'days',
    month: 'months',
    months: 'months',
    mes: 'months',
    meses: 'months',
    year: 'years',
    years: 'years',
    ano: 'years',
    anos: 'years',
    año: 'years',
    años: 'years',
  }
  const unit = units[match[2]!.toLowerCase()]
  const amount = Number(match[1])
  return unit && amount > 0 ? { amount, unit } : undefined
}

function isWebLink(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
