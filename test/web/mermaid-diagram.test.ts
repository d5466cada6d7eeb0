/**
 * The Mermaid diagrams of `npm run flow:diagram` as a reader sees them: each drawn by the real
 * `mermaid` library in the npm Chromium, then measured. In GitHub's 880-px column a wider picture
 * is shrunk to fit, so its text must still be 11 px or more there; no two labels may lie over each
 * other or over a box; the steps drawn elsewhere have the dashed border the legend promises; and
 * the Spanish diagrams name purposes and channels in Spanish.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DiagramTexts, diagramCaptions, diagramMarkdown, flowGraph } from '../../src/app/diagram/index.js'
import { CHANNEL_INTENT } from '../../src/domain/flow.js'
import type { Language } from '../../src/domain/language.js'
import { type BusinessFiles, loadBusinessFiles } from '../../src/main/bot.js'
import { ROOT } from '../support/chat.js'
import { launchChromium } from './chromium.js'
import { mermaidPage, overlap, type RenderedMermaid, renderMermaid } from './mermaid-render.js'

const COLUMN = 880
const MIN_FONT = 11

let files: BusinessFiles
let browser: Browser
let page: Page
const drawn = new Map<Language, { heading: string; code: string; rendered: RenderedMermaid }[]>()

/** The Markdown file as `npm run flow:diagram` writes it, and its diagrams. */
function diagramsOf(language: Language): { heading: string; code: string }[] {
  const { business, texts, locales } = files
  const lookup: DiagramTexts = {
    language,
    text: (key) => texts.render(language, key, { business: business.policy.controller.name }),
    words: (intent) =>
      intent === CHANNEL_INTENT
        ? business.policy.channels.map((c) => texts.render(language, `channels.${c.channel}`))
        : (locales.answers[language].words[intent] ?? []),
    captions: diagramCaptions(texts, language),
  }
  const markdown = diagramMarkdown(flowGraph(business.flow, lookup))
  return [...markdown.matchAll(/^## (.+)\n\n```mermaid\n([\s\S]*?)```$/gm)].map((m) => ({ heading: m[1]!, code: m[2]! }))
}

beforeAll(async () => {
  files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
  browser = await launchChromium()
  page = await mermaidPage(browser)
  for (const language of ['es', 'en'] as const) {
    const parts = []
    for (const part of diagramsOf(language)) parts.push({ ...part, rendered: await renderMermaid(page, part.code) })
    drawn.set(language, parts)
  }
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

describe.each(['es', 'en'] as const)('the Mermaid diagrams drawn by Mermaid (%s)', (language) => {
  it('are several, each narrow enough that its text is 11 px or more in an 880-px column', () => {
    const parts = drawn.get(language)!
    expect(parts.length).toBeGreaterThanOrEqual(4)
    for (const { heading, rendered } of parts) {
      const scale = Math.min(1, COLUMN / rendered.width)
      const smallest = Math.min(...rendered.fonts.map((f) => f.size))
      expect(rendered.fonts.length, heading).toBeGreaterThan(0)
      expect(smallest * scale, `"${heading}": ${rendered.width.toFixed(0)} px wide, text ${smallest} px`).toBeGreaterThanOrEqual(MIN_FONT)
    }
  })

  it('lay no label over another label or over a box', () => {
    for (const { heading, rendered } of drawn.get(language)!) {
      const { edgeLabels, nodes } = rendered
      expect(edgeLabels.length + nodes.length, heading).toBeGreaterThan(0)
      for (const [i, a] of edgeLabels.entries()) {
        for (const b of edgeLabels.slice(i + 1)) expect(overlap(a, b), `"${heading}": "${a.text}" over "${b.text}"`).toBe(false)
        for (const b of nodes) expect(overlap(a, b), `"${heading}": "${a.text}" over the box "${b.text}"`).toBe(false)
      }
      for (const [i, a] of nodes.entries())
        for (const b of nodes.slice(i + 1)) expect(overlap(a, b), `"${heading}": box "${a.text}" over "${b.text}"`).toBe(false)
    }
  })

  it('draw a step of another diagram with a dashed border, as the legend says, and no dashed arrow', async () => {
    const menu = drawn.get(language)![1]!
    const dashes = (await page.evaluate(`(async () => {
      const { svg } = await mermaid.render('dashes', ${JSON.stringify(menu.code)})
      document.getElementById('host').innerHTML = svg
      const root = document.querySelector('#host svg')
      const dash = (el) => { const d = getComputedStyle(el).strokeDasharray; return d && d !== 'none' }
      return {
        boxes: [...root.querySelectorAll('g.node')].filter((n) => [...n.querySelectorAll('rect, path')].some(dash)).map((n) => n.textContent.trim()),
        // Mermaid marks each arrow's line with its pattern (it draws a solid one with a dash as long as the line).
        arrows: [...root.querySelectorAll('path.transition, .edgePaths path')].filter((p) => !p.classList.contains('edge-pattern-solid')).length,
      }
    })()`)) as { boxes: string[]; arrows: number }
    expect(dashes.boxes.sort()).toEqual(['askChannel', 'changeWhich', 'confirmErase', 'settled', 'withdrawn'])
    expect(dashes.arrows).toBe(0)
  })
})

describe('the Spanish diagrams as drawn', () => {
  it('name purposes and channels in Spanish, never by their ids', () => {
    const text = drawn
      .get('es')!
      .map((p) => p.rendered.text)
      .join('\n')
    const purposes = JSON.parse(readFileSync(join(ROOT, 'locales/es/messages.json'), 'utf8')).purposes as Record<string, { name: string }>
    for (const [id, { name }] of Object.entries(purposes)) {
      expect(text).toContain(`✓ ${name}`)
      // "marketing" is also a word a Spanish contact writes to choose it: only a mark names a purpose.
      expect(text).not.toMatch(new RegExp(`[✓✗] ${id}\\b`))
    }
    for (const { channel } of files.business.policy.channels) expect(text).not.toMatch(new RegExp(`\\b${channel}\\b`))
    expect(text).toContain('WhatsApp (seguir aquí)')
  })
})
