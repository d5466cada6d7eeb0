/** Text inside the SVG: labels with coloured marks, wrapped lines, escaping and rounding. */
import { shorten } from './labels.js'
import type { DiagramCommand, Label } from './model.js'

/** An arrow's words, shortened to leave room for its marks, which are never cut. */
export function labelSvg(label: Label, max: number): string {
  const marks = label.marks.map((m) => ` <tspan class="mark ${m.kind}">${escapeXml(m.text)}</tspan>`).join('')
  const room = Math.max(8, max - label.marks.reduce((n, m) => n + [...m.text].length + 1, 0))
  return `${escapeXml(shorten(label.words, room))}${marks}`
}

/** A command's line in the commands box: its words, where it leads or what it says, its marks uncut. */
export function commandSvg(command: DiagramCommand, max: number): string {
  const marks = command.label.marks.map((m) => ` <tspan class="mark ${m.kind}">${escapeXml(m.text)}</tspan>`).join('')
  const room = max - command.label.marks.reduce((n, m) => n + [...m.text].length + 1, 0)
  const words = shorten(command.label.words, Math.min(30, room))
  const where = command.to ?? command.text
  const rest = where ? shorten(` → ${where}`, Math.max(4, room - [...words].length)) : ''
  return `${escapeXml(words)}${escapeXml(rest)}${marks}`
}

/** Up to `lines` lines of at most `width` characters, the last one shortened with "…". */
export function wrap(text: string, width: number, lines: number): string[] {
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

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

export function r(n: number): string {
  return String(Math.round(n * 10) / 10)
}
