/**
 * The campaign panel on the owner's dashboard. First as adminPage() draws it from campaigns'
 * figures written out here (every status, every figure, a hostile file name, with and without
 * the form token); then on the running bot: campaigns planned by its own Campaigns and sent by
 * its runner to clients who answer, the dashboard served by its web server, the owner pausing
 * and resuming in the Chromium npm brings, axe-core checking the page on a computer and a phone.
 * The campaign's waits move a fake clock, or hold until the campaign is paused: nothing waits
 * for real time.
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openConsentReader } from '../../src/adapters/lowdb-store.js'
import type { PlanRequest } from '../../src/app/campaign-plan.js'
import { adminPage, type AdminPageInput } from '../../src/app/web/admin-page.js'
import { exportReply } from '../../src/app/web/admin-exports.js'
import type { CampaignProgress } from '../../src/domain/campaign.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { Chat, RecordingProvider, removeDir, ROOT, tempDir } from '../support/chat.js'
import { launchChromium } from './chromium.js'
import { ADMIN_TOKEN } from './support.js'

/** The form token the dashboard's buttons carry: HMAC-SHA256 of the admin token over "csrf:v1". */
const CSRF = createHmac('sha256', ADMIN_TOKEN).update('csrf:v1').digest('hex')

const files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
const EMPTY = { contacts: {}, conversations: {}, ledger: [], notices: {} }

function page(campaigns: CampaignProgress[] | undefined, extra: Partial<AdminPageInput> = {}): string {
  return adminPage({
    data: EMPTY,
    now: new Date('2026-12-03T16:00:00Z'),
    language: 'es',
    token: ADMIN_TOKEN,
    policy: files.business.policy,
    flow: files.business.flow,
    texts: files.texts,
    timeZone: 'America/Mexico_City',
    campaigns,
    ...extra,
  })
}

/** The panel's section ('' when there is none). */
const panel = (html: string) => /<section id="campaigns">.*?<\/section>/s.exec(html)?.[0] ?? ''
/** One campaign's part of the panel, by id. */
const article = (html: string, id: string) => new RegExp(`<article id="campaign-${id}"[^>]*>.*?</article>`, 's').exec(html)?.[0] ?? ''
/** The figures' table: each row's figure, its words and its number. */
const figures = (part: string) =>
  Object.fromEntries(
    [...part.matchAll(/<tr data-figure="(\w+)"><th scope="row">([^<]*)<\/th><td class="n">(\d+)<\/td><\/tr>/g)].map(
      ([, figure, words, n]) => [figure, `${words}: ${n}`],
    ),
  )
/** The campaign's buttons: where each posts, what it says, the words only a screen reader hears. */
const buttons = (part: string) =>
  [
    ...part.matchAll(
      /<form method="post" action="([^"]+)"><input type="hidden" name="csrf" value="([^"]*)"><button type="submit" data-action="(\w+)">([^<]*)<span class="sr"> ([^<]*)<\/span><\/button><\/form>/g,
    ),
  ].map(([, action, csrf, step, label, sr]) => ({ action, csrf, step, label, sr }))

const HOSTILE = '<script>alert(1)</script> $& clientes.csv'
const HOSTILE_SHOWN = '&lt;script&gt;alert(1)&lt;/script&gt; $&amp; clientes.csv'
const META_LIMIT = "Meta's rate limit was reached (130429): wait an hour; then npm run campaign -- --resume 2026-11-28-ab12"

