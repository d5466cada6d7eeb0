/**
 * The flow diagram's model: the conversation as steps and labelled arrows, in one language. Built
 * from the flow by `flowGraph`, drawn by the Mermaid writer and the SVG layout.
 */
import type { Language } from '../../domain/language.js'
import type { DiagramCaptions } from './captions.js'

export interface DiagramTexts {
  language: Language
  /** The text of a locale key in that language; `{{variables}}` left in are shown as "…". */
  text(key: string): string | undefined
  /** The words that count as an answer in that language; for `channel`, the offered channels' names. */
  words(intent: string): readonly string[]
  /** The diagram's own words in that language (pages.json, `diagram`). */
  captions: DiagramCaptions
}

/** What an arrow records or changes, shown after its words ("✓ service", "✗ marketing"). */
export interface Mark {
  kind: 'grant' | 'refuse' | 'withdraw' | 'language' | 'access' | 'erasure' | 'handover'
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
  /** The diagram's own words: headings, the legend, a few captions. */
  captions: DiagramCaptions
  start: string
  /** Where a contact whose consent no longer holds (new policy, expired) is taken. */
  reconsent?: string
  /** In the order of the flow file. */
  steps: DiagramStep[]
  edges: DiagramEdge[]
  commands: DiagramCommand[]
}
