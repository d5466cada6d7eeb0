/**
 * The conversation as a picture for the business owner: a Mermaid state diagram (Markdown viewers
 * draw it) and a self-contained SVG (any browser, no network), both drawn from one graph of steps
 * and labelled arrows. Pure: texts and answer words come in through a lookup, so the picture
 * speaks the language the owner chose, with the words contacts actually write.
 *
 * @example
 * const graph = flowGraph(flow, { language: 'es', text: (key) => …, words: (intent) => … })
 * const markdown = diagramMarkdown(graph)   // ```mermaid stateDiagram-v2 …```
 * const page = diagramHtml(graph)           // <!doctype html> … <svg> … </svg>
 */
import { BACK_INTENT, CHANNEL_INTENT, type FlowDefinition, type Outcome } from './flow.js'
import type { Language } from './language.js'

export interface DiagramTexts {
  language: Language
  /** The text of a locale key in that language; `{{variables}}` left in are shown as "…". */
  text(key: string): string | undefined
  /** The words that count as an answer in that language; for `channel`, the offered channels' names. */
  words(intent: string): readonly string[]
}

/** What an arrow records or changes, shown after its words ("✓ service", "✗ marketing"). */
export interface Mark {
  kind: 'grant' | 'refuse' | 'withdraw' | 'language' | 'access' | 'erasure'
  text: string
}

export interface Label {
  /** The answer's words, e.g. "sí / si / acepto …"; empty for an arrow taken without an answer. */
  words: string
  marks: Mark[]
}

export type EdgeKind = 'answer' | 'next' | 'rest' | 'back' | 'channelSaved'

/** An arrow between two steps; `from === to` is an answer that stays and asks again. */
export interface DiagramEdge {
  from: string
  to: string
  kind: EdgeKind
  label: Label
}

export interface DiagramStep {
  id: string
  /** The question, or else the first message sent; one line, shortened. */
  text?: string
  /** The built-in channel step (link, or address asked, checked and read back). */
  channel: boolean
}

/** A command works at every step; `to` is where it leads, if anywhere. */
export interface DiagramCommand {
  label: Label
  to?: string
  /** What it says when it leads nowhere (the help text, say). */
  text?: string
}

export interface FlowGraph {
  language: Language
  start: string
  /** Where a contact whose consent no longer holds (new policy, expired) is taken. */
  reconsent?: string
  /** In the order of the flow file. */
  steps: DiagramStep[]
  edges: DiagramEdge[]
  commands: DiagramCommand[]
}

/** The diagram's own words (not the bot's): headings, the legend and a few arrow captions. */
const CAPTIONS = {
  es: {
    title: 'La conversación, paso a paso',
    source:
      'Dibujado a partir de flows/consent.yaml y de los textos de locales/es por `npm run flow:diagram`. Vuelve a ejecutarlo después de cada cambio.',
    anyStep: 'En cualquier paso',
    reconsent: 'política nueva o permiso caducado',
    access: '📄 le muestra sus datos',
    erasure: '🗑 borra sus datos',
    all: 'todos',
    language: 'idioma',
    nextMessage: 'con su siguiente mensaje',
    channelSaved: 'canal guardado',
    channelStep: 'envía el enlace, o pide la dirección o el número y lo confirma',
    legend: [
      'Cada caja es un paso (su nombre en flows/consent.yaml) con la pregunta que hace o el primer mensaje que envía.',
      'Cada flecha es una respuesta, con algunas de las palabras que la cuentan (todas están en locales/es/answers.json).',
      '✓ y el nombre de un propósito (de flows/policy.yaml): se registra el permiso; ✗: se registra la negativa (con «todos», se retiran todos los permisos).',
      '↻: la respuesta no cambia de paso; el bot contesta y vuelve a preguntar.',
      '📄 y 🗑: el contacto ejerce su derecho a ver sus datos o a borrarlos (queda registrado).',
      'Un punto negro: donde empieza la conversación; con una nota, donde vuelve un contacto cuyo permiso ya no vale.',
      'Flecha discontinua: el bot espera el siguiente mensaje del contacto. Una respuesta que no entiende nunca cuenta como un sí: vuelve a preguntar.',
      '«En cualquier paso»: los comandos que funcionan en todo momento.',
    ],
    legendTitle: 'Cómo leerlo',
  },
  en: {
    title: 'The conversation, step by step',
    source: 'Drawn from flows/consent.yaml and the texts in locales/en by `npm run flow:diagram`. Run it again after every change.',
    anyStep: 'At any step',
    reconsent: 'new policy, or consent expired',
    access: '📄 shows their data',
    erasure: '🗑 erases their data',
    all: 'all',
    language: 'language',
    nextMessage: 'on their next message',
    channelSaved: 'channel saved',
    channelStep: 'sends the link, or asks for the address or number and reads it back',
    legend: [
      'Each box is a step (its name in flows/consent.yaml) with the question it asks or the first message it sends.',
      'Each arrow is an answer, with some of the words that count as it (all of them are in locales/en/answers.json).',
      '✓ and a purpose\'s name (from flows/policy.yaml): consent is recorded; ✗: a refusal is recorded (with "all", every consent is withdrawn).',
      '↻: the answer does not change step; the bot replies and asks again.',
      '📄 and 🗑: the contact exercises their right to see their data or to erase it (it is recorded).',
      'A black dot: where the conversation starts; with a note, where a contact whose consent no longer holds comes back.',
      "Dashed arrow: the bot waits for the contact's next message. An answer it does not understand never counts as a yes: it asks again.",
      '"At any step": the commands that work at every moment.',
    ],
    legendTitle: 'How to read it',
  },
} satisfies Record<Language, unknown>

