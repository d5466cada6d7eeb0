/** An arrow's or a command's words as one line of text, shortened where room is short. */
import type { DiagramCommand, Label } from './model.js'

/** `text` cut at a word boundary to at most `max` characters, with "…" when cut. */
export function shorten(text: string, max: number): string {
  const chars = [...text]
  if (chars.length <= max) return text
  const cut = chars.slice(0, max - 1).join('')
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`
}

/** One line per command: its words, then where it leads or what it says, then what it records. */
export function commandText(command: DiagramCommand): string {
  const where = command.to ?? command.text
  return [command.label.words, ...(where ? [`→ ${where}`] : []), ...command.label.marks.map((m) => m.text)].join(' ')
}

export function labelText(label: Label): string {
  return [label.words, ...label.marks.map((m) => m.text)].filter(Boolean).join(' ')
}
