/**
 * The flow as a picture: the Mermaid diagram and the SVG page drawn from the real flow and texts,
 * checked for what an owner would look for (every step, the arrows with their words and what they
 * record) and for being well formed (every arrow between declared states, nothing fetched).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadBusinessFiles, type BusinessFiles } from '../../../src/main/bot.js'
import { CHANNEL_INTENT, type Flow } from '../../../src/domain/flow.js'
import {
  diagramCaptions,
  diagramHtml,
  diagramMarkdown,
  flowGraph,
  mermaidDiagrams,
  svgDiagram,
  type DiagramTexts,
  type FlowGraph,
} from '../../../src/app/diagram/index.js'
import type { Language } from '../../../src/domain/language.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

let files: BusinessFiles
beforeAll(async () => {
  files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
})

/** The real flow, labelled as `npm run flow:diagram` labels it. */
function realGraph(language: Language): FlowGraph {
  const { business, texts, locales } = files
  const texts_: DiagramTexts = {
    language,
    text: (key) => texts.render(language, key, { business: business.policy.controller.name }),
    words: (intent) =>
      intent === CHANNEL_INTENT
        ? business.policy.channels.map((c) => texts.render(language, `channels.${c.channel}`))
        : (locales.answers[language].words[intent] ?? []),
    captions: diagramCaptions(texts, language),
  }
  return flowGraph(business.flow, texts_)
}

interface ReadMermaid {
  states: Set<string>
  /** One per answer: the answers an arrow carries are lines of its label, split at <br>. */
  edges: { from: string; to: string; label?: string }[]
  /** The lines of each state's box, under its name. */
  lines: Map<string, string[]>
}

/**
 * Reads one diagram line by line as Mermaid's state-diagram grammar would, failing on any line it
 * would not read, on a label holding ":" or ";" (which end a label there), and on an arrow to a
 * state never declared in that diagram.
 */
function readMermaid(text: string): ReadMermaid {
  const lines = text.trimEnd().split('\n')
  expect(lines[0]).toBe('stateDiagram-v2')
  const states = new Set<string>()
  const edges: ReadMermaid['edges'] = []
  const described = new Map<string, string[]>()
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null
    if ((m = /^ {2}state "([^"]+)" as (\w+)$/.exec(line))) states.add(m[2]!)
    else if ((m = /^ {2}(\w+) : ([^:;]+)$/.exec(line))) described.set(m[1]!, [...(described.get(m[1]!) ?? []), m[2]!])
    else if ((m = /^ {2}(\[\*\]|\w+) --> (\w+)(?: : ([^:;]+))?$/.exec(line))) {
      const [, from, to, label] = m as unknown as [string, string, string, string | undefined]
      if (label === undefined) edges.push({ from, to })
      else for (const one of label.split('<br>')) edges.push({ from, to, label: one })
    } else if (line !== '  direction LR' && !/^ {2}classDef \w+ [\w:#,. -]+$/.test(line) && !/^ {2}class \w+(?:,\w+)* \w+$/.test(line)) {
      throw new Error(`Mermaid would not read this line: ${JSON.stringify(line)}`)
    }
  }
  for (const id of described.keys()) expect(states, `"${id}" is described but never declared`).toContain(id)
  for (const { from, to } of edges) {
    if (from !== '[*]') expect(states, `arrow from undeclared "${from}"`).toContain(from)
    expect(states, `arrow to undeclared "${to}"`).toContain(to)
  }
  return { states, edges, lines: described }
}

/** All the diagrams of a graph read as one: every state, every arrow, every box's lines. */
function readAllMermaid(graph: FlowGraph): ReadMermaid {
  const all: ReadMermaid = { states: new Set(), edges: [], lines: new Map() }
  for (const part of mermaidDiagrams(graph)) {
    const one = readMermaid(part.diagram)
    for (const s of one.states) all.states.add(s)
    all.edges.push(...one.edges)
    for (const [id, lines] of one.lines) all.lines.set(id, [...(all.lines.get(id) ?? []), ...lines])
  }
  return all
}