// ——— the graph ———

/** The steps and arrows of `flow`, labelled in `texts.language`. */
export function flowGraph(flow: FlowDefinition, texts: DiagramTexts): FlowGraph {
  const captions = CAPTIONS[texts.language]
  const label = (intent: string | undefined, o: Outcome | undefined): Label => ({
    words: intent ? wordsOf(texts, intent) : '',
    marks: o ? marksOf(o, texts.language) : [],
  })
  const steps: DiagramStep[] = []
  const edges: DiagramEdge[] = []
  for (const step of Object.values(flow.steps)) {
    const shown = step.ask ?? step.say[0]
    const text = step.channelDetails ? captions.channelStep : shown !== undefined ? firstLine(texts.text(shown) ?? '') : undefined
    steps.push({ id: step.id, ...(text ? { text } : {}), channel: Boolean(step.channelDetails) })
    for (const [intent, o] of Object.entries(step.answers)) {
      edges.push({ from: step.id, to: o.next ?? step.id, kind: 'answer', label: label(intent, o) })
    }
    if (step.channelDetails) {
      if (step.channelDetails.back)
        edges.push({ from: step.id, to: step.channelDetails.back, kind: 'back', label: label(BACK_INTENT, undefined) })
      if (step.next) edges.push({ from: step.id, to: step.next, kind: 'channelSaved', label: { words: captions.channelSaved, marks: [] } })
    } else if (step.next && !step.ask) {
      edges.push({ from: step.id, to: step.next, kind: 'next', label: { words: '', marks: [] } })
    }
    if (step.rest) edges.push({ from: step.id, to: step.rest, kind: 'rest', label: { words: captions.nextMessage, marks: [] } })
  }
  const commands = Object.entries(flow.commands).map(([intent, o]): DiagramCommand => {
    // What a command says matters only when nothing else shows what it does (help, say).
    const first = o.aside ? o.aside.ask : o.say[0]
    const said = first === undefined || o.next || o.language || o.withdraw || o.right ? undefined : firstLine(texts.text(first) ?? '')
    return { label: label(intent, o), ...(o.next ? { to: o.next } : {}), ...(said ? { text: said } : {}) }
  })
  const reconsent = flow.reconsent && flow.reconsent in flow.steps ? flow.reconsent : undefined
  return { language: texts.language, start: flow.start, ...(reconsent ? { reconsent } : {}), steps, edges, commands }
}

/** At most three words, so an arrow stays short; the rest are in answers.json. */
function wordsOf(texts: DiagramTexts, intent: string): string {
  const words = [
    ...new Set(
      texts
        .words(intent)
        .map((w) => w.trim())
        .filter(Boolean),
    ),
  ]
  if (words.length === 0) return intent === CHANNEL_INTENT ? CHANNEL_INTENT : intent
  return words.slice(0, 3).join(' / ') + (words.length > 3 ? ' …' : '')
}

