/**
 * The conversation machine: an XState v5 machine built from the owner's flow and policy.
 *
 * It is pure. Its actions only *describe* effects (`reply`, `recordConsent`, `setChannel`, …);
 * the engine steps it with XState's `transition()` and carries the effects out. Where a
 * conversation stands is the machine's snapshot, persisted per contact.
 *
 * This file is how it is used: a conversation started and stepped, its effects read off, and what
 * its current question takes. The machine itself is built in conversation/ (machine.ts assembles
 * it; declarations.ts names its context, events and effects).
 */
import { type AnyActorScope, createActor } from 'xstate'
import { EFFECTS, type ConversationEvent, type ConversationInput, type Effect, type StepMeta } from './conversation/declarations.js'
import type { ConversationMachine, ConversationSnapshot } from './conversation/machine.js'

export {
  FIRST_MESSAGE,
  type ConversationContext,
  type ConversationEvent,
  type ConversationInput,
  type Effect,
  type StepMeta,
} from './conversation/declarations.js'
export { buildConversationMachine, type ConversationMachine, type ConversationSnapshot } from './conversation/machine.js'

/** The answers the contact's current question takes (the engine matches messages against them). */
export function expectedIntents(snapshot: ConversationSnapshot, options: { aside?: boolean } = {}): string[] {
  // While a command's question is open aside, its answers are what the contact is expected to say.
  if (snapshot.context.aside && options.aside !== false) return [...snapshot.context.aside.intents]
  const metas = Object.values(snapshot.getMeta() as Record<string, StepMeta | undefined>)
  return [...new Set(metas.flatMap((m) => m?.intents ?? []))]
}

function toEffects(actions: readonly { type: string; params?: unknown }[]): Effect[] {
  return actions.filter((a) => a.type in EFFECTS).map((a) => ({ ...(a.params as object), type: a.type }) as Effect)
}

/**
 * A new conversation and its first message (by default one that is no command: the contact is
 * greeted and asked the first question). `events` may start with `restarted`.
 */
export function startConversation(
  machine: ConversationMachine,
  input: ConversationInput,
  events: readonly ConversationEvent[] = [{ type: 'answer', text: '' }],
) {
  return stepThrough(machine, newConversation(machine, input), events)
}

/**
 * The text key of the question open now: a command's question asked aside, else the step's;
 * undefined when none is open (the contact's answers are settled). A tapped button names it,
 * so an old button cannot answer a newer question.
 */
export function openQuestion(snapshot: ConversationSnapshot): string | undefined {
  const { aside, prompt } = snapshot.context
  if (aside) return aside.ask
  return expectedIntents(snapshot).length ? prompt : undefined
}

/** The numbered answers of the contact's current question, in the order shown. */
export function currentChoices(snapshot: ConversationSnapshot): string[] {
  const metas = Object.values(snapshot.getMeta() as Record<string, StepMeta | undefined>)
  return metas.flatMap((m) => m?.choices ?? [])
}

/**
 * The scope a machine is stepped in, made once per machine. XState's `transition()` and
 * `initialTransition()` build a whole inert actor for every call (its constructor computes the
 * machine's initial state too): a third of what a message allocated, and about a quarter of its
 * CPU. The conversation machine spawns and invokes nothing, so one scope serves every step; only
 * the action collector changes, and steps run one at a time (JavaScript is single-threaded and a
 * step is synchronous).
 */
interface Stepper {
  scope: AnyActorScope
  actions: { type: string; params?: unknown }[]
}
const steppers = new WeakMap<ConversationMachine, Stepper>()

function stepperOf(machine: ConversationMachine): Stepper {
  let stepper = steppers.get(machine)
  if (stepper) return stepper
  // The actor only lends the scope its `self` and system; the input it starts from is never used.
  const self = createActor(machine, { input: { language: 'es' } })
  const made: Stepper = { actions: [], scope: undefined as unknown as AnyActorScope }
  made.scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: { type: string; params?: unknown }) => void made.actions.push(action),
  } as unknown as AnyActorScope
  stepper = made
  steppers.set(machine, stepper)
  return stepper
}

/** Runs `step` in the machine's scope, and gives what it returned with the actions it described. */
function inScope<T>(machine: ConversationMachine, step: (scope: AnyActorScope) => T): [T, { type: string; params?: unknown }[]] {
  const stepper = stepperOf(machine)
  stepper.actions = []
  const result = step(stepper.scope)
  const actions = stepper.actions
  stepper.actions = []
  return [result, actions]
}

/** A conversation before its first message. */
export function newConversation(machine: ConversationMachine, input: ConversationInput): ConversationSnapshot {
  return inScope(machine, (scope) => machine.getInitialSnapshot(scope, input))[0] as ConversationSnapshot
}

/** Steps through `events` in order: the last snapshot and every effect described on the way. */
export function stepThrough(machine: ConversationMachine, snapshot: ConversationSnapshot, events: readonly ConversationEvent[]) {
  const effects: Effect[] = []
  for (const event of events) {
    const stepped = stepConversation(machine, snapshot, event)
    snapshot = stepped.snapshot
    effects.push(...stepped.effects)
  }
  return { snapshot, effects }
}

/** One step of a conversation, without performing anything. */
export function stepConversation(machine: ConversationMachine, snapshot: ConversationSnapshot, event: ConversationEvent) {
  const [next, actions] = inScope(machine, (scope) => machine.transition(snapshot, event, scope))
  return { snapshot: next as ConversationSnapshot, effects: toEffects(actions) }
}
