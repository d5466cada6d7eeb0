/** The diagram as a web page: the SVG inline, its styles inline, nothing loaded from anywhere. */
import type { FlowGraph } from './model.js'
import { svgDiagram } from './svg.js'
import { escapeXml } from './svg-text.js'

export function diagramHtml(graph: FlowGraph, heading?: string): string {
  const c = graph.captions
  const title = heading ? `${heading}: ${c.title}` : c.title
  return [
    '<!doctype html>',
    `<html lang="${graph.language}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222 } main { max-width: 60rem } li { margin: .2rem 0 } .diagram { overflow-x: auto } @media (max-width: 40rem) { body { margin: 1rem } }</style>',
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(title)}</h1>`,
    `<p>${escapeXml(c.source.replace(/`/g, ''))}</p>`,
    // Drawn at its own size, so that its words stay readable on a phone: a narrow screen
    // scrolls the picture sideways, not the page (a keyboard too: the frame takes the focus).
    `<div class="diagram" role="region" aria-label="${escapeXml(c.title)}" tabindex="0">`,
    svgDiagram(graph),
    '</div>',
    `<h2>${escapeXml(c.legendTitle)}</h2>`,
    `<ul>${c.legend.map((line) => `<li>${escapeXml(line)}</li>`).join('')}</ul>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
