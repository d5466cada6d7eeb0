/** Where a step can lead (the arrows leaving it), from the domain's step analysis. */
import type { Outcome, Step } from '../../domain/flow.js'
import { answersOf } from '../../domain/steps.js'

export type StepExit =
  /** An answer; to the step itself when it stays and asks again. */
  | { kind: 'answer'; to: string; intent: string; outcome: Outcome }
  /** `back`: the channel step's "another channel"; `channelSaved`: the channel step once settled;
   * `next`: a step that asks nothing moves on at once; `rest`: the contact's next message opens it. */
  | { kind: 'back' | 'channelSaved' | 'next' | 'rest'; to: string }

/** The ways out of `step`, answers first in the order of the file. */
export function stepExits(step: Step): StepExit[] {
  const exits: StepExit[] = answersOf(step).map(([intent, outcome]) => ({ kind: 'answer', to: outcome.next ?? step.id, intent, outcome }))
  switch (step.kind) {
    case 'channel':
      if (step.channelDetails.back) exits.push({ kind: 'back', to: step.channelDetails.back })
      exits.push({ kind: 'channelSaved', to: step.next })
      break
    case 'say':
      exits.push({ kind: 'next', to: step.next })
      break
    case 'rest':
      if (step.rest) exits.push({ kind: 'rest', to: step.rest })
      break
    case 'ask':
      break
  }
  return exits
}
