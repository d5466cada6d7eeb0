/**
 * The pages as a person sees them, in headless Chromium (the one npm brings, see chromium.ts):
 * the public notice in both languages, the link the bot sends to it, and the owner's dashboard
 * with the numbers of a scripted set of conversations. One browser for the whole file.
 */
import { parse } from 'csv-parse/sync'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadBusinessFiles } from '../../src/main/bot.js'
import type { Texts } from '../../src/ports/texts.js'
import { MX, removeDir, ROOT } from '../support/chat.js'
import { launchPersistentChromium } from './chromium.js'
import { ADMIN_TOKEN, flowsWithoutNoticeUrl, freePort, openWebBot, runScriptedConversations, type WebBot } from './support.js'

let browser: BrowserContext
let userDataDir: string
let web: WebBot
let texts: Texts
/** Every request any page made, to check that none left this computer. */
const requested: string[] = []

beforeAll(async () => {
  ;({ texts } = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT))
  web = await openWebBot({ adminToken: ADMIN_TOKEN })
  await runScriptedConversations(web)
  userDataDir = mkdtempSync(join(tmpdir(), 'consent-bot-chromium-'))
  browser = await launchPersistentChromium(userDataDir, {
    acceptDownloads: true,
    // The phone of a contact in Mexico: the page speaks the browser's language unless asked otherwise.
    locale: 'es-MX',
  })
  browser.on('request', (request) => requested.push(request.url()))
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await web?.close()
  if (userDataDir) removeDir(userDataDir)
})

async function open(url: string): Promise<{ page: Page; status: number | undefined }> {
  const page = await browser.newPage()
  const response = await page.goto(url)
  return { page, status: response?.status() }
}

describe('the public privacy notice', () => {
  it("shows the business, its purposes and the policy version in the browser's Spanish, and in English after the language link", async () => {
    const { page, status } = await open(`${web.url}/privacy`)
    expect(status).toBe(200)
    expect(await page.getAttribute('html', 'lang')).toBe('es')
    expect(await page.textContent('h1')).toBe('Tienda Ejemplo')
    expect(await page.textContent('#policy-version')).toContain('2026-11-01')
    const notice = await page.textContent('#notice')
    expect(notice).toContain(texts.render('es', 'purposes.service.name'))
    expect(notice).toContain(texts.render('es', 'purposes.marketing.name'))
    expect(notice).toContain('privacidad@tienda.example')
    // WhatsApp's *bold* is bold on the page, not asterisks.
    expect(notice).not.toContain('*')
    expect(await page.locator('#notice strong').count()).toBeGreaterThan(0)
    expect(await page.textContent('#channels')).toContain('Telegram')

    await page.getByRole('link', { name: 'English' }).click()
    await page.waitForURL(/\/privacy\?lang=en$/)
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.textContent('h1')).toBe('Tienda Ejemplo')
    expect(await page.textContent('#policy-version')).toMatch(/Version 2026-11-01 · in effect since 1 November 2026/)
    expect(await page.textContent('#notice')).toContain(texts.render('en', 'purposes.marketing.name'))
    expect(await page.getByRole('link', { name: 'Español' }).count()).toBe(1)
    await page.close()
  })

  it('is where the bot sends a contact who writes INFO, once the public address is set', async () => {
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    const flowsDir = flowsWithoutNoticeUrl()
    const linked = await openWebBot({ port, publicUrl, flowsDir })
    try {
      const chat = linked.chat(MX)
      await chat.say('hola')
      const replies = await chat.say('info')
      const link = replies.join('\n').match(/https?:\/\/\S+/)?.[0]
      expect(link).toBe(`${publicUrl}/privacy`)

      const { page, status } = await open(link!)
      expect(status).toBe(200)
      expect(await page.textContent('h1')).toBe('Tienda Ejemplo')
      expect(await page.textContent('#notice')).toContain(texts.render('es', 'purposes.service.name'))
      await page.close()
    } finally {
      await linked.close()
      removeDir(join(flowsDir, '..'))
    }
  })
})

