/**
 * What follows from a step's kind, answered in one place: what it asks, which answers it takes,
 * where it can lead, what is reachable, and which words the bot adds (the numbers of a list).
 * The checker, the machine, the engine and the locale checker all ask here.
 */
import { BACK_INTENT, CHANNEL_INTENT, channelIntent, SAME_NUMBER_INTENT, type Flow, type Outcome, type Step } from './flow.js'
import type { Channel, Policy } from './policy.js'

/** One question a contact can be asked, and the answers (commands aside) it takes. */
export interface Question {
  /** How the owner finds it: a step, a channel step's sub-question, or a command's aside question. */
  where: string
  intents: string[]
}

/** The question a step asks on arrival (none for steps that ask nothing; the channel step asks its own). */
export function questionOf(step: Step): string | undefined {
  return step.kind === 'ask' ? step.ask : undefined
}

/** The text that stands for the step: its question, else the first thing it says. */
export function shownKeyOf(step: Step): string | undefined {
  return questionOf(step) ?? step.say[0]
}

/** Whether the step waits for the contact (a question, or the channel step's own questions). */
export const isQuestion = (step: Step): boolean => step.kind === 'ask' || step.kind === 'channel'

/** The answers of an ask step, in the order written (the flow's default answers last). */
export function answersOf(step: Step): [string, Outcome][] {
  return step.kind === 'ask' ? Object.entries(step.answers) : []
}

/** The channel step's two questions: the handle, then its read-back. */
export function channelQuestions(step: Step & { kind: 'channel' }): { handle: string[]; confirm: string[] } {
  const back = step.channelDetails.back ? [BACK_INTENT] : []
  return { handle: [...back, SAME_NUMBER_INTENT], confirm: ['yes', 'no', ...back] }
}

/** Every question of the flow with the answers it takes: steps, channel sub-questions, asides. */
export function questionsOf(flow: Flow): Question[] {
  const asides = Object.entries(flow.commands).flatMap(([command, o]): Question[] =>
    o.aside ? [{ where: `the question of command ${command}`, intents: Object.keys(o.aside.answers) }] : [],
  )
  const steps = Object.values(flow.steps).flatMap((s): Question[] => {
    if (s.kind === 'ask') return [{ where: s.id, intents: Object.keys(s.answers) }]
    if (s.kind !== 'channel') return []
    const { handle, confirm } = channelQuestions(s)
    return [
      { where: `${s.id} (the address or number)`, intents: handle },
      { where: `${s.id} (the read-back)`, intents: confirm },
    ]
  })
  return [...asides, ...steps]
}

/** The purposes a step asks consent for (recorded by one of its answers). */
export function purposesAsked(step: Step): string[] {
  return [...new Set(answersOf(step).flatMap(([, o]) => (o.record ? [o.record.purpose] : [])))]
}

/** Where a step can lead: at once or once settled (`next`), on the next message (`rest`), back, or by an answer. */
export function leadsTo(step: Step, options: { rest?: boolean } = {}): string[] {
  const answers = answersOf(step).flatMap(([, o]) => (o.next ? [o.next] : []))
  switch (step.kind) {
    case 'ask':
      return answers
    case 'say':
      return [step.next]
    case 'rest':
      return step.rest && options.rest !== false ? [step.rest] : []
    case 'channel':
      return [step.next, ...(step.channelDetails.back ? [step.channelDetails.back] : [])]
  }
}

/**
 * The steps reachable from `from` (default: the start, the re-consent step and every command,
 * which works anywhere). `rest: false` leaves out what the contact's next message opens.
 */
export function reachable(flow: Flow, from?: string[], options: { rest?: boolean } = {}): Set<string> {
  const reached = new Set<string>()
  const visit = (name: string | undefined) => {
    const step = name === undefined ? undefined : flow.steps[name]
    if (!step || reached.has(step.id)) return
    reached.add(step.id)
    for (const target of leadsTo(step, options)) visit(target)
  }
  const starts = from ?? [
    flow.start,
    ...(flow.reconsent ? [flow.reconsent] : []),
    ...Object.values(flow.commands).flatMap((o) => [o.next, ...Object.values(o.aside?.answers ?? {}).map((a) => a.next)]),
  ]
  for (const name of starts) visit(name)
  return reached
}

/** The commands that withdraw consent or lead to an erasure: honoured even past the rate limit. */
export function optOutCommands(flow: Flow): string[] {
  return Object.entries(flow.commands)
    .filter(([, o]) => {
      const next = o.next ? flow.steps[o.next] : undefined
      return o.withdraw || o.right === 'erasure' || (next !== undefined && answersOf(next).some(([, a]) => a.right === 'erasure'))
    })
    .map(([command]) => command)
}

/** The numbered choices of a step: its own answers, in the order written (the flow's defaults not among them). */
export function choicesOf(step: Step): string[] {
  return step.kind === 'ask' && step.numbered ? Object.entries(step.answers).flatMap(([intent, o]) => (o.fromDefaults ? [] : [intent])) : []
}

/** A channel's intent, and the channel an intent names (the `channel:<name>` protocol, in one place). */
export { channelIntent }
export function channelOfIntent(intent: string): Channel | undefined {
  return intent.startsWith(`${CHANNEL_INTENT}:`) ? (intent.slice(CHANNEL_INTENT.length + 1) as Channel) : undefined
}

/**
 * The words the bot adds to the owner's: a number is the place in the list the contact was
 * shown. A channel by its place among the policy's channels; a purpose (an answer named after
 * it, as in "which permission?") by its place among the purposes; an answer of a numbered step
 * by its place among the step's answers.
 */
export function numberWords(flow: Flow, policy: Policy): Record<string, string[]> {
  const words: Record<string, string[]> = {}
  const add = (intent: string, n: number) => (words[intent] ??= []).includes(String(n)) || words[intent]!.push(String(n))
  policy.channels.forEach((c, i) => add(channelIntent(c.channel), i + 1))
  const named = new Set(Object.values(flow.steps).flatMap((s) => answersOf(s).map(([intent]) => intent)))
  policy.purposes.forEach((p, i) => named.has(p.id) && add(p.id, i + 1))
  for (const step of Object.values(flow.steps)) choicesOf(step).forEach((intent, i) => add(intent, i + 1))
  return words
}
