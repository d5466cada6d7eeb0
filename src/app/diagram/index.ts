/**
 * The conversation as a picture for the business owner: a Mermaid state diagram (Markdown viewers
 * draw it) and a self-contained SVG page (any browser, no network), both drawn from one model of
 * steps and labelled arrows, in the language the owner chose, with the words contacts write.
 *
 * @example
 * const captions = diagramCaptions(texts, 'es')   // the diagram's own words, from pages.json
 * const graph = flowGraph(flow, { language: 'es', text: (key) => …, words: (intent) => …, captions })
 * const markdown = diagramMarkdown(graph)   // ```mermaid stateDiagram-v2 …```
 * const page = diagramHtml(graph)           // <!doctype html> … <svg> … </svg>
 */
export { diagramCaptions, type DiagramCaptions } from './captions.js'
export { flowGraph } from './flow-graph.js'
export { labelText, shorten } from './labels.js'
export { diagramMarkdown, type MermaidPart, mermaidDiagrams } from './mermaid.js'
export type { DiagramCommand, DiagramEdge, DiagramStep, DiagramTexts, EdgeKind, FlowGraph, Label, Mark } from './model.js'
export { diagramHtml } from './page.js'
export { svgDiagram } from './svg.js'
