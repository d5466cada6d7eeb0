/**
 * The conversation machine: an XState v5 machine built from the owner's flow and policy.
 *
 * It is pure. Its actions only *describe* effects (`reply`, `recordConsent`, `setChannel`, …);
 * the engine steps it with XState's `transition()` and carries the effects out. Where a
 * conversation stands is the machine's snapshot, persisted per contact.
 */
import { assign, initialTransition, raise, setup, transition, type MachineConfig, type SnapshotFrom, type StateNodeConfig } from 'xstate'
import type { CountryCode } from 'libphonenumber-js'
import {
  BACK_INTENT,
  CHANNEL_INTENT,
  SAME_NUMBER_INTENT,
  type AskStep,
  type ChannelStep,
  type Flow,
  type Outcome,
  type RestStep,
  type SayStep,
} from './flow.js'
import { handleKindOf, parseHandle } from './handles.js'
import type { Language } from './language.js'
import type { Channel, Policy } from './policy.js'
import { channelQuestions, choicesOf, purposesAsked } from './steps.js'
import type { TermsChange } from './terms.js'

export interface ConversationContext {
  language: Language
  /** The question last asked, repeated after a command such as HELP. */
  prompt?: string
  /** Unclear answers in a row to the current question. */
  unclear: number
  /** The channel being set up and, once typed, its handle (awaiting read-back). */
  pending?: { channel: Channel; handle?: string }
  /** The contact's own number and its country, for "same number" and numbers typed without +. */
  phone?: string
  country?: CountryCode
  /**
   * A command's question asked aside (e.g. "stop everything, or only the offers?"): the contact
   * stays at their step; their next message is read against `intents`, then the aside is closed.
   */
  aside?: { command: string; intents: string[] }
}

export type ConversationInput = Pick<ConversationContext, 'language' | 'phone' | 'country'>

/**
 * What happens to a conversation. A message, as the engine read it: `answer` (`intent` is what it
 * means among the answers the current question takes, undefined: unclear; `channel` is set for
 * the channel intent; `text` is kept for steps that take free text, a handle), `command`, or
 * `media` (no text: a photo, a voice note). And what the engine knows about the contact:
 * `language` (they write in the other language), `reconsent` (what they agreed to no longer
 * holds), `restarted` (the step they stood on is gone from the flow).
 */
export type ConversationEvent =
  | { type: 'answer'; intent?: string; channel?: Channel; text: string }
  /** `greeted`: set by the machine for a command that was the first message, after the greeting. */
  | { type: 'command'; command: string; greeted?: boolean }
  | { type: 'media' }
  /** The contact wrote clearly in `language`: switch as its command would (saying so), without asking again. */
  | { type: 'language'; language: Language }
  /** What the contact agreed to no longer holds (new policy version, consent expired): say what, ask again. */
  | { type: 'reconsent'; changes: TermsChange[] }
  /** The owner removed the step the contact stood on: their conversation starts again, saying so. */
  | { type: 'restarted' }

/** Each effect the machine describes, with what it carries: declared once, here. The engine performs them. */
interface EffectParams {
  reply: { key: string }
  /** Ask the open question again. */
  reprompt: object
  recordConsent: { purpose: string; given: boolean }
  /** Withdraws the given consents: every one, or only `purposes` (optional ones) when set. */
  withdrawConsent: { purposes?: string[] }
  /** Consents that lapsed by a rule of the policy (none: nothing to record). */
  lapseConsent: { purposes: string[]; rule: string }
  setChannel: { channel: Channel; handle?: string; link?: string }
  /** The right of access: the contact is shown what is stored about them (and it is recorded). */
  accessData: object
  /** The right to erasure, confirmed: every trace of the contact goes. */
  erase: object
  /** The contact is shown the current notice (a new conversation, or asked again): `changes` says what is new. */
  showTerms: { changes: TermsChange[] }
}

export type Effect = { [K in keyof EffectParams]: { type: K } & EffectParams[K] }[keyof EffectParams]

