/**
 * A Mermaid diagram as a reader sees it: drawn by the real `mermaid` library (its browser bundle,
 * from npm) in the Chromium of the page tests, then measured in the page: the picture's own width,
 * the size of every text in it, and where each label and each box lies once drawn.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'

const MERMAID_SOURCE = readFileSync(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'), 'utf8')

export interface Box {
  /** The label's or box's words, for the message of a failing check. */
  text: string
  x: number
  y: number
  width: number
  height: number
}

export interface RenderedMermaid {
  /** The width Mermaid gives the picture (its viewBox): drawn at that size unless a column is narrower. */
  width: number
  height: number
  /** Every visible text's font size in px as Mermaid draws it, with its words. */
  fonts: { text: string; size: number }[]
  /** The arrows' labels (those with words), in the picture's pixels. */
  edgeLabels: Box[]
  /** The states' boxes and notes, in the picture's pixels. */
  nodes: Box[]
  /** Everything the picture shows as text (not its style sheet), in the order drawn. */
  text: string
}

// Run inside the page, written as text: the project's TypeScript knows Node, not the DOM.
const RENDER = `async (code) => {
  const host = document.getElementById('host')
  const { svg } = await mermaid.render('diagram' + Math.random().toString(36).slice(2), code)
  host.innerHTML = svg
  const root = host.querySelector('svg')
  const view = root.viewBox.baseVal
  // The picture at its own size, so that page pixels are the picture's pixels.
  root.style.maxWidth = 'none'
  root.setAttribute('width', String(view.width))
  root.setAttribute('height', String(view.height))
  const origin = root.getBoundingClientRect()
  const box = (el) => {
    const r = el.getBoundingClientRect()
    return { text: (el.textContent || '').replace(/\\s+/g, ' ').trim(), x: r.x - origin.x, y: r.y - origin.y, width: r.width, height: r.height }
  }
  const fonts = []
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement
    const words = node.textContent.trim()
    if (!words || el.closest('style')) continue
    const style = getComputedStyle(el)
    if (style.display === 'none' || style.visibility === 'hidden') continue
    fonts.push({ text: words, size: parseFloat(style.fontSize) })
  }
  const labelled = (el) => (el.textContent || '').trim() !== ''
  return {
    width: view.width,
    height: view.height,
    fonts,
    edgeLabels: [...root.querySelectorAll('g.edgeLabel')].filter(labelled).map((el) => {
      // The label's drawn text, not the group around it (which may be wider than its words).
      const inner = el.querySelector('.label') || el
      return box(inner)
    }),
    nodes: [...root.querySelectorAll('g.node, g.note, g.statediagram-note')].map(box),
    text: fonts.map((f) => f.text).join('\\n'),
  }
}`

/** A page that has the Mermaid library loaded, ready to draw. */
export async function mermaidPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body><div id="host"></div></body></html>')
  await page.addScriptTag({ content: MERMAID_SOURCE })
  await page.evaluate('mermaid.initialize({ startOnLoad: false })')
  return page
}

/** `code` drawn by Mermaid in `page` (from `mermaidPage`) and measured; throws what Mermaid says if it cannot. */
export async function renderMermaid(page: Page, code: string): Promise<RenderedMermaid> {
  return (await page.evaluate(`(${RENDER})(${JSON.stringify(code)})`)) as RenderedMermaid
}

/** Whether two boxes share more than `slack` px in both directions. */
export function overlap(a: Box, b: Box, slack = 1): boolean {
  return a.x + a.width - slack > b.x && b.x + b.width - slack > a.x && a.y + a.height - slack > b.y && b.y + b.height - slack > a.y
}
