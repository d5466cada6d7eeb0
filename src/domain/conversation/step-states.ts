/**
 * The owner's steps as states of the machine: a question (`ask`), words said on the way (`say`),
 * a resting place (`rest`), and the built-in channel step (channel-step.ts).
 */
import { assign, type StateNodeConfig } from 'xstate'
import { CHANNEL_INTENT, type AskStep, type Flow, type RestStep, type SayStep } from '../flow.js'
import type { Channel } from '../policy.js'
import { choicesOf, purposesAsked } from '../steps.js'
import { channelStep } from './channel-step.js'
import type { AsideTransitions } from './commands.js'
import type { StepMeta } from './declarations.js'
import { handOver, outcome, ref, says, type Ctx } from './outcomes.js'

/** Every step of the flow as a state, by its id (in the flow's order). */
export function stepStates(flow: Flow, asideTransitions: AsideTransitions, linkOf: (channel: Channel) => string | undefined) {
  const states: Record<string, StateNodeConfig<any, any, any, any, any, any, any, any, any, any>> = {}
  for (const step of Object.values(flow.steps)) {
    switch (step.kind) {
      case 'ask':
        states[step.id] = askStep(step, asideTransitions)
        break
      case 'say':
        states[step.id] = passStep(step)
        break
      case 'rest':
        states[step.id] = restStep(step, asideTransitions)
        break
      case 'channel':
        states[step.id] = channelStep(step, asideTransitions, linkOf)
        break
    }
  }
  return states
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

const askStep = (step: AskStep, asideTransitions: AsideTransitions) => {
  const answers = Object.entries(step.answers)
  const choices = choicesOf(step)
  const purposes = purposesAsked(step)
  // Left unanswered too long: what this question asks consent for lapses (the engine records
  // only the purposes still open).
  const lapse = purposes.length
    ? { lapse: { actions: [{ type: 'lapseConsent' as const, params: { purposes, rule: 'lapseUnansweredAfterDays' } }] } }
    : {}
  return {
    id: step.id,
    meta: {
      intents: answers.map(([intent]) => intent),
      ...(choices.length ? { choices } : {}),
    } satisfies StepMeta,
    entry: [...says([...step.say, step.ask]), ...handedOver(step), { type: 'ask' as const, params: { key: step.ask } }],
    on: {
      ...lapse,
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

const noQuestion = { type: 'ask' as const, params: {} }

/** A step that passes the chat to the staff on arrival says so after its messages. */
const handedOver = (step: { handover?: true }) => (step.handover ? [handOver('message')] : [])

const restStep = (step: RestStep, asideTransitions: AsideTransitions) => ({
  id: step.id,
  meta: { intents: [] } satisfies StepMeta,
  entry: [noQuestion, ...says(step.say), ...handedOver(step)],
  // Whatever the contact writes next opens the `rest` step (commands still apply first).
  ...(step.rest ? { on: { answer: [...asideTransitions, { target: ref(step.rest) }] } } : {}),
  // Quiet: what the contact writes, a photo of what they want included, is for the staff; the bot
  // says nothing, not even that it changed language (commands still apply first).
  ...(step.quiet
    ? {
        on: {
          answer: [...asideTransitions, { actions: [handOver('message')] }],
          media: { actions: [handOver('message')] },
          language: { actions: [{ type: 'setLanguage' as const, params: ({ event }: Ctx) => event }, handOver('message')] },
        },
      }
    : {}),
})

const passStep = (step: SayStep) => ({
  id: step.id,
  entry: [noQuestion, ...says(step.say), ...handedOver(step)],
  always: { target: ref(step.next) },
})