/** Every effect's name (checked against `EffectParams` both ways). */
const EFFECTS = {
  reply: true,
  reprompt: true,
  recordConsent: true,
  withdrawConsent: true,
  lapseConsent: true,
  setChannel: true,
  accessData: true,
  erase: true,
  showTerms: true,
} as const satisfies Record<Effect['type'], true>

/** What the engine reads off a state to know which answers the current question takes. */
export interface StepMeta {
  intents: string[]
  /** The purposes the current question asks consent for (they lapse if it stays unanswered). */
  purposes?: string[]
  /** The answers numbered in the list shown (`{{choices}}`), in order. */
  choices?: string[]
}

/** The state a conversation is in before its first message (no step can have this name). */
export const FIRST_MESSAGE = '(first message)'

type Ctx = { context: ConversationContext; event: ConversationEvent }

const ref = (step: string) => `#${step}`

export function buildConversationMachine(flow: Flow, policy: Policy) {
  const linkOf = (channel: Channel) => policy.channels.find((c) => c.channel === channel)?.link

  const base = setup({
    types: {
      context: {} as ConversationContext,
      events: {} as ConversationEvent,
      input: {} as ConversationInput,
    },
    actions: {
      // Effects are described, not performed: see the engine.
      ...(Object.fromEntries(Object.keys(EFFECTS).map((type) => [type, () => {}])) as Record<Effect['type'], () => void>),
      // Remembers the question now open (none on a step that asks nothing) and starts its count afresh.
      ask: assign((_, params: { key?: string }) => ({ prompt: params.key, unclear: 0, aside: undefined })),
      openAside: assign((_, params: { command: string; intents: string[] }) => ({
        aside: { command: params.command, intents: params.intents },
      })),
      closeAside: assign({ aside: undefined }),
      countUnclear: assign({ unclear: ({ context }) => context.unclear + 1 }),
      setLanguage: assign((_, params: { language: Language }) => ({ language: params.language })),
    },
    guards: {
      means: ({ event }, params: { intent: string }) => event.type === 'answer' && event.intent === params.intent,
      isCommand: ({ event }, params: { command: string; greeted?: boolean }) =>
        event.type === 'command' && event.command === params.command && (!params.greeted || event.greeted === true),
      inLanguage: ({ event }, params: { language: Language }) => event.type === 'language' && event.language === params.language,
      asideOpen: ({ context }, params: { command: string }) => context.aside?.command === params.command,
      asideMeans: ({ context, event }, params: { command: string; intent: string }) =>
        context.aside?.command === params.command && event.type === 'answer' && event.intent === params.intent,
      unclearAgain: ({ context }, params: { after: number }) => (context.unclear + 1) % params.after === 0,
      staysOnWhatsApp: ({ context }) => context.pending?.channel === 'whatsapp',
      hasLink: ({ context }) => !!context.pending && !!linkOf(context.pending.channel),
      validHandle: ({ context, event }) => readHandle(context, event) !== undefined,
    },
  })

  const says = (keys: readonly string[]) => keys.map((key) => ({ type: 'reply' as const, params: { key } }))

  /**
   * The actions and target of an answer or a command. An answer leading to its own step stays
   * there (XState would not re-enter it, so the question would not be asked again).
   */
  const outcome = (given: Outcome, stepId?: string) => {
    const o = given.next === stepId ? { ...given, next: undefined } : given
    return {
      ...(o.next ? { target: ref(o.next) } : {}),
      actions: [
        ...(o.record ? [{ type: 'recordConsent' as const, params: { purpose: o.record.purpose, given: o.record.given } }] : []),
        ...(o.withdraw ? [{ type: 'withdrawConsent' as const, params: o.withdraw === 'all' ? {} : { purposes: o.withdraw } }] : []),
        ...(o.language ? [{ type: 'setLanguage' as const, params: { language: o.language } }] : []),
        ...(o.right === 'access' ? [{ type: 'accessData' as const }] : []),
        ...(o.right === 'erasure' ? [{ type: 'erase' as const }] : []),
        ...says(o.say),
        // Staying on the same step: ask its question again so the contact knows what is expected.
        // After an erasure there is nothing left to ask.
        ...(o.next || o.right === 'erasure' ? [] : [{ type: 'reprompt' as const }]),
      ],
    }
  }

  const unclearTransitions = (step: AskStep) => {
    const unclear = step.unclear
    const hint = says(unclear?.say ?? [])
    if (!unclear?.after || !unclear.then?.length) return [{ actions: ['countUnclear' as const, ...hint] }]
    return [
      {
        guard: { type: 'unclearAgain' as const, params: { after: unclear.after } },
        actions: ['countUnclear' as const, ...says(unclear.then)],
      },
      { actions: ['countUnclear' as const, ...hint] },
    ]
  }

  /**
   * The answers to a command's aside question, understood first at every step while it is open.
   * An answer without `next` leaves the contact at their step, asked its question again.
   */
  const asideTransitions = Object.entries(flow.commands).flatMap(([command, o]) => {
    if (!o.aside) return []
    const close = 'closeAside' as const
    return [
      ...Object.entries(o.aside.answers).map(([intent, a]) => {
        const { actions, ...rest } = outcome(a)
        return { guard: { type: 'asideMeans' as const, params: { command, intent } }, ...rest, actions: [close, ...actions] }
      }),
      {
        guard: { type: 'asideOpen' as const, params: { command } },
        actions: [close, ...says(o.aside.unclear?.say ?? []), { type: 'reprompt' as const }],
      },
    ]
  })

  const askStep = (step: AskStep) => {
    const answers = Object.entries(step.answers)
    const choices = choicesOf(step)
    return {
      id: step.id,
      meta: {
        intents: answers.map(([intent]) => intent),
        purposes: purposesAsked(step),
        ...(choices.length ? { choices } : {}),
      } satisfies StepMeta,
      entry: [...says([...step.say, step.ask]), { type: 'ask' as const, params: { key: step.ask } }],
      on: {
        // A photo or a voice note: what this step says, else the flow's rule (at the root).
        ...(step.media ? { media: outcome(step.media, step.id) } : {}),
        answer: [
          ...asideTransitions,
          ...answers.map(([intent, o]) => {
            const { actions, ...rest } = outcome(o, step.id)
            const chosen =
              intent === CHANNEL_INTENT
                ? [assign({ pending: ({ event }: Ctx) => ({ channel: (event as { channel: Channel }).channel }) })]
                : []
            return { guard: { type: 'means' as const, params: { intent } }, ...rest, actions: [...chosen, ...actions] }
          }),
          ...unclearTransitions(step),
        ],
      },
    }
  }

  /** The built-in channel step: link, or handle asked, checked and read back. */
  const channelStep = (step: ChannelStep) => {
    const back = step.channelDetails.back
    const backTransition = back ? [{ guard: { type: 'means' as const, params: { intent: BACK_INTENT } }, target: ref(back) }] : []
    const questions = channelQuestions(step)
    const handlePrompt = ({ context }: Ctx) => ({ key: `channel.ask.${handleTexts(context)}` })
    const settle = {
      type: 'setChannel' as const,
      params: ({ context }: Ctx) => {
        const channel = context.pending!.channel
        const link = linkOf(channel)
        return { channel, ...(context.pending!.handle ? { handle: context.pending!.handle } : {}), ...(link ? { link } : {}) }
      },
    }
    return {
      id: step.id,
      initial: 'decide',
      entry: says(step.say),
      states: {
        decide: {
          always: [
            { guard: 'staysOnWhatsApp' as const, target: 'done', actions: [settle, ...says(['channel.stay'])] },
            { guard: 'hasLink' as const, target: 'done', actions: [settle, ...says(['channel.link'])] },
            { target: 'handle' },
          ],
        },
        handle: {
          meta: { intents: questions.handle } satisfies StepMeta,
          entry: [
            { type: 'reply' as const, params: handlePrompt },
            { type: 'ask' as const, params: handlePrompt },
          ],
          on: {
            answer: [
              ...asideTransitions,
              ...backTransition,
              {
                guard: 'validHandle' as const,
                target: 'confirm',
                actions: assign({
                  pending: ({ context, event }: Ctx) => ({ ...context.pending!, handle: readHandle(context, event) }),
                }),
              },
              {
                actions: [
                  'countUnclear' as const,
                  { type: 'reply' as const, params: ({ context }: Ctx) => ({ key: `channel.invalid.${handleTexts(context)}` }) },
                ],
              },
            ],
          },
        },
        confirm: {
          meta: { intents: questions.confirm } satisfies StepMeta,
          entry: [...says(['channel.confirm']), { type: 'ask' as const, params: { key: 'channel.confirm' } }],
          on: {
            answer: [
              ...asideTransitions,
              {
                guard: { type: 'means' as const, params: { intent: 'yes' } },
                target: 'done',
                actions: [settle, ...says(['channel.saved'])],
              },
              { guard: { type: 'means' as const, params: { intent: 'no' } }, target: 'handle' },
              ...backTransition,
              { actions: ['countUnclear' as const, ...says(['channel.confirmHint'])] },
            ],
          },
        },
        done: { type: 'final' as const },
      },
      onDone: { target: ref(step.next) },
    }
  }

  const noQuestion = { type: 'ask' as const, params: {} }
  const restStep = (step: RestStep) => ({
    id: step.id,
    meta: { intents: [] } satisfies StepMeta,
    entry: [noQuestion, ...says(step.say)],
    // Whatever the contact writes next opens the `rest` step (commands still apply first).
    ...(step.rest ? { on: { answer: [...asideTransitions, { target: ref(step.rest) }] } } : {}),
  })

  const passStep = (step: SayStep) => ({ id: step.id, entry: [noQuestion, ...says(step.say)], always: { target: ref(step.next) } })

  const states: Record<string, StateNodeConfig<any, any, any, any, any, any, any, any, any, any>> = {}
  for (const step of Object.values(flow.steps)) {
    switch (step.kind) {
      case 'ask':
        states[step.id] = askStep(step)
        break
      case 'say':
        states[step.id] = passStep(step)
        break
      case 'rest':
        states[step.id] = restStep(step)
        break
      case 'channel':
        states[step.id] = channelStep(step)
        break
    }
  }

  const withoutReprompt = <A>(actions: A[]) => actions.filter((a) => typeof a === 'string' || (a as { type: string }).type !== 'reprompt')
  const commands = Object.entries(flow.commands).flatMap(([command, o]): object[] => {
    const guard = { type: 'isCommand' as const, params: { command } }
    // Any command closes an aside question left open; one with a question of its own opens it.
    if (!o.aside) {
      const { actions, ...rest } = outcome(o)
      // The first message, after the greeting and the first question: that question is not asked twice.
      const greeted = o.next
        ? []
        : [{ guard: { type: 'isCommand' as const, params: { command, greeted: true } }, actions: withoutReprompt(actions) }]
      return [...greeted, { guard, ...rest, actions: ['closeAside' as const, ...actions] }]
    }
    const { actions } = outcome({ ...o, next: undefined })
    const intents = Object.keys(o.aside.answers)
    return [
      {
        guard,
        actions: [
          ...withoutReprompt(actions),
          { type: 'reply' as const, params: { key: o.aside.ask } },
          { type: 'openAside' as const, params: { command, intents } },
        ],
      },
    ]
  })

  /**
   * The first message is not an answer to anything, but a command in it counts: "ENGLISH" greets
   * in English, "STOP" is honoured without a greeting, "HELP" is answered after the greeting and
   * the first question. Whatever else it is, the contact is greeted.
   */
  const shown = { type: 'showTerms' as const, params: { changes: [] } }
  const greet = { target: ref(flow.start), actions: [shown] }
  states[FIRST_MESSAGE] = {
    on: {
      restarted: { actions: says(['errors.restarted']) },
      command: Object.entries(flow.commands).map(([command, o]) => {
        const guard = { type: 'isCommand' as const, params: { command } }
        if (o.language) return { guard, ...greet, actions: [shown, { type: 'setLanguage' as const, params: { language: o.language } }] }
        if (o.next && !o.aside) {
          const { actions, ...rest } = outcome(o)
          return { guard, ...rest, actions: [shown, ...actions] }
        }
        return { guard, ...greet, actions: [shown, raise({ type: 'command', command, greeted: true } as ConversationEvent as never)] }
      }),
      '*': greet,
    },
  }

  // Written in the other language: switch as its command would, saying so; the question comes with what follows.
  const languages = Object.values(flow.commands).flatMap((o) => {
    if (!o.language) return []
    const { actions } = outcome({ ...o, next: undefined })
    return [
      {
        guard: { type: 'inLanguage' as const, params: { language: o.language } },
        actions: ['closeAside' as const, ...withoutReprompt(actions)],
      },
    ]
  })

  const config = {
    id: 'consent',
    context: ({ input }: { input: ConversationInput }) => ({ ...input, unclear: 0 }),
    initial: FIRST_MESSAGE,
    on: {
      command: commands,
      // A step that takes no answer still hears the answer to an aside question.
      ...(asideTransitions.length ? { answer: asideTransitions } : {}),
      // The flow's rule for a message with no text, unless the step has its own: say so, ask again.
      media: outcome(flow.media),
      language: languages,
      ...(flow.reconsent
        ? {
            reconsent: {
              target: ref(flow.reconsent),
              actions: [
                // Consents that expired are recorded as lapsed before the contact is asked again.
                {
                  type: 'lapseConsent' as const,
                  params: ({ event }: Ctx) => ({
                    purposes: (event as { changes: TermsChange[] }).changes.flatMap((c) => (c.kind === 'expired' ? [c.purpose] : [])),
                    rule: 'consentValidForDays',
                  }),
                },
                { type: 'showTerms' as const, params: ({ event }: Ctx) => ({ changes: (event as { changes: TermsChange[] }).changes }) },
              ],
            },
          }
        : {}),
    },
    states,
  }
  // The states are built from the owner's file at run time; XState's static types cannot follow
  // them, so the config is handed over untyped. Its behaviour is covered by the conversation tests.
  return base.createMachine(config as MachineConfig<any, any> as any)
}

