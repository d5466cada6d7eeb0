/**
 * Reads one locale file (messages.json or answers.json) with every key flattened ("consent.hint")
 * and its line, so a missing or extra text can be pointed at where it belongs.
 */
import { isMap, isScalar, type Node } from 'yaml'
import { OwnerFile, type Problem } from '../owner-file.js'

export interface LoadedFile {
  file: OwnerFile
  /** Flattened key → line. */
  keys: Map<string, number>
  /** The keys that hold a text (not a group of texts). */
  texts: Set<string>
  data: unknown
}

export function readJson(path: string, name: string, problems: Problem[]): LoadedFile | undefined {
  const file = OwnerFile.read(path, name, problems)
  if (!file?.ok) return undefined
  const keys = new Map<string, number>()
  const texts = new Set<string>()
  const isMessages = name.endsWith('messages.json')
  const walk = (node: Node | null, prefix: string, line: number) => {
    for (const entry of file.entries(node, prefix || name, line)) {
      const key = prefix ? `${prefix}.${entry.key}` : entry.key
      keys.set(key, entry.line)
      if (entry.value && isMap(entry.value)) walk(entry.value, key, entry.line)
      else if (isMessages && !(isScalar(entry.value) && typeof entry.value.value === 'string')) {
        file.problem(entry.line, `"${key}" must be a text in quotes, e.g. "${entry.key}": "…"`)
      } else texts.add(key)
    }
  }
  walk(file.doc.contents as Node, '', 1)
  return { file, keys, texts, data: file.doc.toJS() }
}

/** Where a missing key belongs: the line of its nearest existing group ("consent" for "consent.hint"). */
export function groupLine(keys: Map<string, number>, key: string): number {
  for (let group = key; group.includes('.'); ) {
    group = group.slice(0, group.lastIndexOf('.'))
    const line = keys.get(group)
    if (line) return line
  }
  return 1
}
