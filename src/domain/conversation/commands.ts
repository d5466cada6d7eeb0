/**
 * The owner's commands (STOP, HELP, a language…), understood at every step and in the first
 * message, and the questions some of them ask aside without moving the contact from their step.
 */
import { raise } from 'xstate'
import type { Flow } from '../flow.js'
import type { ConversationEvent } from './declarations.js'
import { outcome, ref, says, withoutReprompt } from './outcomes.js'

/**
 * The answers to a command's aside question, understood first at every step while it is open.
 * An answer without `next` leaves the contact at their step, asked its question again.
 */
export function asideTransitions(flow: Flow) {
  return Object.entries(flow.commands).flatMap(([command, o]) => {
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
}

export type AsideTransitions = ReturnType<typeof asideTransitions>

/** A command at any step, once the conversation has begun. */
export function commandTransitions(flow: Flow) {
  return Object.entries(flow.commands).flatMap(([command, o]): object[] => {
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
          { type: 'openAside' as const, params: { command, intents, ask: o.aside.ask } },
        ],
      },
    ]
  })
}

/**
 * The first message is not an answer to anything, but a command in it counts: "ENGLISH" greets
 * in English, "STOP" is honoured without a greeting, "HELP" is answered after the greeting and
 * the first question. Whatever else it is, the contact is greeted.
 */
export function firstMessageState(flow: Flow) {
  const shown = { type: 'showTerms' as const, params: { changes: [] } }
  const greet = { target: ref(flow.start), actions: [shown] }
  return {
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
}

/** Written in the other language: switch as its command would, saying so; the question comes with what follows. */
export function languageTransitions(flow: Flow) {
  return Object.values(flow.commands).flatMap((o) => {
    if (!o.language) return []
    const { actions } = outcome({ ...o, next: undefined })
    return [
      {
        guard: { type: 'inLanguage' as const, params: { language: o.language } },
        actions: ['closeAside' as const, ...withoutReprompt(actions)],
      },
    ]
  })
}
