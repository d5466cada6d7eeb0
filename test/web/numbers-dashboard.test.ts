/**
 * The dashboard with several numbers in one PostgreSQL database (issue 16): it says which number
 * it shows and links to the others, shows another number's counts (read through its own reader),
 * all numbers in one table, a 404 for a number the database does not hold, and no picker on files.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { StoreConfig } from '../../src/app/config.js'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { Chat, ES, MX, RecordingProvider, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { postgresPerFile } from '../support/postgres.js'
import { launchChromium } from './chromium.js'
import { ADMIN_TOKEN } from './support.js'

const postgres = postgresPerFile()

const bots: RunningBot[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.close().catch(() => {})
  for (const dir of dirs.splice(0)) removeDir(dir)
})

/** A bot on `storage` (files when absent), with the web server when asked. */
async function openBot(storage: StoreConfig | undefined, http = false) {
  const dataDir = tempDir()
  dirs.push(dataDir)
  const provider = new RecordingProvider()
  const bot = await startBot({
    flowsDir: join(ROOT, 'flows'),
    localesDir: join(ROOT, 'locales'),
    dataDir,
    defaultLanguage: 'es',
    provider,
    ...(storage ? { storage } : {}),
    ...(http ? { http: { port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN } } : {}),
  })
  bots.push(bot)
  return { bot, chat: (from: string) => new Chat(bot, provider, from, 'Ana') }
}

const cell = (page: string, id: string) => new RegExp(`id="${id}">(\\d+)<`).exec(page)?.[1]

