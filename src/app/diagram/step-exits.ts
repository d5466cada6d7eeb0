/**
 * Where a step can lead (the arrows leaving it), against the current `Step` shape of
 * src/domain/flow.ts; to be switched to the domain's step analysis (src/domain/steps.ts) once it
 * lands.
 */
import type { FlowDefinition, Outcome } from '../../domain/flow.js'

type FlowStep = FlowDefinition['steps'][string]

export type StepExit =
  /** An answer; to the step itself when it stays and asks again. */
  | { kind: 'answer'; to: string; intent: string; outcome: Outcome }
  /** `back`: the channel step's "another channel"; `channelSaved`: the channel step once settled;
   * `next`: a step that asks nothing moves on at once; `rest`: the contact's next message opens it. */
  | { kind: 'back' | 'channelSaved' | 'next' | 'rest'; to: string }

/** The ways out of `step`, answers first in the order of the file. */
export function stepExits(step: FlowStep): StepExit[] {
  const exits: StepExit[] = Object.entries(step.answers).map(([intent, outcome]) => ({
    kind: 'answer',
    to: outcome.next ?? step.id,
    intent,
    outcome,
  }))
  if (step.channelDetails) {
    if (step.channelDetails.back) exits.push({ kind: 'back', to: step.channelDetails.back })
    if (step.next) exits.push({ kind: 'channelSaved', to: step.next })
  } else if (step.next && !step.ask) {
    exits.push({ kind: 'next', to: step.next })
  }
  if (step.rest) exits.push({ kind: 'rest', to: step.rest })
  return exits
}