export type ConversationMachine = ReturnType<typeof buildConversationMachine>
export type ConversationSnapshot = SnapshotFrom<ConversationMachine>

/**
 * Which texts ask for the handle: a phone number can be "the same as this one" only when the
 * contact writes from a number (WhatsApp `…@lid` senders carry none).
 */
function handleTexts(context: ConversationContext): string {
  const kind = handleKindOf(context.pending!.channel)!
  return kind === 'phone' && !context.phone ? 'otherPhone' : kind
}

function readHandle(context: ConversationContext, event: ConversationEvent): string | undefined {
  if (event.type !== 'answer' || !context.pending) return undefined
  const kind = handleKindOf(context.pending.channel)
  if (!kind) return undefined
  // The number they are writing from works, whatever libphonenumber thinks of its format.
  if (kind === 'phone' && event.intent === SAME_NUMBER_INTENT && context.phone) return `+${context.phone}`
  return parseHandle(kind, event.text, context.country)
}

/** The purposes the contact's current question asks consent for (none when it asks no consent). */
export function pendingPurposes(snapshot: ConversationSnapshot): string[] {
  const metas = Object.values(snapshot.getMeta() as Record<string, StepMeta | undefined>)
  return [...new Set(metas.flatMap((m) => m?.purposes ?? []))]
}

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

/** The numbered answers of the contact's current question, in the order shown. */
export function currentChoices(snapshot: ConversationSnapshot): string[] {
  const metas = Object.values(snapshot.getMeta() as Record<string, StepMeta | undefined>)
  return metas.flatMap((m) => m?.choices ?? [])
}

/** A conversation before its first message. */
export function newConversation(machine: ConversationMachine, input: ConversationInput): ConversationSnapshot {
  return initialTransition(machine, input)[0] as ConversationSnapshot
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
  const [next, actions] = transition(machine, snapshot, event)
  return { snapshot: next as ConversationSnapshot, effects: toEffects(actions) }
}
