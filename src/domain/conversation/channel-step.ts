/**
 * The built-in channel step: where the contact wants their messages. A channel with a link (or
 * WhatsApp itself) is settled at once; otherwise its handle is asked, checked and read back.
 */
import { assign } from 'xstate'
import { SAME_NUMBER_INTENT, BACK_INTENT, type ChannelStep } from '../flow.js'
import { handleKindOf, parseHandle } from '../handles.js'
import type { Channel } from '../policy.js'
import { channelQuestions } from '../steps.js'
import type { AsideTransitions } from './commands.js'
import type { ConversationContext, ConversationEvent, StepMeta } from './declarations.js'
import { ref, says, type Ctx } from './outcomes.js'

/** The built-in channel step: link, or handle asked, checked and read back. */
export function channelStep(step: ChannelStep, asideTransitions: AsideTransitions, linkOf: (channel: Channel) => string | undefined) {
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

/**
 * Which texts ask for the handle: a phone number can be "the same as this one" only when the
 * contact writes from a number (WhatsApp `…@lid` senders carry none).
 */
function handleTexts(context: ConversationContext): string {
  const kind = handleKindOf(context.pending!.channel)!
  return kind === 'phone' && !context.phone ? 'otherPhone' : kind
}

export function readHandle(context: ConversationContext, event: ConversationEvent): string | undefined {
  if (event.type !== 'answer' || !context.pending) return undefined
  const kind = handleKindOf(context.pending.channel)
  if (!kind) return undefined
  // The number they are writing from works, whatever libphonenumber thinks of its format.
  if (kind === 'phone' && event.intent === SAME_NUMBER_INTENT && context.phone) return `+${context.phone}`
  return parseHandle(kind, event.text, context.country)
}
