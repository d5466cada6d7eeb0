/**
 * Reads `locales/<lang>/pages.json`: the words of the pages and pictures (privacy page, dashboard,
 * flow diagram), which the bot never sends in the chat. Checked like messages.json: every text the
 * pages use is in every language, no other key is there, and a text uses only the `{{variables}}`
 * it is given. Problems are `file:line: what is wrong, and how to mend it`.
 */
import { join } from 'node:path'
import { isMap, isScalar, type Node } from 'yaml'
import { LANGUAGES, type Language } from '../domain/language.js'
import { PAGE_TEXT_PLACES, PAGE_TEXTS } from '../ports/page-texts.js'
import { groupLine } from './locale-files/locale-json.js'
import { nearest, OwnerFile, type Problem } from './owner-file.js'

export type PageTextsFile = { [key: string]: string | PageTextsFile }

const FILE = 'pages.json'
const KNOWN = new Map<string, readonly string[]>(Object.entries(PAGE_TEXTS))

/** Every language's pages.json, or undefined (with the reasons in `problems`) when one cannot be used. */
export function readPages(localesDir: string, shownDir: string, problems: Problem[]): Record<Language, PageTextsFile> | undefined {
  const before = problems.length
  const pages = {} as Record<Language, PageTextsFile>
  for (const language of LANGUAGES) {
    const file = OwnerFile.read(join(localesDir, language, FILE), `${shownDir}/${language}/${FILE}`, problems)
    if (file?.ok) pages[language] = checkPages(file)
  }
  return problems.length > before ? undefined : pages
}

function checkPages(file: OwnerFile): PageTextsFile {
  const keys = new Map<string, number>()
  const walk = (node: Node | null, prefix: string, line: number) => {
    for (const entry of file.entries(node, prefix || FILE, line)) {
      const key = prefix ? `${prefix}.${entry.key}` : entry.key
      keys.set(key, entry.line)
      if (entry.value && isMap(entry.value)) {
        if (KNOWN.has(key)) file.problem(entry.line, `"${key}" must be one text in quotes, e.g. "${entry.key}": "…", not a group of texts`)
        else walk(entry.value, key, entry.line)
        continue
      }
      const known = KNOWN.get(key)
      if (!known) {
        const hint = nearest(key, [...KNOWN.keys()])
        file.problem(
          entry.line,
          `"${key}" is not a text of the pages${hint ? ` (did you mean "${hint}"?)` : ''}; rename it to one they show, or remove it`,
        )
      } else if (!(isScalar(entry.value) && typeof entry.value.value === 'string')) {
        file.problem(entry.line, `"${key}" must be a text in quotes, e.g. "${entry.key}": "…"`)
      } else if (key === DATE_LOCALE && !isLanguageTag(entry.value.value)) {
        file.problem(
          entry.line,
          `"${key}" must be a language tag that dates are written in, e.g. "en-GB" or "es", not "${entry.value.value}"`,
        )
      } else {
        for (const name of variablesOf(entry.value.value)) {
          if (known.includes(name)) continue
          file.problem(
            entry.line,
            `"${key}" uses {{${name}}}, which this text is not given; ${known.length ? `it can use ${known.map((v) => `{{${v}}}`).join(', ')}` : 'it uses no variables'}`,
          )
        }
      }
    }
  }
  walk(file.doc.contents as Node, '', 1)
  for (const key of KNOWN.keys()) {
    if (keys.has(key)) continue
    const place = PAGE_TEXT_PLACES[key.split('.')[0]!] ?? 'shown on a page'
    file.problem(groupLine(keys, key), `missing text "${key}" (${place}); add it`)
  }
  return file.doc.toJS() as PageTextsFile
}

/** The key whose text is not words but the language tag dates are written in. */
const DATE_LOCALE = 'privacy.dateLocale'

function isLanguageTag(tag: string): boolean {
  try {
    // What the privacy page does with it: a tag it cannot read would fail the page.
    new Intl.DateTimeFormat(tag)
    return true
  } catch {
    return false
  }
}

function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]!))]
}
