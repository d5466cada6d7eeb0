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
    '<style>body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222 } main { max-width: 60rem } svg { max-width: 100%; height: auto } li { margin: .2rem 0 }</style>',
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(title)}</h1>`,
    `<p>${escapeXml(c.source.replace(/`/g, ''))}</p>`,
    svgDiagram(graph),
    `<h2>${escapeXml(c.legendTitle)}</h2>`,
    `<ul>${c.legend.map((line) => `<li>${escapeXml(line)}</li>`).join('')}</ul>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
