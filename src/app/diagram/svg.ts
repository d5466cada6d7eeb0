/**
 * The diagram as a self-contained SVG (any browser, no network): the steps in one column, the
 * arrows in lanes beside it, the commands in a box of their own. One function over 150 lines: the
 * drawing's steps share the boxes' and lanes' positions, and read best in order.
 */
import { assignLanes, columnOrder } from './layout.js'
import { labelText } from './labels.js'
import type { DiagramEdge, DiagramStep, FlowGraph } from './model.js'
import { commandSvg, escapeXml, labelSvg, r, wrap } from './svg-text.js'

const BOX_WIDTH = 340
const TITLE_HEIGHT = 24
const LINE_HEIGHT = 16
const BOX_PADDING = 10
const ROW_GAP = 70
const LANE_GAP = 18
const SLOT_HEIGHT = 16 // between two arrows leaving one side of a box
const SLOT_MARGIN = 14
const PARALLEL_GAP = 140
const SIDE_CHARS = 34 // the longest label beside a box, in characters
// About the width of a 12px sans-serif character: enough to leave room without measuring text.
const CHAR_WIDTH = 6.6
const TEXT_CHARS = Math.floor((BOX_WIDTH - 2 * BOX_PADDING) / CHAR_WIDTH)

interface Box {
  step: DiagramStep
  x: number
  y: number
  height: number
  /** Each line's content, ready for the SVG (escaped, marks coloured). */
  lines: { svg: string; className: string }[]
}

type Side = 'left' | 'right'

/**
 * The steps in one column, top to bottom in the order a contact meets them; an arrow to the next
 * box is a straight line, one that skips boxes goes round the left, one that goes back up goes
 * round the right. Each such arrow has its own lane, so none is drawn over another.
 */
