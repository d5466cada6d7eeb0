/**
 * The diagram as Mermaid (GitHub, GitLab and VS Code draw it): a `stateDiagram-v2`, and a
 * Markdown page holding it with its title and how to read it.
 */
import { commandText, labelText, shorten } from './labels.js'
import type { FlowGraph } from './model.js'

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

/**
 * Text Mermaid takes as written: its grammar ends a label at ":" or ";", and reads "#…;" as an
 * entity, so those are swapped for look-alikes.
 */
function mermaidText(text: string): string {
  return text.replace(/:/g, '∶').replace(/;/g, ',').replace(/#/g, '＃').replace(/"/g, '”')
}

/** A Mermaid `stateDiagram-v2` of the graph. */
export function mermaidDiagram(graph: FlowGraph): string {
  const { captions } = graph
  const ids = new Map(graph.steps.map((s) => [s.id, MERMAID_KEYWORDS.has(s.id) ? `${s.id}_step` : s.id]))
  const taken = new Set(ids.values())
  let anyStep = 'anyStep'
  while (taken.has(anyStep)) anyStep += '_'
  const id = (step: string) => ids.get(step) ?? step
  const lines = ['stateDiagram-v2', `  [*] --> ${id(graph.start)}`]
  if (graph.reconsent) lines.push(`  [*] --> ${id(graph.reconsent)} : ${mermaidText(captions.reconsent)}`)
  for (const step of graph.steps) {
    // Declared with its name first, so Mermaid shows the name as a title and the text under it.
    lines.push(`  state "${step.id}" as ${id(step.id)}`)
    if (step.text) lines.push(`  ${id(step.id)} : ${mermaidText(shorten(step.text, 60))}`)
  }
  for (const edge of graph.edges) {
    const text = labelText(edge.label)
    lines.push(
      `  ${id(edge.from)} --> ${id(edge.to)}${text ? ` : ${mermaidText(edge.kind === 'answer' && edge.from === edge.to ? `↻ ${text}` : text)}` : ''}`,
    )
  }
  if (graph.commands.length > 0) {
    lines.push(`  state "${mermaidText(captions.anyStep)}" as ${anyStep}`)
    const staying: string[] = []
    for (const command of graph.commands) {
      if (command.to) lines.push(`  ${anyStep} --> ${id(command.to)} : ${mermaidText(labelText(command.label))}`)
      else staying.push(`    ${mermaidText(shorten(commandText(command), 70))}`)
    }
    if (staying.length > 0) lines.push(`  note right of ${anyStep}`, ...staying, '  end note')
    lines.push('  classDef commands fill:#fff4d6,stroke:#c9a227', `  class ${anyStep} commands`)
  }
  return `${lines.join('\n')}\n`
}

/** A Markdown page: title, where it comes from, the Mermaid diagram, and how to read it. */
export function diagramMarkdown(graph: FlowGraph): string {
  const c = graph.captions
  return [
    `# ${c.title}`,
    '',
    c.source,
    '',
    '```mermaid',
    mermaidDiagram(graph).trimEnd(),
    '```',
    '',
    `## ${c.legendTitle}`,
    '',
    ...c.legend.map((line) => `- ${line}`),
    '',
  ].join('\n')
}
