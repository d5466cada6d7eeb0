/**
 * The diagram as Mermaid (GitHub, GitLab and VS Code draw it): one `stateDiagram-v2` per part of
 * the conversation, each narrow enough that its words stay readable in a page's column, and a
 * Markdown page holding them with their headings and how to read them.
 *
 * The parts: the first conversation (from the start, and from where a contact whose consent no
 * longer holds comes back, up to where the bot waits for a later message); then one from each
 * step it waits at and each step a command leads to, with what follows from there; then the
 * commands. A step drawn in another part is shown as a box with a dashed border.
 */
import { commandText, labelText, shorten } from './labels.js'
import type { DiagramEdge, FlowGraph, Mark } from './model.js'

// Words Mermaid's state-diagram grammar reads as keywords; a step so named gets an alias.
const MERMAID_KEYWORDS = new Set([
  'state',
  'note',
  'end',
  'direction',
  'class',
  'classDef',
  'style',
  'as',
  'left',
  'right',
  'of',
  'accTitle',
  'accDescr',
  'click',
  'hide',
  'empty',
  'description',
])

/** A box's lines are cut there (Mermaid does not wrap them), so that boxes stay narrow. */
const LINE = 44

/**
 * Top to bottom, a step's arrows lie side by side, each label up to 200 px wide (Mermaid wraps
 * it there): a step leading to more steps than this is drawn left to right, its arrows stacked.
 */
const MAX_SIDE_BY_SIDE = 4

/** Between two answers on one arrow: Mermaid breaks the label's line there. */
export const ARROW_LINE = '<br>'

/**
 * Text Mermaid takes as written: its grammar ends a label at ":" or ";", and reads "#…;" as an
 * entity, so those are swapped for look-alikes.
 */
function mermaidText(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›').replace(/:/g, '∶').replace(/;/g, ',').replace(/#/g, '＃').replace(/"/g, '”')
}

/** A line of a box: its words shortened so that what it records (`marks`) is never cut off. */
function boxLine(words: string, marks: Mark[]): string {
  const shown = marks.map((m) => m.text).join(' ')
  return shown ? `${shorten(words, Math.max(12, LINE - [...shown].length - 1))} ${shown}` : shorten(words, LINE)
}

/** One Mermaid diagram of the flow, with the heading it is shown under. */
export interface MermaidPart {
  heading: string
  /** The `stateDiagram-v2`, ending with a newline. */
  diagram: string
}

interface Part {
  /** Where the part begins: the start (and the way back in), or the step it is drawn from. */
  entries: string[]
  steps: string[]
}

/**
 * The steps in parts. The first part follows the flow from its start until the bot waits for a
 * later message; each other part begins at a step where it waited or where a command leads, and
 * follows the flow from there to steps no part has yet.
 */
function partsOf(graph: FlowGraph): Part[] {
  const order = graph.steps.map((s) => s.id)
  const out = new Map<string, DiagramEdge[]>()
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e])
  const placed = new Set<string>()
  const later: string[] = []
  const commandTargets = graph.commands.flatMap((c) => (c.to ? [c.to] : []))
  const fill = (entries: string[], first: boolean): Part => {
    const steps: string[] = []
    const queue = entries.filter((s) => order.includes(s) && !placed.has(s))
    for (const s of queue) placed.add(s)
    while (queue.length > 0) {
      const step = queue.shift()!
      steps.push(step)
      for (const edge of out.get(step) ?? []) {
        if (placed.has(edge.to) || !order.includes(edge.to)) continue
        // The first conversation ends where the bot waits; a command's step is a part of its own.
        if (first && edge.kind === 'rest') later.push(edge.to)
        else if (!commandTargets.includes(edge.to) && !later.includes(edge.to)) {
          placed.add(edge.to)
          queue.push(edge.to)
        }
      }
    }
    steps.sort((a, b) => order.indexOf(a) - order.indexOf(b))
    return { entries, steps }
  }
  const parts = [fill([graph.start, ...(graph.reconsent ? [graph.reconsent] : [])], true)]
  const entries = [...new Set([...later, ...commandTargets])].sort((a, b) => order.indexOf(a) - order.indexOf(b))
  for (const entry of [...entries, ...order]) if (!placed.has(entry)) parts.push(fill([entry], false))
  return parts
}

