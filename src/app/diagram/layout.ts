/**
 * Where the SVG puts things: the order of the steps in the column, and a lane for each arrow that
 * goes round the side. Pure arithmetic on the graph.
 */
import type { DiagramEdge, FlowGraph } from './model.js'

/**
 * The column's order: every step below the steps that lead to it (ways back up aside), and each
 * step's first answer right under it where it can be, so the usual path reads straight down.
 * This is the reverse of the order in which a depth-first walk from the start finishes steps,
 * walking each step's arrows last to first.
 */
export function columnOrder(graph: FlowGraph): string[] {
  const ids = graph.steps.map((s) => s.id)
  const out = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const e of graph.edges) if (e.from !== e.to && out.has(e.from) && out.has(e.to)) out.get(e.from)!.push(e.to)
  const seen = new Set<string>()
  const finished: string[] = []
  const visit = (id: string) => {
    seen.add(id)
    for (const next of [...out.get(id)!].reverse()) if (!seen.has(next)) visit(next)
    finished.push(id)
  }
  if (out.has(graph.start)) visit(graph.start)
  // Steps entered otherwise (a command, a new policy) come before the start's path in `finished`
  // reversed; the start itself is drawn first, under the start dot.
  for (const id of ids) if (!seen.has(id)) visit(id)
  const order = finished.reverse()
  return out.has(graph.start) ? [graph.start, ...order.filter((id) => id !== graph.start)] : order
}

/** Lanes for arrows round the side: the shortest nearest the boxes, no two overlapping in one lane. */
export function assignLanes(edges: DiagramEdge[], position: Map<string, number>): Map<DiagramEdge, number> {
  const span = (e: DiagramEdge) =>
    [Math.min(position.get(e.from)!, position.get(e.to)!), Math.max(position.get(e.from)!, position.get(e.to)!)] as const
  const lanes = new Map<DiagramEdge, number>()
  const taken: { side: boolean; lane: number; from: number; to: number }[] = []
  const sorted = [...edges].sort((a, b) => span(a)[1] - span(a)[0] - (span(b)[1] - span(b)[0]) || span(a)[0] - span(b)[0])
  for (const e of sorted) {
    const [from, to] = span(e)
    const side = position.get(e.to)! > position.get(e.from)!
    let lane = 0
    while (taken.some((t) => t.side === side && t.lane === lane && t.from <= to && from <= t.to)) lane++
    taken.push({ side, lane, from, to })
    lanes.set(e, lane)
  }
  return lanes
}