interface Rect {
  id: string
  x: number
  y: number
  width: number
  height: number
}

/** The boxes of the SVG (steps, then the commands box) and the two ends of every arrow. */
function readSvg(svg: string) {
  const steps: Rect[] = [
    ...svg.matchAll(/<g class="step[^"]*" data-step="([^"]+)">\n<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g),
  ].map((m) => ({
    id: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5]),
  }))
  const titles = [
    ...svg.matchAll(/<g class="step[^"]*" data-step="([^"]+)">\n<rect [^>]+\/>\n<text [^>]*class="title"[^>]*>([^<]*)<\/text>/g),
  ].map((m) => [m[1], m[2]])
  const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }))
  const arrows = [...svg.matchAll(/<path d="([^"]+)" class="edge[^"]*"\/>/g)].map((m) => {
    const numbers = [...m[1]!.matchAll(/([MHV])([\d.]+)(?:,([\d.]+))?/g)]
    let x = 0
    let y = 0
    let start = { x: 0, y: 0 }
    for (const [, op, a, b] of numbers) {
      if (op === 'M') [x, y] = [Number(a), Number(b)]
      if (op === 'H') x = Number(a)
      if (op === 'V') y = Number(a)
      if (op === 'M') start = { x, y }
    }
    return { start, end: { x, y } }
  })
  return { steps, titles, arrows, dots }
}

const onEdge = (p: { x: number; y: number }, r: Rect, slack: number) =>
  p.x >= r.x - slack &&
  p.x <= r.x + r.width + slack &&
  p.y >= r.y - slack &&
  p.y <= r.y + r.height + slack &&
  (Math.abs(p.x - r.x) <= slack ||
    Math.abs(p.x - r.x - r.width) <= slack ||
    Math.abs(p.y - r.y) <= slack ||
    Math.abs(p.y - r.y - r.height) <= slack)

const SERVICE = 'atender esta conversación y tus pedidos'
const MARKETING = 'enviarte ofertas adaptadas a ti'

