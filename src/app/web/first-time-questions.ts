/**
 * Reachability and step kind for the dashboard, against the current `Step` shape of
 * src/domain/flow.ts; to be switched to the domain's step analysis (src/domain/steps.ts) once it
 * lands.
 */
import type { FlowDefinition } from '../../domain/flow.js'

/**
 * The questions of a first conversation, in the order of the flow file: the steps reached from the
 * start by answers alone. Steps reached only through a command (DELETE, CHANGE) or after the
 * conversation has come to rest (the menu of a returning contact) are not on that way.
 */
export function firstTimeQuestions(flow: FlowDefinition): string[] {
  const reached = new Set<string>()
  const visit = (id: string | undefined) => {
    const step = id === undefined ? undefined : flow.steps[id]
    if (!step || reached.has(step.id)) return
    reached.add(step.id)
    visit(step.next)
    visit(step.channelDetails?.back)
    for (const outcome of Object.values(step.answers)) visit(outcome.next)
  }
  visit(flow.start)
  return Object.values(flow.steps)
    .filter((s) => reached.has(s.id) && (s.ask || s.channelDetails))
    .map((s) => s.id)
}