/** The Mermaid diagrams of the graph: the parts of the conversation, then the commands. */
export function mermaidDiagrams(graph: FlowGraph): MermaidPart[] {
  const { captions } = graph
  const ids = new Map(graph.steps.map((s) => [s.id, MERMAID_KEYWORDS.has(s.id) ? `${s.id}_step` : s.id]))
  const taken = new Set(ids.values())
  let anyStep = 'anyStep'
  while (taken.has(anyStep)) anyStep += '_'
  const id = (step: string) => ids.get(step) ?? step
  const steps = new Map(graph.steps.map((s) => [s.id, s]))
  const parts: MermaidPart[] = []

  // A step of another part: its name in a dashed box (classDef, since Mermaid dashes no arrows).
  const elsewhereClass = (lines: string[], shown: Set<string>, own: Set<string>) => {
    const others = [...shown].filter((s) => !own.has(s))
    for (const s of others) lines.push(`  state "${s}" as ${id(s)}`)
    if (others.length > 0)
      lines.push('  classDef elsewhere fill:#ffffff,stroke:#888888,stroke-dasharray:5 4', `  class ${others.map(id).join(',')} elsewhere`)
  }

  for (const [i, part] of partsOf(graph).entries()) {
    const own = new Set(part.steps)
    const fanOut = Math.max(
      0,
      ...part.steps.map((s) => new Set(graph.edges.filter((e) => e.from === s && e.to !== s).map((e) => e.to)).size),
    )
    const lines = ['stateDiagram-v2', ...(fanOut > MAX_SIDE_BY_SIDE ? ['  direction LR'] : [])]
    if (i === 0) {
      lines.push(`  [*] --> ${id(graph.start)}`)
      if (graph.reconsent) lines.push(`  [*] --> ${id(graph.reconsent)} : ${mermaidText(captions.reconsent)}`)
    }
    const shown = new Set<string>()
    for (const stepId of part.steps) {
      const step = steps.get(stepId)!
      // Declared with its name first, so Mermaid shows the name as a title and the lines under it.
      lines.push(`  state "${step.id}" as ${id(step.id)}`)
      if (step.text) lines.push(`  ${id(step.id)} : ${mermaidText(shorten(step.text, LINE))}`)
      // Answers that stay are lines of their step's box, as in the page: no loops to cross.
      for (const edge of graph.edges)
        if (edge.from === stepId && edge.to === stepId)
          lines.push(`  ${id(stepId)} : ${mermaidText(boxLine(`↻ ${edge.label.words}`, edge.label.marks))}`)
    }
    // Answers between the same two steps share one arrow, a line each: side by side, their
    // labels would widen the picture (and Mermaid may lay them over each other).
    const arrows = new Map<string, { from: string; to: string; texts: string[] }>()
    for (const edge of graph.edges) {
      if (!own.has(edge.from) || edge.from === edge.to) continue
      shown.add(edge.to)
      const key = `${edge.from} ${edge.to}`
      const arrow = arrows.get(key) ?? { from: edge.from, to: edge.to, texts: [] }
      arrows.set(key, arrow)
      const text = labelText(edge.label)
      if (text) arrow.texts.push(mermaidText(text))
    }
    for (const { from, to, texts } of arrows.values())
      lines.push(`  ${id(from)} --> ${id(to)}${texts.length > 0 ? ` : ${texts.join(ARROW_LINE)}` : ''}`)
    elsewhereClass(lines, shown, own)
    parts.push({ heading: i === 0 ? captions.firstPart : captions.partFrom(part.entries[0]!), diagram: `${lines.join('\n')}\n` })
  }

  if (graph.commands.length > 0) {
    const lines = ['stateDiagram-v2', `  state "${mermaidText(captions.anyStep)}" as ${anyStep}`]
    // What a command does without going anywhere: lines of the box, like a staying answer.
    for (const command of graph.commands)
      if (!command.to)
        lines.push(
          `  ${anyStep} : ${mermaidText(boxLine(commandText({ label: { words: command.label.words, marks: [] }, ...(command.text ? { text: command.text } : {}) }), command.label.marks))}`,
        )
    const shown = new Set<string>()
    for (const command of graph.commands)
      if (command.to) {
        shown.add(command.to)
        lines.push(`  ${anyStep} --> ${id(command.to)} : ${mermaidText(labelText(command.label))}`)
      }
    elsewhereClass(lines, shown, new Set())
    lines.push('  classDef commands fill:#fff4d6,stroke:#c9a227', `  class ${anyStep} commands`)
    parts.push({ heading: captions.anyStep, diagram: `${lines.join('\n')}\n` })
  }
  return parts
}

/** A Markdown page: title, where it comes from, the Mermaid diagrams under their headings, and how to read them. */
export function diagramMarkdown(graph: FlowGraph): string {
  const c = graph.captions
  return [
    `# ${c.title}`,
    '',
    c.source,
    '',
    ...mermaidDiagrams(graph).flatMap((part) => [`## ${part.heading}`, '', '```mermaid', part.diagram.trimEnd(), '```', '']),
    `## ${c.legendTitle}`,
    '',
    ...c.mermaidLegend.map((line) => `- ${line}`),
    '',
  ].join('\n')
}