const SENDING: CampaignProgress = {
  id: '2026-12-03-k7qm',
  source: HOSTILE,
  createdAt: '2026-12-03T15:00:00.000Z',
  status: { status: 'running', at: '2026-12-03T15:01:00.000Z' },
  total: 120,
  counts: { planned: 30, sending: 1, sent: 80, skipped: 6, failed: 3 },
  figures: { delivered: 78, read: 60, answered: 41, given: 33, refused: 5, noAnswer: 39 },
  nextAt: '2026-12-03T16:00:30.000Z',
  etaAt: '2026-12-04T18:00:00.000Z',
}
const HALTED: CampaignProgress = {
  id: '2026-11-28-ab12',
  source: 'clientes-noviembre.csv',
  createdAt: '2026-11-28T17:00:00.000Z',
  status: { status: 'paused', at: '2026-11-28T19:00:00.000Z', reason: META_LIMIT },
  total: 40,
  counts: { planned: 25, sending: 0, sent: 15, skipped: 0, failed: 0 },
  figures: { delivered: 15, read: 9, answered: 7, given: 6, refused: 1, noAnswer: 8 },
}
const NEVER_STARTED: CampaignProgress = {
  id: '2026-11-20-zz99',
  source: 'octubre.csv',
  createdAt: '2026-11-20T12:00:00.000Z',
  status: { status: 'paused', at: '2026-11-20T12:00:00.000Z', reason: 'not started' },
  total: 3,
  counts: { planned: 3, sending: 0, sent: 0, skipped: 0, failed: 0 },
  figures: { delivered: 0, read: 0, answered: 0, given: 0, refused: 0, noAnswer: 0 },
}
const DONE: CampaignProgress = {
  id: '2026-11-01-aa11',
  source: 'lista.csv',
  createdAt: '2026-11-01T12:00:00.000Z',
  status: { status: 'done', at: '2026-11-02T12:00:00.000Z' },
  total: 2,
  counts: { planned: 0, sending: 0, sent: 1, skipped: 1, failed: 0 },
  figures: { delivered: 1, read: 1, answered: 1, given: 1, refused: 0, noAnswer: 0 },
}

