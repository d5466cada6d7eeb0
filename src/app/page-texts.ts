/**
 * The words of a page in one language, from `locales/<lang>/pages.json` (see
 * src/ports/page-texts.ts for every key and its `{{variables}}`). The page escapes them, like
 * every other text it shows.
 */
import type { Language } from '../domain/language.js'
import { PAGES_NAMESPACE, type PageTextKey, type PageTextVars } from '../ports/page-texts.js'
import type { Texts } from '../ports/texts.js'

export type PageText = <K extends PageTextKey>(
  key: K,
  ...vars: PageTextVars<K> extends Record<string, never> ? [] : [PageTextVars<K>]
) => string

/** The page texts of `language`, read through the Texts port. */
export function pageTexts(texts: Texts, language: Language): PageText {
  return (key, ...vars) => texts.render(language, `${PAGES_NAMESPACE}:${key}`, vars[0])
}
