/**
 * The project's own English page texts (locales/en/pages.json, checked with the others at start),
 * for a page drawn without the bot's Texts: the dashboard, until the web server hands it the
 * Texts it holds. Then this file can go.
 */
import english from '../../../locales/en/pages.json' with { type: 'json' }
import type { PageText } from '../page-texts.js'

type Tree = { [key: string]: string | Tree }

export const bundledEnglishPageTexts: PageText = (key, ...vars) => {
  const found = key
    .split('.')
    .reduce<string | Tree | undefined>((node, part) => (typeof node === 'object' ? node[part] : undefined), english)
  const values: Record<string, string | number> = vars[0] ?? {}
  return typeof found === 'string' ? found.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name: string) => String(values[name] ?? all)) : key
}