export function svgDiagram(graph: FlowGraph): string {
  const c = graph.captions
  const order = columnOrder(graph)
  const position = new Map(order.map((id, i) => [id, i]))
  const moves = graph.edges.filter((e) => e.from !== e.to && position.has(e.from) && position.has(e.to))
  const stays = graph.edges.filter((e) => e.from === e.to)

  // Arrows between neighbours go straight down; the others get a lane on their side.
  const straight = moves.filter((e) => position.get(e.to)! === position.get(e.from)! + 1)
  const around = moves.filter((e) => !straight.includes(e))
  const lanes = assignLanes(around, position)
  const sideOf = (e: DiagramEdge): Side => (position.get(e.to)! > position.get(e.from)! ? 'left' : 'right')

  // On a box's side, each arrow leaving gets its own height (its label sits there), and all the
  // arrows arriving share one, so they merge into one head. Arrows going down leave on the left,
  // after the arrival (which comes from above); arrows going up leave on the right, before it.
  // Outer lanes leave nearer the end their lane runs to, so no two arrows cross at a box.
  const slots = new Map<string, (DiagramEdge | 'arrival')[]>()
  const slotsOf = (id: string, side: Side) => slots.get(`${id}:${side}`) ?? []
  for (const side of ['left', 'right'] as const) {
    for (const id of order) {
      const leaving = around
        .filter((e) => e.from === id && sideOf(e) === side)
        .sort((a, b) => (side === 'left' ? lanes.get(b)! - lanes.get(a)! : lanes.get(a)! - lanes.get(b)!))
      const arriving = around.some((e) => e.to === id && sideOf(e) === side) ? ['arrival' as const] : []
      slots.set(`${id}:${side}`, side === 'left' ? [...arriving, ...leaving] : [...leaving, ...arriving])
    }
  }

  const boxes = new Map<string, Box>()
  const byId = new Map(graph.steps.map((s) => [s.id, s]))
  for (const id of order) {
    const step = byId.get(id)!
    const lines = wrap(step.text ?? '', TEXT_CHARS, 2).map((text) => ({ svg: escapeXml(text), className: 'text' }))
    for (const edge of stays.filter((e) => e.from === id))
      lines.push({ svg: `↻ ${labelSvg(edge.label, TEXT_CHARS - 2)}`, className: 'stay' })
    const busiestSide = Math.max(slotsOf(id, 'left').length, slotsOf(id, 'right').length)
    const height = Math.max(TITLE_HEIGHT + lines.length * LINE_HEIGHT + BOX_PADDING, SLOT_MARGIN + busiestSide * SLOT_HEIGHT)
    boxes.set(id, { step, x: 0, y: 0, height, lines })
  }
  const leftLanes = Math.max(0, ...around.filter((e) => position.get(e.to)! > position.get(e.from)!).map((e) => lanes.get(e)! + 1))
  const rightLanes = Math.max(0, ...around.filter((e) => position.get(e.to)! < position.get(e.from)!).map((e) => lanes.get(e)! + 1))
  const sideRoom = (n: number) => Math.max(n * LANE_GAP + 24, n > 0 ? SIDE_CHARS * CHAR_WIDTH + 16 : 24)
  const left = sideRoom(leftLanes) + 20
  const width = left + BOX_WIDTH + sideRoom(rightLanes) + 20

  let y = 70 // room for the start dot
  for (const id of order) {
    const box = boxes.get(id)!
    box.x = left
    box.y = y
    y += box.height + ROW_GAP
  }

  const parts: string[] = []
  const text = (x: number, ty: number, content: string, className: string, anchor = 'start') =>
    `<text x="${r(x)}" y="${r(ty)}" class="${className}" text-anchor="${anchor}">${content}</text>`

  // Start: a dot above the first step. The way back for a consent that no longer holds: a dot
  // above its step's right end, clear of the straight arrows, which run down the middle.
  const entry = (box: Box | undefined, x: number, label?: string) => {
    if (!box) return
    parts.push(
      `<circle cx="${r(x)}" cy="${r(box.y - 44)}" r="7" class="start"/>`,
      `<path d="M${r(x)},${r(box.y - 37)} V${r(box.y - 2)}" class="edge"/>`,
    )
    if (label) parts.push(text(x - 14, box.y - 40, escapeXml(label), 'label', 'end'))
  }
  entry(boxes.get(graph.start), left + BOX_WIDTH / 2)
  if (graph.reconsent) entry(boxes.get(graph.reconsent), left + BOX_WIDTH - 30, c.reconsent)

  // Straight arrows, side by side when several join the same two boxes.
  const pairs = new Map<string, DiagramEdge[]>()
  for (const e of straight) pairs.set(`${e.from}>${e.to}`, [...(pairs.get(`${e.from}>${e.to}`) ?? []), e])
  for (const group of pairs.values()) {
    group.forEach((e, k) => {
      const from = boxes.get(e.from)!
      const to = boxes.get(e.to)!
      const offset = (k - (group.length - 1) / 2) * PARALLEL_GAP
      const x = from.x + BOX_WIDTH / 2 + offset
      const y1 = from.y + from.height
      const y2 = to.y - 2
      parts.push(`<path d="M${r(x)},${r(y1)} V${r(y2)}" class="edge ${e.kind}"/>`)
      if (labelText(e.label)) {
        const leftOfLine = group.length > 1 && offset < 0
        parts.push(
          text(
            x + (leftOfLine ? -6 : 6),
            (y1 + y2) / 2 + 4,
            labelSvg(e.label, group.length > 1 ? 24 : SIDE_CHARS),
            'label',
            leftOfLine ? 'end' : 'start',
          ),
        )
      }
    })
  }

  // Arrows round the side, each in its lane.
  const slotY = (id: string, side: Side, slot: DiagramEdge | 'arrival') => {
    const box = boxes.get(id)!
    const list = slotsOf(id, side)
    return box.y + SLOT_MARGIN / 2 + ((box.height - SLOT_MARGIN) * (list.indexOf(slot) + 0.5)) / list.length
  }
  for (const e of around) {
    const side = sideOf(e)
    const edgeX = side === 'left' ? left : left + BOX_WIDTH
    const sign = side === 'left' ? -1 : 1
    const laneX = edgeX + sign * (24 + lanes.get(e)! * LANE_GAP)
    const y1 = slotY(e.from, side, e)
    const y2 = slotY(e.to, side, 'arrival')
    parts.push(`<path d="M${r(edgeX)},${r(y1)} H${r(laneX)} V${r(y2)} H${r(edgeX + sign * 2)}" class="edge ${e.kind}"/>`)
    if (labelText(e.label))
      parts.push(text(edgeX + sign * 6, y1 - 4, labelSvg(e.label, SIDE_CHARS), 'label', side === 'left' ? 'end' : 'start'))
  }

  // The boxes last, so arrows never hide their text.
  for (const box of boxes.values()) {
    const { step } = box
    parts.push(
      `<g class="step${step.channel ? ' channel' : ''}" data-step="${escapeXml(step.id)}">`,
      `<rect x="${r(box.x)}" y="${r(box.y)}" width="${BOX_WIDTH}" height="${r(box.height)}" rx="8"/>`,
      text(box.x + BOX_PADDING, box.y + 17, escapeXml(step.id), 'title'),
      ...box.lines.map((line, i) => text(box.x + BOX_PADDING, box.y + TITLE_HEIGHT + 12 + i * LINE_HEIGHT, line.svg, line.className)),
      '</g>',
    )
  }

  // The commands: a box of their own under the steps, with where each leads.
  if (graph.commands.length > 0) {
    const lines = graph.commands.map((command) => commandSvg(command, TEXT_CHARS))
    const height = TITLE_HEIGHT + lines.length * LINE_HEIGHT + BOX_PADDING
    parts.push(
      `<g class="commands">`,
      `<rect x="${r(left)}" y="${r(y)}" width="${BOX_WIDTH}" height="${r(height)}" rx="8"/>`,
      text(left + BOX_PADDING, y + 17, escapeXml(c.anyStep), 'title'),
      ...lines.map((line, i) => text(left + BOX_PADDING, y + TITLE_HEIGHT + 12 + i * LINE_HEIGHT, line, 'text')),
      '</g>',
    )
    y += height + 20
  }

  const height = y
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${r(width)} ${r(height)}" width="${r(width)}" height="${r(height)}" role="img" aria-label="${escapeXml(c.title)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    `<style>${SVG_STYLE}</style>`,
    ...parts,
    '</svg>',
  ].join('\n')
}

const SVG_STYLE = [
  'text { font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; fill: #222 }',
  '.title { font-weight: 600; font-size: 13px }',
  '.stay { fill: #555 }',
  '.label { font-size: 12px; fill: #333; paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round }',
  '.mark.grant { fill: #1a7f37; font-weight: 600 }',
  '.mark.refuse, .mark.withdraw { fill: #c62828; font-weight: 600 }',
  '.mark.language, .mark.access { fill: #1f5fa8 }',
  '.mark.erasure { fill: #c62828; font-weight: 600 }',
  '.step rect { fill: #f4f7fb; stroke: #5b7aa6; stroke-width: 1.5 }',
  '.step.channel rect { fill: #eef8f0; stroke: #4d8f5f }',
  '.commands rect { fill: #fff4d6; stroke: #c9a227; stroke-width: 1.5 }',
  '.edge { fill: none; stroke: #555; stroke-width: 1.4; marker-end: url(#arrow) }',
  '.edge.rest { stroke-dasharray: 5 4 }',
  '.edge.back { stroke: #4d8f5f }',
  '.start { fill: #222 }',
].join('\n')
