/**
 * What kind of step the diagram draws, against the current `Step` shape of src/domain/flow.ts;
 * to be switched to the domain's step analysis (src/domain/steps.ts) once it lands.
 */
import type { FlowDefinition } from '../../domain/flow.js'

type FlowStep = FlowDefinition['steps'][string]

/** `channel`: the built-in channel step; `question`: it asks and waits; `message`: it only says. */
export function stepKind(step: FlowStep): 'channel' | 'question' | 'message' {
  if (step.channelDetails) return 'channel'
  return step.ask !== undefined ? 'question' : 'message'
}