describe('the dashboard on a database of several numbers', () => {
  it('names the number it shows, shows another one, all of them, and refuses one it does not hold', { timeout: 60_000 }, async () => {
    const url = await postgres.database()
    // tienda-centro serves the dashboard: one contact, who agrees to the service.
    const centro = await openBot({ kind: 'postgres', url, number: 'tienda-centro' }, true)
    const ana = centro.chat(MX)
    await ana.say('hola')
    await ana.say('sí')
    // tienda-norte, a bot of its own: two contacts, one who agrees to the service.
    const norte = await openBot({ kind: 'postgres', url, number: 'tienda-norte' })
    await norte.chat(ES).say('hola')
    const us = norte.chat(US)
    await us.say('hi')
    await us.say('yes')
    await centro.bot.settled()
    await norte.bot.settled()

    const web = centro.bot.web!.url
    const get = (query: string) => fetch(`${web}/admin?token=${ADMIN_TOKEN}${query}`)

    // Its own dashboard: which number, a link to the other and to all, and its own counts and buttons' note absent.
    const own = await (await get('')).text()
    expect(own).toMatch(/id="numbers"[^>]*data-shown="tienda-centro"/)
    expect(own).toMatch(/<strong aria-current="page" data-number="tienda-centro">tienda-centro \(este bot\)<\/strong>/)
    expect(own).toContain(`href="/admin?number=tienda-norte&amp;lang=es&amp;token=${ADMIN_TOKEN}" data-number="tienda-norte"`)
    expect(own).toContain(`href="/admin?number=*&amp;lang=es&amp;token=${ADMIN_TOKEN}" data-number="*">Todos los números`)
    expect(own).not.toContain('id="numbers-elsewhere"')
    expect(cell(own, 'total-contacts')).toBe('1')

    // The other number: its own counts, its links keep it, and no staff buttons (a note says where they are).
    const other = await get('&number=tienda-norte')
    expect(other.status).toBe(200)
    const otherPage = await other.text()
    expect(otherPage).toMatch(/data-shown="tienda-norte"/)
    expect(cell(otherPage, 'total-contacts')).toBe('2')
    expect(cell(otherPage, 'total-records')).toBe('1')
    expect(otherPage).toContain('id="numbers-elsewhere"')
    expect(otherPage).not.toContain('<form')
    expect(otherPage).toContain(`href="/admin/export.csv?number=tienda-norte&amp;what=contacts&amp;token=${ADMIN_TOKEN}"`)
    expect(otherPage).toContain(`href="/admin?number=tienda-norte&amp;lang=en&amp;token=${ADMIN_TOKEN}"`)
    const csv = await (await fetch(`${web}/admin/export.csv?number=tienda-norte&what=contacts&token=${ADMIN_TOKEN}`)).text()
    expect(csv.trim().split('\n')).toHaveLength(3)

    // All numbers: a row each, with its counts and a link to its dashboard.
    const all = await get('&number=*')
    expect(all.status).toBe(200)
    const allPage = await all.text()
    const row = (number: string) => new RegExp(`<tr data-number="${number}">.*</tr>`).exec(allPage)?.[0] ?? ''
    const count = (number: string, what: string) => new RegExp(`data-${what}">(\\d+)<`).exec(row(number))?.[1]
    expect(count('tienda-centro', 'count="contacts')).toBe('1')
    expect(count('tienda-centro', 'count="records')).toBe('1')
    expect(count('tienda-centro', 'given="service')).toBe('1')
    expect(count('tienda-norte', 'count="contacts')).toBe('2')
    expect(count('tienda-norte', 'given="service')).toBe('1')
    expect(count('tienda-norte', 'count="waiting')).toBe('0')
    expect(row('tienda-norte')).toContain(`href="/admin?number=tienda-norte&amp;lang=es&amp;token=${ADMIN_TOKEN}"`)
    expect(allPage).toContain('Todos los números de Tienda Ejemplo')

    // A number the database does not hold: 404, and nothing of any number.
    for (const query of ['&number=tienda-sur', '&number=tienda-norte%20']) {
      const unknown = await get(query)
      expect(unknown.status).toBe(404)
      const body = await unknown.text()
      expect(body).toMatch(/No number by that name/)
      expect(body).not.toMatch(/tienda-centro|tienda-norte|Tienda Ejemplo/)
    }
    expect((await fetch(`${web}/admin/export.json?number=tienda-sur&token=${ADMIN_TOKEN}`)).status).toBe(404)
  })

  it('shows no picker on the files store, whatever the query asks', async () => {
    const files = await openBot(undefined, true)
    await files.chat(MX).say('hola')
    for (const query of ['', '&number=*', '&number=tienda-norte']) {
      const response = await fetch(`${files.bot.web!.url}/admin?token=${ADMIN_TOKEN}${query}`)
      expect(response.status).toBe(200)
      const page = await response.text()
      expect(page).not.toContain('id="numbers"')
      expect(cell(page, 'total-contacts')).toBe('1')
    }
  })
})

describe('the numbers in Chromium', () => {
  it('axe-core finds no violation on the picker, on another number and on all numbers, on a computer and a phone', {
    timeout: 90_000,
  }, async () => {
    const url = await postgres.database()
    const centro = await openBot({ kind: 'postgres', url, number: 'tienda-centro' }, true)
    await centro.chat(MX).say('hola')
    const norte = await openBot({ kind: 'postgres', url, number: 'tienda-norte' })
    await norte.chat(ES).say('hola')
    await norte.bot.settled()
    const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
    const browser = await launchChromium()
    try {
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 390, height: 844 },
      ]) {
        for (const query of ['', '&number=tienda-norte', '&number=*']) {
          // axe is the test's own script: the page's policy forbids every script, so it is let through.
          const page = await browser.newPage({ viewport, colorScheme: 'light', bypassCSP: true })
          await page.goto(`${centro.bot.web!.url}/admin?token=${ADMIN_TOKEN}${query}`)
          expect(await page.locator('#numbers').count()).toBe(1)
          await page.addScriptTag({ content: AXE_SOURCE })
          const violations = (await page.evaluate(
            `axe.run(document).then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`,
          )) as string[]
          expect([query, viewport.width, violations]).toEqual([query, viewport.width, []])
          expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width)
          await page.close()
        }
      }
    } finally {
      await browser.close()
    }
  })
})
