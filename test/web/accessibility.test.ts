/**
 * Every page a person opens, checked by axe-core (injected into the page, in the Chromium npm
 * brings) on a computer's screen (1280 px wide) and a phone's (390 px): no serious or critical
 * violation. On the phone, the page must not scroll sideways and no visible text may be smaller
 * than 12 px (an SVG label counts at the size it is drawn, after its picture is scaled).
 * The pages: /privacy in both languages, /admin with the scripted conversations, and the page
 * `npm run flow:diagram` writes, in both languages.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, ROOT } from '../support/chat.js'
import { runScript } from '../support/run-script.js'
import { launchChromium } from './chromium.js'
import { ADMIN_TOKEN, openWebBot, runScriptedConversations, type WebBot } from './support.js'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const PHONE = { width: 390, height: 844 }
const COMPUTER = { width: 1280, height: 900 }

let browser: Browser
let web: WebBot
let diagramDir: string

beforeAll(async () => {
  diagramDir = mkdtempSync(join(tmpdir(), 'consent-bot-diagram-'))
  const draw = (language: string) =>
    runScript(
      'src/main/commands/flow-diagram.ts',
      [
        '--lang',
        language,
        '--out',
        join(diagramDir, `flow-${language}.md`),
        '--flows-dir',
        join(ROOT, 'flows'),
        '--locales-dir',
        join(ROOT, 'locales'),
      ],
      { cwd: diagramDir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' } },
    )
  const [drawn] = await Promise.all([
    Promise.all([draw('es'), draw('en')]),
    (async () => {
      web = await openWebBot({ adminToken: ADMIN_TOKEN })
      await runScriptedConversations(web)
    })(),
    (async () => {
      browser = await launchChromium()
    })(),
  ])
  for (const run of drawn) expect(run, run.stderr).toMatchObject({ code: 0 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await web?.close()
  if (diagramDir) removeDir(diagramDir)
})

// The code run inside the page is written as text: the project's TypeScript knows Node, not the DOM.

/** Opens every <details>: what is folded away is checked too, as a reader opens it. */
const OPEN_DETAILS = `for (const details of document.querySelectorAll('details')) details.open = true`

/** axe-core's violations, each with its rule, impact, what it says and (some of) where. */
const RUN_AXE = `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
  result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    where: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ')),
  })))`

/** The page's width, and each visible text under 12 px as drawn (an SVG label at its size times its picture's scale). */
const PHONE_LAYOUT = `(() => {
  const smallText = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent || '').trim()
    const element = node.parentElement
    if (!text || !element) continue
    const range = document.createRange()
    range.selectNodeContents(node)
    if (![...range.getClientRects()].some((r) => r.width > 0 && r.height > 0)) continue
    const style = getComputedStyle(element)
    if (style.visibility !== 'visible') continue
    let size = Number.parseFloat(style.fontSize)
    if (element instanceof SVGGraphicsElement) {
      const m = element.getScreenCTM()
      if (m) size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c))
    }
    if (size < 11.99) smallText.push('"' + text.slice(0, 40) + '" at ' + size.toFixed(1) + ' px')
  }
  return { scrollWidth: document.documentElement.scrollWidth, smallText }
})()`

async function open(url: string, viewport: { width: number; height: number }): Promise<Page> {
  // The pages' Content-Security-Policy forbids every script: the test's own axe-core is let through.
  const page = await browser.newPage({ viewport, colorScheme: 'light', bypassCSP: true })
  const response = await page.goto(url)
  if (response && !response.ok() && !url.startsWith('file:')) throw new Error(`${url}: HTTP ${response.status()}`)
  await page.evaluate(OPEN_DETAILS)
  return page
}

/** axe-core's serious and critical violations, one line each: rule, impact, what it says, where. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE })
  const violations = (await page.evaluate(RUN_AXE)) as { id: string; impact: string | null; help: string; where: string[] }[]
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.where.join(' | ')}`)
}

/** How the page lies on a phone: its width, and each visible text under 12 px as drawn. */
async function phoneLayout(page: Page): Promise<{ scrollWidth: number; smallText: string[] }> {
  return (await page.evaluate(PHONE_LAYOUT)) as { scrollWidth: number; smallText: string[] }
}

const pages: { name: string; url: () => string }[] = [
  { name: '/privacy in Spanish', url: () => `${web.url}/privacy?lang=es` },
  { name: '/privacy in English', url: () => `${web.url}/privacy?lang=en` },
  { name: '/privacy/<version>, a version as the ledger keeps it', url: () => `${web.url}/privacy/2026-11-01?lang=en` },
  { name: '/admin with the scripted conversations', url: () => `${web.url}/admin?token=${ADMIN_TOKEN}` },
  { name: 'the flow diagram page in Spanish', url: () => pathToFileURL(join(diagramDir, 'flow-es.html')).href },
  { name: 'the flow diagram page in English', url: () => pathToFileURL(join(diagramDir, 'flow-en.html')).href },
]

describe.each(pages)('$name', ({ url }) => {
  it('has no serious or critical accessibility violation (axe-core) at 1280 px wide', async () => {
    const page = await open(url(), COMPUTER)
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  })

  it('has none at 390 px wide either, does not scroll sideways there, and shows no text under 12 px', async () => {
    const page = await open(url(), PHONE)
    expect(await seriousViolations(page)).toEqual([])
    const layout = await phoneLayout(page)
    expect(layout.smallText).toEqual([])
    expect(layout.scrollWidth).toBeLessThanOrEqual(PHONE.width)
    await page.close()
  })
})

describe('the checks themselves', () => {
  it('catch a page with an image without words, text under 12 px, a label shrunk with its picture and a wide table', async () => {
    const page = await browser.newPage({ viewport: PHONE })
    await page.setContent(`<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="font-size: 10px">small print</p>
<svg viewBox="0 0 1000 100" width="100%"><text x="0" y="50" style="font-size: 12px">shrunk label</text></svg>
<table style="width: 800px"><tr><td>wide</td></tr></table>
</main></body></html>`)
    expect((await seriousViolations(page)).map((v) => v.split(' ')[0])).toContain('image-alt')
    const layout = await phoneLayout(page)
    expect(layout.smallText).toEqual([
      expect.stringMatching(/^"small print" at 10\.0 px$/),
      expect.stringMatching(/^"shrunk label" at 4\.\d px$/),
    ])
    expect(layout.scrollWidth).toBeGreaterThan(PHONE.width)
    await page.close()
  })
})
