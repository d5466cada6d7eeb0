/**
 * locales/<lang>/pages.json, the words of the pages and pictures: read for every language, checked
 * against what the pages use, each problem a `file:line` with what to do.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createI18nTexts } from '../../src/adapters/i18n-texts.js'
import { readPages } from '../../src/adapters/page-files.js'
import type { Problem } from '../../src/adapters/owner-file.js'
import { PAGE_TEXTS } from '../../src/ports/page-texts.js'
import { removeDir, ROOT, tempDir } from '../support/chat.js'

function problemsOf(edit: (file: string, text: string) => string): string[] {
  const dir = tempDir()
  try {
    cpSync(join(ROOT, 'locales'), dir, { recursive: true })
    for (const language of ['es', 'en']) {
      const file = join(dir, language, 'pages.json')
      writeFileSync(file, edit(`${language}/pages.json`, readFileSync(file, 'utf8')))
    }
    const problems: Problem[] = []
    expect(readPages(dir, 'locales', problems)).toBeUndefined()
    return problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
  } finally {
    removeDir(dir)
  }
}

/** The line of `text` in the real locales/<language>/pages.json (the texts move as pages gain words). */
function lineOf(language: string, text: string): number {
  const lines = readFileSync(join(ROOT, 'locales', language, 'pages.json'), 'utf8').split('\n')
  const at = lines.findIndex((line) => line.includes(text))
  if (at < 0) throw new Error(`${text} is not in locales/${language}/pages.json`)
  return at + 1
}

describe('pages.json', () => {
  it('holds every text the pages use, in both languages, and they read through the Texts port', async () => {
    const problems: Problem[] = []
    const pages = readPages(join(ROOT, 'locales'), 'locales', problems)
    expect(problems).toEqual([])
    const answers = { words: {}, channels: {} }
    const texts = await createI18nTexts({ messages: { es: {}, en: {} }, answers: { es: answers, en: answers }, pages: pages! }, 'es')
    for (const key of Object.keys(PAGE_TEXTS)) {
      expect(texts.render('es', `pages:${key}`)).not.toBe(key)
      expect(texts.render('en', `pages:${key}`)).not.toBe(key)
    }
    expect(texts.render('en', 'pages:dashboard.title', { business: 'Shop' })).toBe('Shop: consent dashboard')
  })

  it('names a missing text, an unknown one, a variable the text is not given and a group in place of a text', () => {
    const problems = problemsOf((file, text) =>
      file === 'es/pages.json'
        ? text
            .replace('"title": "Aviso de privacidad"', '"titel": "Aviso de privacidad"')
            .replace('"{{business}}: panel de consentimientos"', '"{{negocio}}: panel"')
        : text.replace('"json": "Everything (JSON)"', '"json": { "csv": "CSV" }').replace('"dateLocale": "en-GB"', '"dateLocale": "en GB"'),
    )
    expect(problems).toEqual([
      expect.stringMatching(/^locales\/es\/pages\.json:5: "privacy\.titel" is not a text of the pages \(did you mean "privacy\.title"\?\)/),
      expect.stringMatching(
        new RegExp(
          `^locales/es/pages\\.json:${lineOf('es', '"{{business}}: panel de consentimientos"')}: "dashboard\\.title" uses \\{\\{negocio\\}\\}, which this text is not given; it can use \\{\\{business\\}\\}$`,
        ),
      ),
      expect.stringMatching(/^locales\/es\/pages\.json:2: missing text "privacy\.title" \(shown on the privacy page, \/privacy\); add it$/),
      expect.stringMatching(/^locales\/en\/pages\.json:4: "privacy\.dateLocale" must be a language tag/),
      expect.stringMatching(
        new RegExp(
          `^locales/en/pages\\.json:${lineOf('en', '"json": "Everything (JSON)"')}: "dashboard\\.export\\.json" must be one text in quotes`,
        ),
      ),
    ])
  })

  it('must exist', () => {
    const dir = tempDir()
    try {
      const problems: Problem[] = []
      expect(readPages(dir, 'locales', problems)).toBeUndefined()
      expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toContainEqual(
        expect.stringMatching(/^locales\/es\/pages\.json:1: cannot be read \(ENOENT\); it must exist$/),
      )
    } finally {
      removeDir(dir)
    }
  })
})