describe('the campaign panel as the dashboard draws it', () => {
  it('shows, per campaign, the list it came from, when, where it stands, how far it got and every figure, in Spanish', () => {
    const html = page([SENDING, HALTED, DONE], { csrf: CSRF })
    const section = panel(html)
    expect(section).toContain('<h2 id="campaigns-title">Campañas de aviso</h2>')
    // After the chats waiting for a person, before the figures; newest first.
    expect(html.indexOf('<section id="staff">')).toBeLessThan(html.indexOf('<section id="campaigns">'))
    expect(html.indexOf('<section id="campaigns">')).toBeLessThan(html.indexOf('<section id="totals">'))
    expect([...section.matchAll(/<article id="campaign-([\w-]+)"/g)].map((m) => m[1])).toEqual([SENDING.id, HALTED.id, DONE.id])

    const sending = article(html, SENDING.id)
    expect(sending).toContain('data-status="running"')
    expect(sending).toContain(
      '<time datetime="2026-12-03T15:00:00.000Z">Creada el 3 dic, 09:00 GMT-6</time> <span class="muted">(hace 1 hora)</span>',
    )
    expect(sending).toContain(`<code>${SENDING.id}</code>`)
    expect(sending).toContain('<p class="status"><strong>Enviando</strong></p>')
    // Written to, skipped or failed: 89 of 120, the bar and its words.
    expect(sending).toContain(`<label for="campaign-${SENDING.id}-progress">Avance: 89 de 120 clientes</label>`)
    // Where a bar is not drawn, its share in words (Spanish writes a space before %).
    expect(sending).toMatch(new RegExp(`<progress id="campaign-${SENDING.id}-progress" max="120" value="89">74\\s%</progress>`))
    expect(sending).toContain('Próximo mensaje: 3 dic, 10:00 GMT-6</time> <span class="muted">(este minuto)</span>')
    expect(sending).toContain('Último mensaje previsto: 4 dic, 12:00 GMT-6</time> <span class="muted">(dentro de 26 horas)</span>')
    expect(figures(sending)).toEqual({
      sent: 'Enviados: 80',
      delivered: 'Entregados: 78',
      read: 'Leídos: 60',
      answered: 'Respondieron: 41',
      given: 'Dieron su consentimiento: 33',
      refused: 'Lo rechazaron: 5',
      noAnswer: 'Sin respuesta aún: 39',
      // The one being written to this moment is not written to yet.
      planned: 'Falta escribirles: 31',
      skipped: 'Omitidos (pidieron no recibir mensajes, ya habían respondido…): 6',
      failed: 'Fallidos: 3',
    })

    // Stopped by Meta's limit: the runner's own words (English, marked so), with what to do.
    const halted = article(html, HALTED.id)
    expect(halted).toContain(
      '<p class="status"><strong>En pausa</strong>: <span lang="en">Meta&#39;s rate limit was reached (130429): wait an hour; then npm run campaign -- --resume 2026-11-28-ab12</span></p>',
    )
    expect(halted).toContain('<progress id="campaign-2026-11-28-ab12-progress" max="40" value="15">')
    expect(halted).not.toContain('Próximo mensaje')
    expect(article(html, DONE.id)).toContain('<p class="status"><strong>Terminada</strong></p>')
    expect(article(html, DONE.id)).toContain('max="2" value="2"')
  })

  it('never lets a file name become markup, even one a string replacement would read as a pattern', () => {
    const html = page([SENDING], { csrf: CSRF })
    expect(html).not.toContain('<script>')
    const sending = article(html, SENDING.id)
    expect(sending).toContain(`<h3 id="campaign-${SENDING.id}-title">${HOSTILE_SHOWN}</h3>`)
    expect(buttons(sending)[0]!.sr).toBe(`de ${HOSTILE_SHOWN}`)
    // The page is whole: one panel, the figures after it, the style in the head.
    expect(html.match(/<section id="campaigns">/g)).toHaveLength(1)
    expect(html.match(/<section id="totals">/g)).toHaveLength(1)
    expect(/<head>.*#campaigns progress.*<\/head>/s.test(html)).toBe(true)
  })

  it('has a pause button while sending, resume (or start) while paused, none when done; none to resume while another sends', () => {
    const html = page([SENDING, HALTED, DONE], { csrf: CSRF })
    expect(buttons(article(html, SENDING.id))).toEqual([
      {
        action: `/admin/campaigns/${SENDING.id}/pause?lang=es&amp;token=${ADMIN_TOKEN}`,
        csrf: CSRF,
        step: 'pause',
        label: 'Pausar la campaña',
        sr: `de ${HOSTILE_SHOWN}`,
      },
    ])
    // The bot sends one campaign at a time: this one waits, and the panel says what to do.
    expect(buttons(article(html, HALTED.id))).toEqual([])
    expect(article(html, HALTED.id)).toContain('Otra campaña está enviando: páusala primero para reanudar esta.')
    expect(buttons(article(html, DONE.id))).toEqual([])

    const paused = page([HALTED, NEVER_STARTED], { csrf: CSRF })
    expect(buttons(article(paused, HALTED.id)).map((b) => [b.step, b.label, b.action])).toEqual([
      ['resume', 'Reanudar la campaña', `/admin/campaigns/${HALTED.id}/resume?lang=es&amp;token=${ADMIN_TOKEN}`],
    ])
    expect(buttons(article(paused, NEVER_STARTED.id)).map((b) => [b.step, b.label])).toEqual([['resume', 'Iniciar la campaña']])
    expect(article(paused, NEVER_STARTED.id)).toContain('<strong>En pausa</strong>: aún sin iniciar')
    expect(article(paused, HALTED.id)).not.toContain('Otra campaña')
  })

  it('has no button without the form token (a page that cannot post back), nor the note about another campaign', () => {
    const section = panel(page([SENDING, HALTED, DONE]))
    expect(section).toContain('Enviando')
    expect(section).not.toContain('<form')
    expect(section).not.toContain('Otra campaña')
  })

  it('says how to try a first campaign when there is none, and is not there at all without a bot to send them', () => {
    expect(panel(page([]))).toBe(
      '<section id="campaigns">\n<h2 id="campaigns-title">Campañas de aviso</h2>\n<p id="campaigns-empty">Aún no hay campañas. Tras un cambio de tu política, mira primero a quién escribiría una campaña (no se envía nada): <code>npm run campaign -- --contacts clients.csv --dry-run</code></p>\n</section>',
    )
    const without = page(undefined)
    expect(without).not.toContain('id="campaigns"')
    expect(without).not.toContain('#campaigns')
  })

  it("speaks English on the page in English, the owner's words for the pause it was asked for included", () => {
    const paused: CampaignProgress = {
      ...SENDING,
      status: { status: 'paused', at: SENDING.createdAt, reason: 'paused from the dashboard' },
    }
    const html = page([paused], { csrf: CSRF, language: 'en' })
    const part = article(html, SENDING.id)
    expect(panel(html)).toContain('<h2 id="campaigns-title">Notice campaigns</h2>')
    expect(part).toContain('<p class="status"><strong>Paused</strong>: from the dashboard</p>')
    expect(figures(part).noAnswer).toBe('No answer yet: 39')
    expect(buttons(part).map((b) => [b.label, b.sr, b.action])).toEqual([
      ['Resume the campaign', `from ${HOSTILE_SHOWN}`, `/admin/campaigns/${SENDING.id}/resume?lang=en&amp;token=${ADMIN_TOKEN}`],
    ])
  })
})

// ---- On the running bot -----------------------------------------------------------------------

/** Clients on the owner's lists: Mexican mobiles, written to in business hours in Mexico. */
const OCTOBER = ['5215512340021', '5215512340022']
const DECEMBER = ['5215512340031', '5215512340032', '5215512340033', '5215512340034']

function planRequest(source: string, phones: string[]): PlanRequest {
  return {
    source,
    clients: phones.map((phone, i) => ({ phone, line: i + 2, language: 'es' as const })),
    invalid: [],
    doNotContact: [],
    includeKnown: false,
    faster: false,
    dryRun: false,
  }
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const RUN_AXE = `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
  result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')))`

describe('the campaign panel on the running bot, as the owner uses it', () => {
  let bot: RunningBot
  let browser: Browser
  let url: string
  let dataDir: string
  const provider = new RecordingProvider()
  let now = new Date('2026-12-03T16:00:00Z')
  /** While true, the campaign's next wait lasts until it is paused (it stays sending, its next message due). */
  let hold: () => boolean = () => false
  let held: () => void = () => {}
  const holding = () => new Promise<void>((resolve) => (held = resolve))
  const contacted = (phones: string[]) => phones.filter((phone) => provider.sent.some((m) => m.to === phone)).length

  beforeAll(async () => {
    dataDir = tempDir()
    ;[bot, browser] = await Promise.all([
      startBot({
        flowsDir: join(ROOT, 'flows'),
        localesDir: join(ROOT, 'locales'),
        dataDir,
        defaultLanguage: 'es',
        provider,
        clock: () => now,
        http: { port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN },
        random: () => 0.5,
        campaignWait: (ms, signal) => {
          if (!hold()) {
            now = new Date(now.getTime() + ms)
            return Promise.resolve()
          }
          held()
          return new Promise<void>((resolve) => {
            if (signal.aborted) resolve()
            else signal.addEventListener('abort', () => resolve(), { once: true })
          })
        },
      }),
      launchChromium(),
    ])
    url = bot.web!.url

    // October's list: one client written to, then it holds, and the owner pauses it from the dashboard.
    hold = () => contacted(OCTOBER) >= 1
    let waiting = holding()
    const october = await bot.campaigns.plan(planRequest('octubre.csv', OCTOBER))
    await waiting
    await bot.campaigns.pause(october.id!, 'paused from the dashboard')
    // December's: three written to, the fourth due; two answer.
    now = new Date('2026-12-03T17:00:00Z')
    hold = () => contacted(DECEMBER) >= 3
    waiting = holding()
    await bot.campaigns.plan(planRequest(HOSTILE, DECEMBER))
    await waiting
    await new Chat(bot, provider, DECEMBER[0]!, 'Eva').say('sí')
    await new Chat(bot, provider, DECEMBER[1]!, 'Fer').say('no')
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await bot?.close()
    if (dataDir) removeDir(dataDir)
  })

  const open = async (viewport = { width: 1280, height: 900 }): Promise<Page> => {
    // As served: its Content-Security-Policy (form-action 'self', no script) applies to every click.
    const tab = await browser.newPage({ viewport, colorScheme: 'light' })
    await tab.goto(`${url}/admin?token=${ADMIN_TOKEN}`)
    return tab
  }

  it("shows the campaigns the bot sends, with the clients' answers counted, and no button to resume one while another sends", async () => {
    const tab = await open()
    const december = tab.locator('#campaigns article').first()
    await expect(december.locator('h3').textContent()).resolves.toBe(HOSTILE)
    await expect(december.locator('.status').textContent()).resolves.toBe('Enviando')
    await expect(december.locator('progress').getAttribute('value')).resolves.toBe('3')
    await expect(december.locator('progress').getAttribute('max')).resolves.toBe('4')
    const shown = async (figure: string) => december.locator(`tr[data-figure="${figure}"] td`).textContent()
    for (const [figure, n] of Object.entries({
      sent: 3,
      answered: 2,
      given: 1,
      refused: 1,
      noAnswer: 1,
      planned: 1,
      skipped: 0,
      failed: 0,
    }))
      await expect(shown(figure), figure).resolves.toBe(String(n))
    await expect(december.locator('.next').textContent()).resolves.toMatch(/^Próximo mensaje: /)
    await expect(december.locator('.eta').textContent()).resolves.toMatch(/^Último mensaje previsto: /)

    const october = tab.locator('#campaigns article').nth(1)
    await expect(october.locator('h3').textContent()).resolves.toBe('octubre.csv')
    await expect(october.locator('.status').textContent()).resolves.toBe('En pausa: desde el panel')
    await expect(october.getByRole('button').count()).resolves.toBe(0)
    await expect(october.textContent()).resolves.toContain('Otra campaña está enviando')
    await tab.close()
  })

  /** Clicks a campaign's button as the owner does: the form posts, and the answer (303) brings the panel back. */
  const press = async (tab: Page, name: string) => {
    const [response] = await Promise.all([
      tab.waitForResponse((r) => r.request().method() === 'POST'),
      tab.locator('#campaigns').getByRole('button', { name }).click(),
    ])
    expect(response.status(), name).toBe(303)
    await tab.waitForURL(/\/admin\?lang=es&token=.*#campaigns$/)
  }

  it('the owner pauses the campaign sending and resumes it: each click comes back to the panel, which says so', async () => {
    const tab = await open()
    const december = tab.locator('#campaigns article').first()
    await press(tab, `Pausar la campaña de ${HOSTILE}`)
    await expect(december.locator('.status').textContent()).resolves.toBe('En pausa: desde el panel')
    await expect(december.locator('.next').count()).resolves.toBe(0)
    // Nothing sends now: either may be resumed.
    await expect(tab.locator('#campaigns').getByRole('button', { name: 'Reanudar la campaña de octubre.csv' }).count()).resolves.toBe(1)
    const waiting = holding()
    await press(tab, `Reanudar la campaña de ${HOSTILE}`)
    await waiting
    await tab.reload()
    await expect(december.locator('.status').textContent()).resolves.toBe('Enviando')
    // Nobody was written to twice, and the fourth is still due.
    expect(contacted(DECEMBER)).toBe(3)
    await tab.close()
  })

  it('has no serious or critical accessibility violation (axe-core), and does not scroll sideways on a phone', async () => {
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const tab = await browser.newPage({ viewport, colorScheme: 'light', bypassCSP: true })
      await tab.goto(`${url}/admin?token=${ADMIN_TOKEN}`)
      await tab.addScriptTag({ content: AXE_SOURCE })
      expect(await tab.evaluate(RUN_AXE), `${viewport.width} px`).toEqual([])
      expect(await tab.evaluate('document.documentElement.scrollWidth'), `${viewport.width} px`).toBeLessThanOrEqual(viewport.width)
      await tab.close()
    }
  })

  it('exports the same figures, one row per campaign (/admin/export.csv?what=campaigns), read back as a spreadsheet reads CSV', async () => {
    const reply = await exportReply(
      new URL(`${url}/admin/export.csv?what=campaigns&tz=America/Mexico_City`),
      openConsentReader(dataDir),
      files.business.policy,
      now,
      () => bot.campaigns.list(),
    )
    expect(reply.status).toBe(200)
    const [header, ...rows] = parse(reply.body as string, { bom: true }) as string[][]
    const value = (row: string[], title: string) => row[header!.indexOf(title)]
    expect(rows.map((r) => value(r, 'source file'))).toEqual([HOSTILE, 'octubre.csv'])
    expect(
      rows.map((r) => [
        value(r, 'status'),
        value(r, 'sent'),
        value(r, 'answered'),
        value(r, 'given'),
        value(r, 'refused'),
        value(r, 'no answer yet'),
      ]),
    ).toEqual([
      ['running', '3', '2', '1', '1', '1'],
      ['paused', '1', '0', '0', '0', '1'],
    ])
    expect(value(rows[1]!, 'paused because')).toBe('paused from the dashboard')
  })

  it('offers the figures as CSV from the panel', async () => {
    const href = /<a href="([^"]+)" download id="download-campaigns">/.exec(
      await (await fetch(`${url}/admin?token=${ADMIN_TOKEN}`)).text(),
    )![1]!
    const response = await fetch(`${url}${href.replaceAll('&amp;', '&')}`)
    expect(response.status).toBe(200)
  })
})
