/**
 * A file a business owner edits (YAML, or JSON, which is YAML too), read so that every problem
 * found in it can be reported as `file:line: what is wrong, and how to mend it`.
 */
import { readFileSync } from 'node:fs'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml'
import { nearest } from '../domain/names.js'

export { nearest }

export interface Problem {
  file: string
  line: number
  message: string
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.message}`
}

/** Thrown when the owner's files cannot be used; `message` lists every problem, one per line. */
export class OwnerFileError extends Error {
  readonly problems: Problem[]

  constructor(problems: Problem[]) {
    // File by file, top to bottom: the order an owner mends them in.
    const sorted = [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
    super(sorted.map(formatProblem).join('\n'))
    this.problems = sorted
    this.name = 'OwnerFileError'
  }
}

export interface Entry {
  key: string
  line: number
  value: Node | null
}

export class OwnerFile {
  readonly doc: Document
  private readonly lines = new LineCounter()

  constructor(
    /** As shown to the owner, e.g. `flows/consent.yaml`. */
    readonly name: string,
    text: string,
    private readonly problems: Problem[],
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false })
    for (const error of this.doc.errors) {
      const line = error.linePos?.[0]?.line ?? this.lineAt(error.pos[0])
      this.problem(
        line,
        `this is not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'} (${firstLine(error.message)}); check indentation, colons and quotes`,
      )
    }
  }

  static read(path: string, name: string, problems: Problem[]): OwnerFile | undefined {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      problems.push({ file: name, line: 1, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? error}); it must exist` })
      return undefined
    }
    return new OwnerFile(name, text, problems)
  }

  get ok(): boolean {
    return this.doc.errors.length === 0
  }

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line
  }

  lineOf(node: Node | null | undefined, fallback = 1): number {
    return node?.range ? this.lineAt(node.range[0]) : fallback
  }

  problem(line: number, message: string): void {
    this.problems.push({ file: this.name, line, message })
  }

  /** The entries of a mapping, each with the line of its key; a problem if it is not a mapping. */
  entries(node: Node | null | undefined, what: string, line: number): Entry[] {
    if (node == null) return []
    if (!isMap(node)) {
      this.problem(this.lineOf(node, line), `${what} must be a list of "name: value" lines`)
      return []
    }
    return node.items.map((pair: Pair<unknown, unknown>) => ({
      key: String(isScalar(pair.key) ? pair.key.value : pair.key),
      line: this.lineOf(pair.key as Node, line),
      value: (pair.value as Node | null) ?? null,
    }))
  }

  /** A plain text value (numbers and dates are read as the text written). */
  text(node: Node | null | undefined, what: string, line: number): string | undefined {
    if (node == null) return undefined
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      const source = (node as { source?: string }).source
      return String(source ?? node.value).trim()
    }
    this.problem(this.lineOf(node, line), `${what} must be a single value, not a list or a block`)
    return undefined
  }

  /** One text or a list of texts: `say: a.key` and `say: [a.key, b.key]` both work. */
  texts(node: Node | null | undefined, what: string, line: number): string[] {
    if (node == null) return []
    if (isSeq(node)) return node.items.flatMap((item) => this.text(item as Node, what, line) ?? [])
    const one = this.text(node, what, line)
    return one === undefined ? [] : [one]
  }

  /** Reports keys of a mapping that the format does not know, suggesting the nearest known one. */
  onlyKnownKeys(entries: Entry[], known: readonly string[], where: string): void {
    for (const entry of entries) {
      if (known.includes(entry.key)) continue
      const hint = nearest(entry.key, known)
      this.problem(
        entry.line,
        `unknown field "${entry.key}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}; known fields: ${known.join(', ')}`,
      )
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
}
