/**
 * An owner's outcome (what an answer or a command records, says and leads to) as the actions and
 * target of an XState transition: the piece every state of the machine is built from.
 */
import type { Outcome } from '../flow.js'
import type { ConversationContext, ConversationEvent } from './declarations.js'

export type Ctx = { context: ConversationContext; event: ConversationEvent }

export const ref = (step: string) => `#${step}`

export const says = (keys: readonly string[]) => keys.map((key) => ({ type: 'reply' as const, params: { key } }))

export const handOver = (reason: 'asked' | 'message') => ({ type: 'handOver' as const, params: { reason } })

/**
 * The actions and target of an answer or a command. An answer leading to its own step stays
 * there (XState would not re-enter it, so the question would not be asked again).
 */
export const outcome = (given: Outcome, stepId?: string) => {
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
      ...(o.handover ? [handOver('asked')] : []),
      // Staying on the same step: ask its question again so the contact knows what is expected.
      // After an erasure there is nothing left to ask; after a hand-over a person answers instead.
      ...(o.next || o.right === 'erasure' || o.handover ? [] : [{ type: 'reprompt' as const }]),
    ],
  }
}

/** The actions less the question asked again (it comes with what follows, or was just asked). */
export const withoutReprompt = <A>(actions: A[]) =>
  actions.filter((a) => typeof a === 'string' || (a as { type: string }).type !== 'reprompt')
