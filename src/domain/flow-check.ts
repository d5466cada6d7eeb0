/**
 * The rules a flow must keep for the conversation to be safe and never trap a contact:
 * every step exists and can be reached, every step has a way out, consent is recorded only
 * as the answer to a question, and only for purposes the policy declares.
 */
import { BACK_INTENT, CHANNEL_INTENT, type Flow, type Outcome, type Step } from './flow.js'
import { answersOf, reachable } from './steps.js'
import type { Policy } from './policy.js'
import { nearest } from './names.js'

export interface FlowProblem {
  line: number
  message: string
}

/** Intents that can never mean consent. */
const NEVER_CONSENT = new Set(['no', 'info', 'help', 'stop', BACK_INTENT])

export function checkFlow(flow: Flow, policy: Policy): FlowProblem[] {
  const problems: FlowProblem[] = []
  const stepNames = Object.keys(flow.steps)
  const known = (name: string) => name in flow.steps
  const unknown = (line: number, name: string, field: string) => {
    const hint = nearest(name, stepNames)
    problems.push({
      line,
      message: `${field} "${name}" is not a step${hint ? ` (did you mean "${hint}"?)` : ''}; steps are: ${stepNames.join(', ')}`,
    })
  }
  const purposes = policy.purposes.map((p) => p.id)
  const optional = policy.purposes.filter((p) => !p.required).map((p) => p.id)

  if (flow.start && !known(flow.start)) unknown(flow.startLine, flow.start, 'start')
  if (flow.reconsent && !known(flow.reconsent)) unknown(flow.reconsentLine ?? 1, flow.reconsent, 'reconsent')

  const checkOutcome = (o: Outcome, where: string, asked: boolean, intent: string) => {
    if (o.next && !known(o.next)) unknown(o.line, o.next, `next of ${where}`)
    if (o.next && flow.steps[o.next]?.kind === 'channel' && intent !== CHANNEL_INTENT) {
      problems.push({
        line: o.line,
        message: `${where} leads to the channel step ${o.next}, but only the "channel" answer (the contact picking a channel) may lead there`,
      })
    }
    if (o.right === 'erasure' && (!asked || NEVER_CONSENT.has(intent))) {
      problems.push({
        line: o.line,
        message: `${where} erases the contact's data without a confirmation: put "right: erasure" on the yes of a step that asks whether to delete, and lead the command there with "next"`,
      })
    }
    if (o.right === 'erasure' && o.next) {
      problems.push({
        line: o.line,
        message: `${where} erases the contact's data and then goes to ${o.next}, but after an erasure there is no conversation left to continue: remove "next"`,
      })
    }
    if (Array.isArray(o.withdraw)) {
      for (const purpose of o.withdraw) {
        const declared = policy.purposes.find((p) => p.id === purpose)
        if (!declared) {
          problems.push({
            line: o.line,
            message: `withdraw in ${where} names "${purpose}", which is not a purpose in policy.yaml; declared purposes: ${purposes.join(', ')}`,
          })
        } else if (declared.required) {
          problems.push({
            line: o.line,
            message: `withdraw in ${where} names "${purpose}", a required purpose: withdrawing it is withdrawing everything; list optional purposes only (${optional.join(', ') || 'none declared'}), or write "withdraw: all"`,
          })
        }
      }
    }
    if (o.aside) {
      for (const [answer, a] of Object.entries(o.aside.answers)) checkOutcome(a, `answer ${answer} of ${where}`, false, answer)
      if (Object.keys(o.aside.answers).length === 0)
        problems.push({ line: o.aside.line, message: `${where} asks "${o.aside.ask}" but lists no answers; add "answers:"` })
    }
    if (!o.record) return
    if (!asked) {
      problems.push({
        line: o.line,
        message: `${where} records consent without asking: consent may only be recorded as the answer to a question ("ask")`,
      })
    }
    if (!purposes.includes(o.record.purpose)) {
      problems.push({
        line: o.line,
        message: `purpose "${o.record.purpose}" is not declared in policy.yaml; declared purposes: ${purposes.join(', ')}`,
      })
    }
    if (o.record.given && NEVER_CONSENT.has(intent)) {
      problems.push({ line: o.line, message: `the answer "${intent}" cannot grant consent; use "refuse" here, or grant on a yes` })
    }
  }

  for (const [command, o] of Object.entries(flow.commands)) checkOutcome(o, `command ${command}`, false, command)
  checkOutcome(flow.media, 'media of defaults', false, 'media')

  for (const step of Object.values(flow.steps)) checkStep(step)

  // What makes a step one kind or another (ask and rest, next and rest…) is checked as the file is read.
  function checkStep(step: Step) {
    if (step.kind === 'ask' && !step.unclear) {
      problems.push({
        line: step.line,
        message: `step ${step.id} needs "unclear: { say: <hint> }": what to tell a contact whose answer is not understood (or give every question one under "defaults")`,
      })
    }
    if (step.kind === 'ask' && CHANNEL_INTENT in step.answers && policy.channels.length === 0) {
      problems.push({ line: step.answers[CHANNEL_INTENT]!.line, message: 'the "channel" answer needs channels declared in policy.yaml' })
    }
    const fields: [string, string | undefined][] =
      step.kind === 'say'
        ? [['next', step.next]]
        : step.kind === 'rest'
          ? [['rest', step.rest]]
          : step.kind === 'channel'
            ? [
                ['next', step.next],
                ['back', step.channelDetails.back],
              ]
            : []
    for (const [field, target] of fields) {
      if (target && !known(target)) unknown(step.line, target, `${field} of step ${step.id}`)
    }
    if (step.kind === 'say' && flow.steps[step.next]?.kind === 'channel') {
      problems.push({
        line: step.line,
        message: `step ${step.id} leads to the channel step ${step.next} without a channel being chosen; only a "channel" answer may lead there`,
      })
    }
    if (step.kind === 'rest' && step.rest && flow.steps[step.rest]?.kind === 'channel') {
      problems.push({
        line: step.line,
        message: `rest of ${step.id} leads to the channel step ${step.rest} without a channel being chosen`,
      })
    }
    for (const [intent, o] of answersOf(step)) checkOutcome(o, `answer ${intent} of ${step.id}`, true, intent)
    if (step.kind === 'ask' && step.media) checkOutcome(step.media, `media of ${step.id}`, false, 'media')
  }

  // Steps that ask nothing move on at once: a loop of them would never stop to listen.
  for (const step of Object.values(flow.steps)) {
    const seen: string[] = []
    let current: Step | undefined = step
    while (current?.kind === 'say' && !seen.includes(current.id)) {
      seen.push(current.id)
      current = flow.steps[current.next]
    }
    const first = Math.min(...seen.map((id) => flow.steps[id]!.line))
    if (current?.id === step.id && first === step.line) {
      problems.push({
        line: step.line,
        message: `steps ${[...seen, step.id].join(' → ')} lead to each other without asking anything: a contact would be stuck; give one of them "ask" or "rest"`,
      })
    }
  }

  // Every step can be reached from the start (or from a command, which works anywhere).
  const reached = reachable(flow)
  for (const step of Object.values(flow.steps)) {
    if (!reached.has(step.id) && known(flow.start)) {
      problems.push({
        line: step.line,
        message: `step ${step.id} can never be reached: no step leads to it; link it with "next" or remove it`,
      })
    }
  }
  return problems.sort((a, b) => a.line - b.line)
}