describe('the Mermaid diagrams of the real flow', () => {
  it('declare every step, start at the start, and every arrow joins states declared in its diagram', () => {
    const graph = realGraph('es')
    const { states, edges } = readAllMermaid(graph)
    for (const step of Object.keys(files.business.flow.steps)) expect(states).toContain(step)
    expect(edges).toContainEqual({ from: '[*]', to: files.business.flow.start })
    // A contact whose consent no longer holds comes back in at the reconsent step.
    expect(files.business.flow.reconsent).toBeDefined()
    expect(edges).toContainEqual({ from: '[*]', to: files.business.flow.reconsent, label: 'política nueva o permiso caducado' })
  })

  it('split the flow into its parts: the first conversation, one from each step it waits at or a command leads to, the commands', () => {
    const parts = mermaidDiagrams(realGraph('es'))
    expect(parts.map((p) => p.heading)).toEqual([
      'La primera conversación',
      'Desde el paso menu',
      'Desde el paso changeWhich',
      'Desde el paso confirmErase',
      'Desde el paso withdrawn',
      'En cualquier paso',
    ])
    // Each step is drawn in full in one diagram; elsewhere it is a dashed box with its name.
    const owned = parts.map((p) => [...p.diagram.matchAll(/^ {2}(\w+) : /gm)].map((m) => m[1]))
    const drawn = owned.flatMap((ids) => [...new Set(ids)]).filter((id) => id !== 'anyStep')
    expect(drawn.sort()).toEqual(
      Object.keys(files.business.flow.steps)
        .filter((id) => id !== 'withdrawn')
        .sort(),
    )
    expect(parts[1]!.diagram).toMatch(/^ {2}class askChannel,changeWhich,withdrawn,confirmErase,settled elsewhere$/m)
    // The menu leads to five steps: drawn left to right, its arrows stacked, not side by side.
    expect(parts[1]!.diagram).toMatch(/^stateDiagram-v2\n {2}direction LR\n/)
    expect(parts[0]!.diagram).not.toContain('direction')
  })

  it('label each answer with its words and what it records, in Spanish', () => {
    const { edges, lines } = readAllMermaid(realGraph('es'))
    const label = (from: string, to: string) => edges.filter((e) => e.from === from && e.to === to).map((e) => e.label)
    const stays = (step: string) => (lines.get(step) ?? []).filter((l) => l.startsWith('↻'))
    expect(label('greet', 'askService')).toEqual([undefined])
    expect(label('askService', 'askMarketing')).toEqual([`sí / si / acepto … ✓ ${SERVICE}`])
    expect(label('askService', 'askChannel')).toEqual([expect.stringMatching(new RegExp(`^no / .* ✗ ${SERVICE}$`))])
    // "no quiero ofertas" (stopOffers) is a no where the offers question is open.
    expect(label('askMarketing', 'askChannel')).toEqual([
      expect.stringMatching(new RegExp(`^sí .*✓ ${MARKETING}$`)),
      expect.stringMatching(new RegExp(`^no .*✗ ${MARKETING}$`)),
      expect.stringMatching(new RegExp(`^no más ofertas .*✗ ${MARKETING}$`)),
    ])
    // An answer that stays says so in its step's box, and a question the contact can ask about is kept in place.
    expect(stays('askService')).toEqual([expect.stringMatching(/^↻ info \/ /)])
    expect(label('askService', 'askService')).toEqual([])
    expect(label('askChannel', 'channelDetails')).toEqual([expect.stringMatching(/^WhatsApp \(seguir aquí\) \/ Telegram/)])
    expect(label('channelDetails', 'askChannel')).toEqual([expect.stringMatching(/^otro \/ otro canal/)])
    expect(label('channelDetails', 'thanks')).toEqual(['canal guardado'])
    // Once thanked, the contact is settled: the bot is quiet (MENÚ, a command, opens the menu).
    expect(label('thanks', 'settled')).toEqual([undefined])
    expect(label('menu', 'withdrawn')).toEqual([expect.stringMatching(/✗ todos$/)])
    // The contact's rights: seeing their data, and erasing it once confirmed.
    expect(stays('menu')).toContainEqual(expect.stringMatching(/^↻ .* 📄 le muestra sus datos$/))
    expect(stays('confirmErase')).toContainEqual(expect.stringMatching(/^↻ sí .* 🗑 borra sus datos$/))
    // The commands: STOP leads to its step from anywhere; the others are lines of their box.
    expect(label('anyStep', 'withdrawn')).toEqual([expect.stringMatching(/^baja \/ stop \/ cancelar … ✗ todos$/)])
    const commands = (lines.get('anyStep') ?? []).join('\n')
    expect(commands).toMatch(/^ayuda \/ help \/ comandos → Puedes escribir/m)
    expect(commands).toMatch(/^english .* idioma∶ en$/m)
    expect(commands).toMatch(new RegExp(`^no más ofer.* ✗ ${MARKETING}$`, 'm'))
    // Asking for a person hands the chat over; the settled step is quiet, the staff answer there.
    expect(commands).toMatch(/^persona \/ una persona… 🤝 pasa a una persona$/m)
    expect((lines.get('settled') ?? []).join('\n')).toMatch(/^🤝 en silencio. lo que escribe va al equipo$/m)
  })

  it('show the question of each step under its name, shortened', () => {
    const text = mermaidDiagrams(realGraph('es'))
      .map((p) => p.diagram)
      .join('')
    expect(text).toMatch(/^ {2}askService : ¿Aceptas que usemos tus datos para atender…$/m)
    expect(text).toMatch(/^ {2}greet : ¡Hola! 👋 Te escribe el asistente de Tienda…$/m)
    for (const line of text.split('\n').filter((l) => / : /.test(l) && !l.includes(' --> ')))
      expect([...line.split(' : ')[1]!].length).toBeLessThanOrEqual(54)
  })

  it('speak English when asked', () => {
    const markdown = diagramMarkdown(realGraph('en'))
    expect(markdown).toMatch(/^# The conversation, step by step\n/)
    expect(markdown).toMatch(/^## The first conversation\n\n```mermaid\nstateDiagram-v2\n/m)
    expect(markdown).toMatch(/^ {2}askService --> askMarketing : yes \/ y \/ yeah … ✓ answer this chat and your orders$/m)
    expect(markdown).toMatch(/^ {2}thanks --> settled$/m)
    expect(markdown).toMatch(/^ {2}anyStep --> withdrawn : stop .* ✗ all$/m)
    expect(markdown).not.toMatch(/siguiente mensaje|todos/)
  })

  it('come with a legend that tells what Mermaid draws: no dashed arrows, dashed boxes', () => {
    const markdown = diagramMarkdown(realGraph('es'))
    const legend = markdown.slice(markdown.indexOf('## Cómo leerlo'))
    expect(legend).not.toMatch(/Flecha discontinua/)
    expect(legend).toMatch(/^- «con su siguiente mensaje»: el bot espera/m)
    expect(legend).toMatch(/^- Caja de borde discontinuo: un paso que se dibuja en otro/m)
    expect(markdown.match(/```mermaid/g)).toHaveLength(6)
  })
})

describe('the HTML page of the real flow', () => {
  it('draws one box per step, titled with its name, top to bottom without overlapping', () => {
    const html = diagramHtml(realGraph('es'), 'Tienda Ejemplo')
    expect(html.match(/<svg /g)).toHaveLength(1)
    const { steps, titles } = readSvg(html)
    expect(steps.map((s) => s.id).sort()).toEqual(Object.keys(files.business.flow.steps).sort())
    expect(titles.every(([id, title]) => id === title)).toBe(true)
    expect(steps[0]!.id).toBe(files.business.flow.start)
    for (const [above, below] of steps.slice(0, -1).map((s, i) => [s, steps[i + 1]!]))
      expect(above!.y + above!.height).toBeLessThan(below.y)
  })

  it('draws every move as an arrow from one box to another, with its words and marks', () => {
    const graph = realGraph('es')
    const svg = svgDiagram(graph)
    const { steps, arrows, dots } = readSvg(svg)
    const moves = graph.edges.filter((e) => e.from !== e.to)
    // One more from each dot: the start, and the way back in for a consent that no longer holds.
    expect(dots).toHaveLength(2)
    expect(arrows).toHaveLength(moves.length + dots.length)
    for (const [i, { start, end }] of arrows.entries()) {
      const fromDot = dots.some((d) => Math.abs(d.x - start.x) < 1 && Math.abs(d.y - start.y) < 8)
      if (!fromDot)
        expect(
          steps.some((r) => onEdge(start, r, 0.5)),
          `arrow ${i} starts on a box: ${JSON.stringify(start)}`,
        ).toBe(true)
      expect(
        steps.some((r) => onEdge(end, r, 2.5)),
        `arrow ${i} ends at a box: ${JSON.stringify(end)}`,
      ).toBe(true)
    }
    expect(svg).toMatch(/sí \/ si… <tspan class="mark grant">✓ atender esta conversación y tus pedidos<\/tspan>/)
    expect(svg).toMatch(/<tspan class="mark refuse">✗ enviarte ofertas adaptadas a ti<\/tspan>/)
    // Answers that stay are listed in their step's box.
    expect(svg).toMatch(/data-step="askService">(?:(?!<\/g>)[\s\S])*↻ info \/ información/)
    // What a staying answer does is never cut off: erasing the contact's data, say.
    expect(svg).toMatch(/data-step="confirmErase">(?:(?!<\/g>)[\s\S])*↻ sí [^<]*<tspan class="mark erasure">🗑 borra sus datos<\/tspan>/)
    expect(svg).toMatch(
      /<g class="commands">(?:(?!<\/g>)[\s\S])*En cualquier paso(?:(?!<\/g>)[\s\S])*baja \/ stop \/ cancelar … → withdrawn <tspan class="mark withdraw">✗ todos<\/tspan>/,
    )
  })

  it('needs no network and is well formed', () => {
    const html = diagramHtml(realGraph('en'), 'Tienda Ejemplo')
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|src=|href=/i)
    expect(html.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//)
    for (const tag of ['svg', 'g', 'text', 'style', 'defs', 'marker', 'ul', 'main', 'body', 'html']) {
      expect(html.match(new RegExp(`<${tag}[ >]`, 'g'))?.length, `<${tag}> opened and closed`).toBe(
        html.match(new RegExp(`</${tag}>`, 'g'))?.length,
      )
    }
  })
})

describe('texts an owner may write', () => {
  // A step named like a Mermaid keyword, and texts and words full of characters its grammar reads.
  const flow: Flow = {
    start: 'note',
    startLine: 1,
    media: { say: ['notice'], line: 1 },
    commands: { stop: { say: [], withdraw: 'all', next: 'end', line: 2 } },
    steps: {
      note: {
        kind: 'ask',
        id: 'note',
        say: [],
        ask: 'question',
        answers: {
          yes: { say: [], record: { purpose: 'service', given: true }, next: 'end', line: 4 },
          info: { say: ['notice'], line: 5 },
        },
        unclear: { say: ['hint'], line: 6 },
        line: 3,
      },
      end: { kind: 'rest', id: 'end', say: ['bye'], answers: {}, rest: 'note', line: 7 },
    },
  }
  const texts: Omit<DiagramTexts, 'captions'> = {
    language: 'en',
    text: (key) => ({ question: 'Is "this" <b>fine</b>; really: yes? #1 & {{name}}', notice: 'n', hint: 'h', bye: '*Bye*: see you' })[key],
    words: (intent) => ({ yes: ['yes: sure', 'a;b', '#hash;'], info: ['<script>'] })[intent] ?? [],
  }
  const graph = () => flowGraph(flow, { ...texts, captions: diagramCaptions(files.texts, 'en') })

  it('keep the Mermaid diagrams readable', () => {
    const parts = mermaidDiagrams(graph())
    const text = parts.map((p) => p.diagram).join('')
    const { states, edges } = readAllMermaid(graph())
    expect([...states]).toEqual(['note_step', 'end_step', 'anyStep'])
    expect(text).toMatch(/^ {2}state "note" as note_step$/m)
    expect(edges).toContainEqual({ from: '[*]', to: 'note_step' })
    expect(edges).toContainEqual({ from: 'note_step', to: 'end_step', label: 'yes∶ sure / a,b / ＃hash, ✓ service' })
    // No markup reaches Mermaid, which would read it as HTML (it breaks lines at <br>).
    expect(text).toMatch(/^ {2}note_step : Is ”this” ‹b›fine‹\/b›, really∶ yes\? ＃1 & …$/m)
    expect(text).toContain('↻ ‹script›')
    expect(parts.map((p) => p.heading)).toEqual(['The first conversation', 'From step end', 'At any step'])
  })

  it('are escaped in the page, never taken as markup', () => {
    const html = diagramHtml(graph(), 'A & B <shop>')
    expect(html).toContain('<title>A &amp; B &lt;shop&gt;: The conversation, step by step</title>')
    expect(html).toContain('Is &quot;this&quot; &lt;b&gt;fine&lt;/b&gt;; really: yes? #1 &amp; …')
    expect(html).toContain('↻ &lt;script&gt;')
    expect(html).toContain('Bye: see you')
    expect(html).not.toMatch(/<script|<b>|<shop>/)
  })
})