function marksOf(o: Outcome, language: Language): Mark[] {
  const marks: Mark[] = []
  if (o.record) marks.push({ kind: o.record.given ? 'grant' : 'refuse', text: `${o.record.given ? '✓' : '✗'} ${o.record.purpose}` })
  if (o.withdraw) marks.push({ kind: 'withdraw', text: `✗ ${o.withdraw === 'all' ? CAPTIONS[language].all : o.withdraw.join(', ')}` })
  if (o.language) marks.push({ kind: 'language', text: `${CAPTIONS[language].language}: ${o.language}` })
  if (o.right) marks.push({ kind: o.right, text: CAPTIONS[language][o.right] })
  return marks
}

/** The first line of a text, without WhatsApp's *bold* marks and with unfilled variables as "…". */
function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  return line
    .replace(/\{\{[^}]*\}\}/g, '…')
    .replace(/[*~]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*:$/, '')
    .trim()
}

/** `text` cut at a word boundary to at most `max` characters, with "…" when cut. */
export function shorten(text: string, max: number): string {
  const chars = [...text]
  if (chars.length <= max) return text
  const cut = chars.slice(0, max - 1).join('')
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`
}

/** One line per command: its words, then where it leads or what it says, then what it records. */
function commandText(command: DiagramCommand): string {
  const where = command.to ?? command.text
  return [command.label.words, ...(where ? [`→ ${where}`] : []), ...command.label.marks.map((m) => m.text)].join(' ')
}

export function labelText(label: Label): string {
  return [label.words, ...label.marks.map((m) => m.text)].filter(Boolean).join(' ')
}

// ——— Mermaid ———

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
  const captions = CAPTIONS[graph.language]
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
  const c = CAPTIONS[graph.language]
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

// ——— SVG ———

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
  const c = CAPTIONS[graph.language]
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
  '.label { font-size: 11px; fill: #333; paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round }',
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

/** A self-contained page: the SVG inline, its styles inline, nothing loaded from anywhere. */
export function diagramHtml(graph: FlowGraph, heading?: string): string {
  const c = CAPTIONS[graph.language]
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

/**
 * The column's order: every step below the steps that lead to it (ways back up aside), and each
 * step's first answer right under it where it can be, so the usual path reads straight down.
 * This is the reverse of the order in which a depth-first walk from the start finishes steps,
 * walking each step's arrows last to first.
 */
function columnOrder(graph: FlowGraph): string[] {
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
function assignLanes(edges: DiagramEdge[], position: Map<string, number>): Map<DiagramEdge, number> {
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

/** An arrow's words, shortened to leave room for its marks, which are never cut. */
function labelSvg(label: Label, max: number): string {
  const marks = label.marks.map((m) => ` <tspan class="mark ${m.kind}">${escapeXml(m.text)}</tspan>`).join('')
  const room = Math.max(8, max - label.marks.reduce((n, m) => n + [...m.text].length + 1, 0))
  return `${escapeXml(shorten(label.words, room))}${marks}`
}

/** A command's line in the commands box: its words, where it leads or what it says, its marks uncut. */
function commandSvg(command: DiagramCommand, max: number): string {
  const marks = command.label.marks.map((m) => ` <tspan class="mark ${m.kind}">${escapeXml(m.text)}</tspan>`).join('')
  const room = max - command.label.marks.reduce((n, m) => n + [...m.text].length + 1, 0)
  const words = shorten(command.label.words, Math.min(30, room))
  const where = command.to ?? command.text
  const rest = where ? shorten(` → ${where}`, Math.max(4, room - [...words].length)) : ''
  return `${escapeXml(words)}${escapeXml(rest)}${marks}`
}

/** Up to `lines` lines of at most `width` characters, the last one shortened with "…". */
function wrap(text: string, width: number, lines: number): string[] {
  const words = text.split(' ').filter(Boolean)
  const result: string[] = []
  let current = ''
  for (const [i, word] of words.entries()) {
    const candidate = current ? `${current} ${word}` : word
    if ([...candidate].length <= width) {
      current = candidate
      continue
    }
    if (result.length === lines - 1) return [...result, shorten(`${current} ${words.slice(i).join(' ')}`.trim(), width)]
    if (current) result.push(current)
    current = word
  }
  if (current) result.push(shorten(current, width))
  return result.slice(0, lines)
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10)
}
