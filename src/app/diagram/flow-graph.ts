/**
 * The flow as the diagram's model: its steps and labelled arrows, in the language of `texts`, with
 * the words contacts actually write. Pure: texts and words come in through a lookup.
 */
import { BACK_INTENT, CHANNEL_INTENT, type Flow, type Outcome } from '../../domain/flow.js'
import { shownKeyOf } from '../../domain/steps.js'
import type { DiagramCommand, DiagramEdge, DiagramStep, DiagramTexts, FlowGraph, Label, Mark } from './model.js'
import { stepExits } from './step-exits.js'

/** The steps and arrows of `flow`, labelled in `texts.language`. */
export function flowGraph(flow: Flow, texts: DiagramTexts): FlowGraph {
  const { captions } = texts
  const label = (intent: string | undefined, o: Outcome | undefined): Label => ({
    words: intent ? wordsOf(texts, intent) : '',
    marks: o ? marksOf(o, texts) : [],
  })
  const steps: DiagramStep[] = []
  const edges: DiagramEdge[] = []
  for (const step of Object.values(flow.steps)) {
    const channel = step.kind === 'channel'
    const shown = shownKeyOf(step)
    const quiet = step.kind === 'rest' && step.quiet === true
    const text = channel
      ? captions.channelStep
      : shown !== undefined
        ? firstLine(texts.text(shown) ?? '')
        : quiet
          ? captions.quiet
          : undefined
    steps.push({ id: step.id, ...(text ? { text } : {}), channel })
    for (const exit of stepExits(step)) {
      const from = step.id
      if (exit.kind === 'answer') edges.push({ from, to: exit.to, kind: 'answer', label: label(exit.intent, exit.outcome) })
      else if (exit.kind === 'back') edges.push({ from, to: exit.to, kind: 'back', label: label(BACK_INTENT, undefined) })
      else if (exit.kind === 'channelSaved')
        edges.push({ from, to: exit.to, kind: 'channelSaved', label: { words: captions.channelSaved, marks: [] } })
      else if (exit.kind === 'next') edges.push({ from, to: exit.to, kind: 'next', label: { words: '', marks: [] } })
      else edges.push({ from, to: exit.to, kind: 'rest', label: { words: captions.nextMessage, marks: [] } })
    }
  }
  const commands = Object.entries(flow.commands).map(([intent, o]): DiagramCommand => {
    // What a command says matters only when nothing else shows what it does (help, say).
    const first = o.aside ? o.aside.ask : o.say[0]
    const said = first === undefined || o.next || o.language || o.withdraw || o.right ? undefined : firstLine(texts.text(first) ?? '')
    return { label: label(intent, o), ...(o.next ? { to: o.next } : {}), ...(said ? { text: said } : {}) }
  })
  const reconsent = flow.reconsent && flow.reconsent in flow.steps ? flow.reconsent : undefined
  return { language: texts.language, captions, start: flow.start, ...(reconsent ? { reconsent } : {}), steps, edges, commands }
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

/** A purpose by its name in the diagram's language (messages.json, `purposes.<id>.name`), else its id. */
function purposeName(texts: DiagramTexts, purpose: string): string {
  return firstLine(texts.text(`purposes.${purpose}.name`) ?? '') || purpose
}

function marksOf(o: Outcome, texts: DiagramTexts): Mark[] {
  const { captions } = texts
  const marks: Mark[] = []
  if (o.record)
    marks.push({ kind: o.record.given ? 'grant' : 'refuse', text: `${o.record.given ? '✓' : '✗'} ${purposeName(texts, o.record.purpose)}` })
  if (o.withdraw)
    marks.push({
      kind: 'withdraw',
      text: `✗ ${o.withdraw === 'all' ? captions.all : o.withdraw.map((p) => purposeName(texts, p)).join(', ')}`,
    })
  if (o.language) marks.push({ kind: 'language', text: `${captions.language}: ${o.language}` })
  if (o.right) marks.push({ kind: o.right, text: captions[o.right] })
  if (o.handover) marks.push({ kind: 'handover', text: captions.handover })
  return marks
}

/** The first line of a text, without WhatsApp's *bold* marks and with unfilled variables as "…". */
export function firstLine(text: string): string {
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
