/** Which questions a first conversation goes through, for the dashboard, from the domain's step analysis. */
import type { Flow } from '../../domain/flow.js'
import { isQuestion, reachable } from '../../domain/steps.js'

/**
 * The questions of a first conversation, in the order of the flow file: the steps reached from the
 * start by answers alone. Steps reached only through a command (DELETE, CHANGE) or after the
 * conversation has come to rest (the menu of a returning contact) are not on that way.
 */
export function firstTimeQuestions(flow: Flow): string[] {
  const reached = reachable(flow, [flow.start], { rest: false })
  return Object.values(flow.steps)
    .filter((s) => reached.has(s.id) && isQuestion(s))
    .map((s) => s.id)
}
