/** The Texts port on i18next, fed from the checked locale files. */
import i18next from 'i18next'
import { CONTAINS_PREFIX, FILLER_INTENT, type AnswerWords } from '../domain/intents.js'
import { LANGUAGES, type Language } from '../domain/language.js'
import { PAGES_NAMESPACE } from '../ports/page-texts.js'
import type { Texts } from '../ports/texts.js'
import type { LocaleBundle } from './locale-files/locale-bundle.js'

/**
 * Commands (the flow's words that work at any step) are understood in any language: a contact
 * must be able to stop, ask for their data or switch language whatever we guessed ("english
 * please" from a Spanish number, "MY DATA" from a Mexican one), so their words are pooled.
 */
const DEFAULT_COMMANDS = ['stop', 'help', 'english', 'spanish']

/** Stands for "this text's variables could not be read" in what `variables` returns. */
export const UNKNOWN_VARIABLES = '*'

export async function createI18nTexts(
  bundle: LocaleBundle,
  fallback: Language,
  commands: readonly string[] = DEFAULT_COMMANDS,
): Promise<Texts> {
  const pooledIntents = [...commands, FILLER_INTENT]
  const i18n = i18next.createInstance()
  await i18n.init({
    // The pages' words (pages.json) are a namespace of their own: `pages:<key>`.
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { messages: bundle.messages[l], [PAGES_NAMESPACE]: bundle.pages?.[l] ?? {} }])),
    ns: ['messages', PAGES_NAMESPACE],
    defaultNS: 'messages',
    lng: fallback,
    fallbackLng: false,
    initAsync: false,
    // Texts go to WhatsApp, not to HTML: nothing to escape. A value is never itself a template:
    // a contact's "{{business}}@x.com" or "$t(notice.full)" is read back as typed (i18next's
    // default today, pinned here because a handle typed by a contact is such a value).
    interpolation: { escapeValue: false, skipOnVariables: true },
    returnNull: false,
  })

  const words = new Map<Language, AnswerWords>()
  for (const language of LANGUAGES) {
    const { words: own, channels } = bundle.answers[language]
    const table: Record<string, string[]> = { ...own }
    // Understood in every language; this language's own words first (the /privacy page names the first).
    const ownFirst = [...new Set([language, ...LANGUAGES])]
    for (const intent of pooledIntents) {
      table[intent] = [...new Set(ownFirst.flatMap((l) => bundle.answers[l].words[intent] ?? []))]
    }
    for (const [channel, list] of Object.entries(channels)) table[`channel:${channel}`] = list
    // Contained phrases (opt-outs) are understood in any language, like the commands they mean;
    // their order (which wins when a message holds several) is the one in the contact's language.
    const containIntents = [...new Set([language, ...LANGUAGES].flatMap((l) => Object.keys(bundle.answers[l].contains ?? {})))]
    for (const intent of containIntents) {
      table[`${CONTAINS_PREFIX}${intent}`] = [...new Set(LANGUAGES.flatMap((l) => bundle.answers[l].contains?.[intent] ?? []))]
    }
    words.set(language, table)
  }

  const variables = new Map<string, ReadonlySet<string>>()
  const texts: Texts = {
    render: (language, key, vars = {}) => i18n.t(key, { ...vars, lng: language }),
    has: (language, key) => typeof i18n.getResource(language, 'messages', key) === 'string',
    answerWords: (language) => words.get(language)!,
    variables(language, key) {
      const id = `${language}:${key}`
      let names = variables.get(id)
      if (!names) {
        const text = i18n.getResource(language, 'messages', key)
        // Not one plain text (plural forms, a group): its variables are unknown, say so.
        const own = typeof text === 'string' ? [...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]!) : [UNKNOWN_VARIABLES]
        // A text nested with $t(other.key) uses that text's variables too.
        const nested = typeof text === 'string' ? [...text.matchAll(/\$t\(\s*([\w.]+)/g)].map((m) => m[1]!).filter((k) => k !== key) : []
        variables.set(id, new Set()) // a text that nests itself ends here instead of looping
        names = new Set([...own, ...nested.flatMap((k) => [...texts.variables(language, k)])])
        variables.set(id, names)
      }
      return names
    },
  }
  return texts
}