describe('the dashboard', () => {
  it('refuses a missing or a wrong token and shows nothing', async () => {
    for (const url of [
      `${web.url}/admin`,
      `${web.url}/admin?token=wrong-token-of-some-length`,
      `${web.url}/admin/export.csv?what=ledger`,
    ]) {
      const { page, status } = await open(url)
      expect(status).toBe(401)
      const body = (await page.textContent('body')) ?? ''
      expect(body).toMatch(/Unauthorized/)
      expect(body).not.toMatch(/Tienda|\d{6,}|given|ana@example/)
      await page.close()
    }
  })

  it("draws the scripted conversations with the right numbers, in the owner's Spanish with the owner's names", async () => {
    const { page, status } = await open(`${web.url}/admin?token=${ADMIN_TOKEN}`)
    expect(status).toBe(200)
    expect(await page.getAttribute('html', 'lang')).toBe('es')
    const titles = (chart: string) => page.locator(`svg#${chart} title`).allTextContents()
    const es = (key: string) => texts.render('es', key)
    const service = es('purposes.service.name')
    const marketing = es('purposes.marketing.name')

    expect(await page.textContent('#total-contacts')).toBe('5')
    expect(await page.textContent('#total-records')).toBe('7')
    expect(await titles('chart-days')).toEqual([
      '2026-11-20: 3 dado',
      '2026-11-20: 1 negado',
      '2026-11-21: 1 dado',
      '2026-11-21: 1 negado',
      '2026-11-21: 2 retirado',
    ])
    expect(await titles('chart-purposes')).toEqual([
      `${service}: 2 dado`,
      `${service}: 1 negado`,
      `${service}: 1 retirado`,
      `${service}: 1 sin respuesta`,
      `${marketing}: 1 negado`,
      `${marketing}: 1 retirado`,
      `${marketing}: 1 sin respuesta`,
    ])
    expect(await titles('chart-channels')).toEqual([
      'Telegram: 1 enlace enviado',
      `${es('channels.email')}: 1 dirección confirmada`,
      'sin elegir todavía: 3 contactos',
    ])
    // Steps by their question's first sentence (the chart shortens it; the table has it whole).
    expect(await page.locator('#table-steps td:first-child').allTextContents()).toEqual([
      `¿Aceptas que usemos tus datos para ${service}?`,
      `¿Y aceptas que usemos tus datos para ${marketing}?`,
      '¿Por dónde prefieres que hablemos?',
      texts.render('es', 'pages:diagram.channelStep'),
    ])
    expect(await page.locator('#table-steps td.n').allTextContents()).toEqual(['1', '1', '1', '0'])

    // The same numbers as text, for a reader without the charts.
    expect(await page.locator('#table-purposes tr[data-purpose="service"] td').allTextContents()).toEqual([
      service,
      '2',
      '1',
      '1',
      '0',
      '1',
      '0',
    ])
    expect(await page.locator('#table-channels tr[data-channel="none"] td.n').allTextContents()).toEqual(['3', '60%'])
    // No id of the owner's files is shown: they stay in data attributes.
    const shown = (await page.textContent('main')) ?? ''
    for (const id of ['service', 'marketing', 'askService', 'askMarketing', 'askChannel', 'channelDetails', 'email', 'call', 'telegram'])
      expect(shown).not.toMatch(new RegExp(`\\b${id}\\b`))
    // A longer bar for more contacts: the chart is drawn to scale.
    const width = async (title: string) =>
      (await page.locator(`svg#chart-purposes rect:has(title:text-is("${title}"))`).boundingBox())!.width
    expect(await width(`${service}: 2 dado`)).toBeCloseTo(2 * (await width(`${marketing}: 1 negado`)), 0)
    await page.close()
  })

  it('puts first, per purpose, figures that add up to the contacts asked, no larger than the ledger count', async () => {
    const { page } = await open(`${web.url}/admin?token=${ADMIN_TOKEN}`)
    const cells = async (table: string, purpose: string) =>
      (await page.locator(`#${table} tr[data-purpose="${purpose}"] td.n`).allTextContents()).map(Number)
    // Given, refused, withdrawn or lapsed, not answered; asked.
    expect(await cells('headline', 'service')).toEqual([2, 1, 1, 1, 5])
    expect(await cells('headline', 'marketing')).toEqual([0, 1, 1, 1, 3])
    for (const purpose of ['service', 'marketing']) {
      const [given, refused, gone, unanswered, asked] = await cells('headline', purpose)
      expect(given! + refused! + gone! + unanswered!).toBe(asked)
      // With those not asked yet, every contact once.
      expect(asked! + (await cells('table-purposes', purpose)).at(-1)!).toBe(5)
    }
    expect(await page.locator('#headline').textContent()).not.toMatch(/\/|%/)
    // The page's code is written as text: the project's TypeScript knows Node, not the DOM.
    const size = async (selector: string) =>
      Number.parseFloat((await page.evaluate(`getComputedStyle(document.querySelector('${selector}')).fontSize`)) as string)
    expect(await size('#headline td.n')).toBeLessThanOrEqual(await size('#total-records'))
    // The headline comes before the charts.
    const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y
    expect(await top('#headline')).toBeLessThan(await top('#chart-days'))
    await page.close()
  })

  it('speaks English after ?lang=en, keeps the token in its language links, and goes back to Spanish', async () => {
    const { page } = await open(`${web.url}/admin?token=${ADMIN_TOKEN}`)
    await page.getByRole('link', { name: 'English' }).click()
    await page.waitForURL(/\/admin\?lang=en&token=/)
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.textContent('h1')).toBe('Tienda Ejemplo: consent dashboard')
    expect(await page.locator('#table-purposes tr[data-purpose="marketing"] td').first().textContent()).toBe(
      texts.render('en', 'purposes.marketing.name'),
    )
    expect(await page.locator('svg#chart-channels title').allTextContents()).toEqual([
      'Telegram: 1 link sent',
      'Email: 1 address confirmed',
      'not chosen yet: 3 contacts',
    ])
    expect(await page.locator('#table-steps tr[data-step="askChannel"] td').first().textContent()).toBe('Where would you rather talk?')
    await page.getByRole('link', { name: 'Español' }).click()
    await page.waitForURL(/\/admin\?lang=es&token=/)
    expect(await page.getAttribute('html', 'lang')).toBe('es')
    await page.close()
  })

  it('shows, per channel, who chose it and how many got its link or confirmed their address', async () => {
    const owner = await openWebBot({ adminToken: ADMIN_TOKEN })
    try {
      await runScriptedConversations(owner)
      // One more stays on WhatsApp, one gets LINE's link, one chooses email and has not written the address yet.
      for (const [from, answers] of [
        ['5215500000001', ['hola', 'sí', 'no', 'whatsapp']],
        ['5215500000002', ['hola', 'sí', 'sí', 'line']],
        ['5215500000003', ['hola', 'no', 'email']],
      ] as const)
        for (const text of answers) await owner.chat(from).say(text)
      const { page } = await open(`${owner.url}/admin?token=${ADMIN_TOKEN}&lang=en`)
      const row = async (channel: string) => page.locator(`#table-channels tr[data-channel="${channel}"] td`).allTextContents()
      // Channel, chose it, share, link sent, address confirmed, not finished.
      expect(await row('whatsapp')).toEqual(['WhatsApp (stay here)', '1', '13%', '–', '–', '0'])
      expect(await row('telegram')).toEqual(['Telegram', '1', '13%', '1', '0', '0'])
      expect(await row('line')).toEqual(['LINE', '1', '13%', '1', '0', '0'])
      expect(await row('email')).toEqual(['Email', '2', '25%', '0', '1', '1'])
      expect(await row('none')).toEqual(['not chosen yet', '3', '38%', '', '', ''])
      expect(await page.locator('svg#chart-channels title').allTextContents()).toEqual([
        'WhatsApp (stay here): 1 stay on WhatsApp',
        'Telegram: 1 link sent',
        'LINE: 1 link sent',
        'Email: 1 address confirmed',
        'Email: 1 not finished',
        'not chosen yet: 3 contacts',
      ])
      // The one choosing email waits at the channel step.
      expect(await page.locator('#table-steps tr[data-step="channelDetails"] td.n').textContent()).toBe('1')
      await page.close()
    } finally {
      await owner.close()
    }
  })

  it('downloads the ledger as a CSV file a spreadsheet opens', async () => {
    const { page } = await open(`${web.url}/admin?token=${ADMIN_TOKEN}`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-ledger')])
    expect(download.suggestedFilename()).toMatch(/^consent-ledger-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv.startsWith('\uFEFF')).toBe(true)
    // Read as a CSV import reads it (quoted headers hold commas: "time (local, Europe/Madrid)").
    const rows = parse(csv.slice(1)) as string[][]
    expect(rows[0]!.slice(0, 3)).toEqual(['seq', 'receipt', 'time (UTC)'])
    expect(rows[0]![3]).toMatch(/^time \(local, [^)]+\)$/)
    expect(rows[0]![4]).toMatch(/^day \(local, [^)]+\)$/)
    expect(rows[0]!.slice(5, 9)).toEqual(['event', 'purposes', 'service after', 'marketing after'])
    expect(rows).toHaveLength(1 + 7)
    const withdrawal = rows.at(-1)!
    expect(withdrawal.slice(5, 9)).toEqual(['withdrawn', 'service marketing', 'withdrawn', 'withdrawn'])
    expect(withdrawal.join(',')).toContain(MX)
    await page.close()
  })

  it('made no request outside this computer', () => {
    expect(requested.length).toBeGreaterThan(5)
    for (const url of requested) expect(new URL(url).hostname).toBe('127.0.0.1')
  })
})
