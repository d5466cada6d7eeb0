/**
 * The conversation machine assembled from the owner's flow and policy: the actions and guards its
 * states name, the states (step-states.ts, commands.ts), and what holds at every step (commands,
 * asides, media, language, reconsent).
 */
import { assign, setup, type MachineConfig, type SnapshotFrom } from 'xstate'
import type { Flow } from '../flow.js'
import type { Language } from '../language.js'
import type { Channel, Policy } from '../policy.js'
import type { TermsChange } from '../terms.js'
import { readHandle } from './channel-step.js'
import { asideTransitions as asidesOf, commandTransitions, firstMessageState, languageTransitions } from './commands.js'
import {
  EFFECTS,
  FIRST_MESSAGE,
  type ConversationContext,
  type ConversationEvent,
  type ConversationInput,
  type Effect,
} from './declarations.js'
import { outcome, ref, type Ctx } from './outcomes.js'
import { stepStates } from './step-states.js'

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
      openAside: assign((_, params: { command: string; intents: string[]; ask: string }) => ({
        aside: { command: params.command, intents: params.intents, ask: params.ask },
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

  const asideTransitions = asidesOf(flow)
  const states = stepStates(flow, asideTransitions, linkOf)
  const commands = commandTransitions(flow)
  states[FIRST_MESSAGE] = firstMessageState(flow)
  const languages = languageTransitions(flow)

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
