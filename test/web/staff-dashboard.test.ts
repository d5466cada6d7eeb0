/**
 * Chats handed to a person, on the owner's dashboard: the real engine on a real file store,
 * conversations driven through it (a contact who finishes the questions after writing a question
 * of their own, one who asks for a person, one staff answered from the phone), the web server
 * reading the same folder with its chats steered by that engine; over plain HTTP, then in the
 * Chromium npm brings, as the owner clicks.
 */
import { createHmac } from 'node:crypto'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openConsentReader, openLowdbStore, type LowdbStore } from '../../src/adapters/lowdb-store.js'
import type { ConsentEngine } from '../../src/app/engine.js'
import { createLogger } from '../../src/app/logger.js'
import { startWebServer, type WebServer } from '../../src/app/web/server.js'
import type { HandOver } from '../../src/domain/consent.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { ES, MX, readDatabase, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { testEngine, text } from '../support/engine.js'
import { launchChromium } from './chromium.js'
import { ADMIN_TOKEN } from './support.js'

/** The form token the dashboard's buttons carry: HMAC-SHA256 of the admin token over "csrf:v1". */
const CSRF = createHmac('sha256', ADMIN_TOKEN).update('csrf:v1').digest('hex')
/** What MX wrote first: kept for the staff, since MX then gives consent to the service. */
const MX_FIRST = 'Hola, ¿cuánto cuesta el envío & la entrega <en> Puebla?'
const MX_SHOWN = '+52 55 1234 5678'

interface StaffBot {
  engine: ConsentEngine
  store: LowdbStore
  server: WebServer
  dataDir: string
  url: string
  logLines: string[]
  at(iso: string): void
  now(): Date
  close(): Promise<void>
}

/**
 * A copy of the real locales/ with some of pages.json's `dashboard.staff` texts replaced, as an
 * owner edits them: `{ es: { title: '…' } }`. Removed with the bot's data folder.
 */
function editedLocales(dataDir: string, edits: Partial<Record<'es' | 'en', Record<string, string>>>): string {
  const dir = join(dataDir, 'locales')
  cpSync(join(ROOT, 'locales'), dir, { recursive: true })
  for (const [language, texts] of Object.entries(edits)) {
    const file = join(dir, language, 'pages.json')
    const pages = JSON.parse(readFileSync(file, 'utf8'))
    Object.assign(pages.dashboard.staff, texts)
    writeFileSync(file, JSON.stringify(pages, null, 2))
  }
  return dir
}

async function openStaffBot(options: { steer?: boolean; pages?: Parameters<typeof editedLocales>[1] } = {}): Promise<StaffBot> {
  const dataDir = tempDir('consent-bot-staff-')
  const store = await openLowdbStore(dataDir)
  let now = new Date('2026-11-20T10:00:00Z')
  const clock = () => now
  const logLines: string[] = []
  const { engine } = await testEngine(store, logLines, { clock })
  const localesDir = options.pages ? editedLocales(dataDir, options.pages) : join(ROOT, 'locales')
  const { business, texts } = await loadBusinessFiles(join(ROOT, 'flows'), localesDir, 'es', ROOT)
  const server = await startWebServer(
    {
      reader: openConsentReader(dataDir),
      policy: business.policy,
      flow: business.flow,
      texts,
      defaultLanguage: 'es',
      adminToken: ADMIN_TOKEN,
      logger: createLogger('debug', (line) => logLines.push(line)),
      clock,
      timeZone: 'America/Mexico_City',
      ...(options.steer === false ? {} : { chats: engine }),
    },
    { port: 0, host: '127.0.0.1' },
  )
  return {
    engine,
    store,
    server,
    dataDir,
    url: server.url,
    logLines,
    at: (iso) => (now = new Date(iso)),
    now: clock,
    async close() {
      await server.close()
      await engine.settled()
      await store.close()
      removeDir(dataDir)
    },
  }
}

let ids = 0
const say = (bot: StaffBot, from: string, body: string) => bot.engine.handle(text(from, `test-${++ids}`, body))

/**
 * | contact | when (UTC)        | what happens                                               | left as                                 |
 * | ES      | 11-20 08:00–08:30 | answers the questions; staff write to them from the phone | paused by the phone, handled by staff   |
 * | MX      | 11-20 09:00–09:02 | writes a question first, then yes, no, whatsapp           | waiting (wrote to the team), message    |
 * | US      | 11-20 09:30       | refuses the service, then asks for a person                | waiting (asked), paused, no message     |
 * The page is read at 10:00.
 */
async function handOverChats(bot: StaffBot): Promise<void> {
  bot.at('2026-11-20T08:00:00Z')
  for (const body of ['hola', 'sí', 'no', 'whatsapp']) await say(bot, ES, body)
  bot.at('2026-11-20T08:30:00Z')
  await bot.engine.staffReplied({ contact: ES, messageId: 'staff-1', sentAt: bot.now().getTime() })
  bot.at('2026-11-20T09:00:00Z')
  await say(bot, MX, MX_FIRST)
  bot.at('2026-11-20T09:02:00Z')
  for (const body of ['sí', 'no', 'whatsapp']) await say(bot, MX, body)
  bot.at('2026-11-20T09:30:00Z')
  for (const body of ['hi', 'no', 'talk to a person']) await say(bot, US, body)
  bot.at('2026-11-20T10:00:00Z')
}

const handoverOf = (bot: StaffBot, contact: string): HandOver | undefined => readDatabase(bot.dataDir).contacts[contact]?.handover
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' }

function post(bot: StaffBot, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${bot.url}${path}`, { method: 'POST', body, headers: { ...FORM, ...headers }, redirect: 'manual' })
}
const admin = async (bot: StaffBot, query = '') => {
  const response = await fetch(`${bot.url}/admin?token=${ADMIN_TOKEN}${query}`)
  expect(response.status).toBe(200)
  return response.text()
}
/** A row's buttons, in order: where each form posts, what the button says, and the words only a screen reader hears. */
const buttonsOf = (rowHtml: string) =>
  [
    ...rowHtml.matchAll(
      /<form method="post" action="([^"]+)">.*?<button type="submit" data-action="\w+">([^<]*)<span class="sr"> ([^<]*)<\/span><\/button><\/form>/gs,
    ),
  ].map(([, action, label, sr]) => ({ action: action!, label: label!, sr: sr! }))
/** The HTML of one row of the section's tables, by contact id ('' when there is none). */
const row = (page: string, contact: string) => new RegExp(`<tr data-contact="${contact}"[^>]*>.*?</tr>`, 's').exec(page)?.[0] ?? ''

describe('the section "waiting for a person", over HTTP', () => {
  let bot: StaffBot
  beforeEach(async () => {
    bot = await openStaffBot()
    await handOverChats(bot)
  })
  afterEach(() => bot.close())

  it('lists the chats waiting, oldest first, with why, since when, the message only when kept, and the pause', async () => {
    const page = await admin(bot)
    const waiting = /<table id="staff-waiting">.*?<\/table>/s.exec(page)![0]
    expect([...waiting.matchAll(/<tr data-contact="(\w+)"/g)].map((m) => m[1])).toEqual([MX, US])

    const mx = row(waiting, MX)
    expect(mx).toContain('data-paused="no"')
    expect(mx).toContain(MX_SHOWN)
    expect(mx).toContain('escribió al equipo')
    // Kept as written, and shown as text: the contact's words never become markup.
    expect(mx).toContain('Hola, ¿cuánto cuesta el envío &amp; la entrega &lt;en&gt; Puebla?')
    expect(mx).toContain('<time datetime="2026-11-20T09:02:00.000Z">')
    expect(mx).toMatch(/03:02.*hace 58 minutos/s)
    // Waiting, the bot still answering: staff may pause it, or mark the chat handled at once.
    expect(buttonsOf(mx)).toEqual([
      { action: `/admin/chats/pause?lang=es&amp;token=${ADMIN_TOKEN}`, label: 'Pausar el bot', sr: `con ${MX_SHOWN}` },
      { action: `/admin/chats/resume?lang=es&amp;token=${ADMIN_TOKEN}`, label: 'Marcar como atendido', sr: `con ${MX_SHOWN}` },
    ])

    const us = row(waiting, US)
    expect(us).toContain('data-paused="yes"')
    expect(us).toContain('+1 415 555 2671')
    expect(us).toContain('pidió hablar con una persona')
    expect(us).toContain('hace 30 minutos')
    // US refused the service: nothing they wrote is kept, and the page says why there is nothing.
    expect(handoverOf(bot, US)?.message).toBeUndefined()
    expect(us).toContain('no se guarda sin su consentimiento para el servicio')
    expect(us).not.toMatch(/talk to a person|hi\b/)
    expect(us).toMatch(/en pausa hasta .*\(al pedir una persona\)/s)
    // Paused: the one thing to do is give the chat back to the bot.
    expect(buttonsOf(us).map((b) => b.label)).toEqual(['Reanudar el bot'])

    // ES: staff answered from the phone; nobody waits, the bot is paused there.
    const paused = /<table id="staff-paused">.*?<\/table>/s.exec(page)![0]
    expect(row(paused, ES)).toMatch(/\+34 612 34 56 78.*desde el teléfono/s)
    expect(buttonsOf(row(paused, ES)).map((b) => b.label)).toEqual(['Reanudar el bot'])
    expect(row(waiting, ES)).toBe('')
    expect(page).toMatch(
      /<p id="staff-handled" data-recent="1" data-all="1">Chats que respondió tu equipo: 1 en los últimos 30 días, 1 en total\.<\/p>/,
    )
    // Every button carries the contact and the form token, and posts back with the token and language kept.
    expect(mx).toContain(`action="/admin/chats/pause?lang=es&amp;token=${ADMIN_TOKEN}"`)
    expect(mx).toContain(`<input type="hidden" name="contact" value="${MX}"><input type="hidden" name="csrf" value="${CSRF}">`)

    // The section's words are pages.json's, in the page's language; in English, on asking.
    expect(page).toContain('<h2 id="staff-title">Chats que esperan a una persona</h2>')
    const english = await admin(bot, '&lang=en')
    expect(english).toContain('<h2 id="staff-title">Chats waiting for a person</h2>')
    expect(row(english, US)).toMatch(/asked for a person.*not kept without their consent.*Resume the bot/s)
    expect(buttonsOf(row(english, MX)).map((b) => `${b.label} ${b.sr}`)).toEqual([
      `Pause the bot for ${MX_SHOWN}`,
      `Mark as handled for ${MX_SHOWN}`,
    ])
  })

  it('"Mark as handled" on a waiting chat the bot answers ends its wait without a pause: it leaves the list', async () => {
    const done = buttonsOf(row(await admin(bot), MX)).find((b) => b.label === 'Marcar como atendido')!
    // Sent as the browser sends the row's form: its action, its hidden fields.
    const response = await post(bot, done.action.replaceAll('&amp;', '&'), `contact=${MX}&csrf=${CSRF}`)
    expect(response.status).toBe(303)
    expect(handoverOf(bot, MX)?.waitingSince).toBeUndefined()
    expect(handoverOf(bot, MX)?.pausedUntil).toBeUndefined()
    const page = await admin(bot)
    expect(row(page, MX)).toBe('')
    expect(row(page, US)).toContain('data-paused="yes"')
  })

  it('pauses and resumes through the form, with the token kept in the redirect back, and a reload sends nothing again', async () => {
    const paused = await post(bot, `/admin/chats/pause?lang=en&token=${ADMIN_TOKEN}`, `contact=${MX}&csrf=${CSRF}`)
    expect(paused.status).toBe(303)
    expect(paused.headers.get('location')).toBe(`/admin?lang=en&token=${ADMIN_TOKEN}#staff`)
    // The bot is paused for the policy's pause length (12 h), by the dashboard; MX still waits.
    expect(handoverOf(bot, MX)).toMatchObject({ pausedUntil: '2026-11-20T22:00:00.000Z', pausedBy: 'dashboard', reason: 'message' })
    expect(row(await admin(bot, '&lang=en'), MX)).toMatch(/data-paused="yes".*paused until .*\(from the dashboard\).*Resume the bot/s)

    const resumed = await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, `contact=${MX}&csrf=${CSRF}`)
    expect(resumed.status).toBe(303)
    expect(resumed.headers.get('location')).toBe(`/admin?token=${ADMIN_TOKEN}#staff`)
    // Resumed: no pause and nothing waiting; the chat leaves the section.
    expect(handoverOf(bot, MX)?.pausedUntil).toBeUndefined()
    expect(handoverOf(bot, MX)?.waitingSince).toBeUndefined()
    expect(row(await admin(bot), MX)).toBe('')

    // The bot answers MX again: a message after the resume is answered as usual.
    const answered = readDatabase(bot.dataDir).ledger.length
    await say(bot, MX, 'BAJA')
    expect(readDatabase(bot.dataDir).ledger.length).toBeGreaterThan(answered)
  })

  it('refuses a form without the form token or with a wrong one (403), and changes nothing', async () => {
    for (const body of [
      `contact=${US}`,
      `contact=${US}&csrf=`,
      `contact=${US}&csrf=${CSRF.slice(0, -1)}0`,
      `contact=${US}&csrf=${'a'.repeat(64)}`,
    ]) {
      const response = await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, body)
      expect(response.status, body).toBe(403)
      expect(await response.text()).toMatch(/form's token is missing or wrong/)
    }
    // A token made from another admin token is not this dashboard's.
    const other = createHmac('sha256', `${ADMIN_TOKEN}x`).update('csrf:v1').digest('hex')
    expect((await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, `contact=${US}&csrf=${other}`)).status).toBe(403)
    expect(handoverOf(bot, US)?.pausedUntil).toBe('2026-11-20T21:30:00.000Z')
  })

  it("refuses a form sent from another site's page (403), even with the right token, and takes this site's own", async () => {
    const foreign: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:1` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site', Origin: bot.url },
    ]
    for (const headers of foreign) {
      const response = await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, `contact=${US}&csrf=${CSRF}`, headers)
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect(await response.text()).toMatch(/from the dashboard only/)
    }
    // A script with the admin token in its header is refused the same from another site's page.
    expect((await post(bot, '/admin/chats/resume', `contact=${US}`, { ...bearer, Origin: 'https://evil.example' })).status).toBe(403)
    expect(handoverOf(bot, US)?.pausedUntil).toBeDefined()

    const own = await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, `contact=${US}&csrf=${CSRF}`, {
      Origin: bot.url,
      'Sec-Fetch-Site': 'same-origin',
    })
    expect(own.status).toBe(303)
    expect(handoverOf(bot, US)?.pausedUntil).toBeUndefined()
  })

  it('lets a script with the token in its header and no cookie pause without the form token, by the command line if it says so', async () => {
    const response = await post(bot, '/admin/chats/pause', `contact=${MX}&by=cli`, bearer)
    expect(response.status).toBe(303)
    // No token in the query: none is put in the way back.
    expect(response.headers.get('location')).toBe('/admin#staff')
    expect(handoverOf(bot, MX)).toMatchObject({ pausedBy: 'cli', pausedUntil: '2026-11-20T22:00:00.000Z' })
    // A request carrying a cookie is a browser's: it needs the form token, header or not.
    expect((await post(bot, '/admin/chats/resume', `contact=${MX}`, { ...bearer, Cookie: 'session=1' })).status).toBe(403)
    // A script that sends a form token must send the right one.
    expect((await post(bot, '/admin/chats/resume', `contact=${MX}&csrf=nope`, bearer)).status).toBe(403)
    expect((await post(bot, '/admin/chats/resume', `contact=${MX}`, bearer)).status).toBe(303)
    expect(handoverOf(bot, MX)?.pausedUntil).toBeUndefined()
  })

  it('asks for the token first (401), and says 404 for a contact it does not know', async () => {
    for (const path of ['/admin/chats/pause', `/admin/chats/pause?token=${ADMIN_TOKEN.slice(0, -1)}`]) {
      const response = await post(bot, path, `contact=${US}&csrf=${CSRF}`)
      expect(response.status, path).toBe(401)
      expect(await response.text()).not.toContain(US)
    }
    const unknown = await post(bot, `/admin/chats/pause?token=${ADMIN_TOKEN}`, `contact=5215599990000&csrf=${CSRF}`)
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toBe('No contact with that number: check it on the dashboard.\n')
    expect(readDatabase(bot.dataDir).contacts['5215599990000']).toBeUndefined()
  })

  it('refuses a body over 4 KB (413), a malformed form (400), another type (415), and GET on the forms (405)', async () => {
    const path = `/admin/chats/pause?token=${ADMIN_TOKEN}`
    const big = await post(bot, path, `contact=${MX}&csrf=${CSRF}&pad=${'x'.repeat(5000)}`)
    expect(big.status).toBe(413)
    expect(await big.text()).toMatch(/larger than 4096 bytes/)
    // Far too big: refused from its declared length, before it is read.
    expect(await rawPost(bot, path, 1_000_000)).toBe(413)
    for (const body of [
      '',
      `csrf=${CSRF}`,
      `contact=&csrf=${CSRF}`,
      `contact=${MX}&contact=${US}&csrf=${CSRF}`,
      `contact=abc&csrf=${CSRF}`,
    ]) {
      const response = await post(bot, path, body)
      expect(response.status, body).toBe(400)
      expect(await response.text()).toMatch(/^Bad request: the form needs one contact=<id>/)
    }
    expect((await post(bot, path, `contact=${MX}&csrf=${CSRF}&csrf=${CSRF}`)).status).toBe(400)
    expect((await post(bot, path, `contact=${MX}&csrf=${CSRF}&by=robot`)).status).toBe(400)
    const json = await fetch(`${bot.url}${path}`, {
      method: 'POST',
      body: JSON.stringify({ contact: MX, csrf: CSRF }),
      headers: { 'Content-Type': 'application/json' },
    })
    expect(json.status).toBe(415)
    const get = await fetch(`${bot.url}${path}`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(handoverOf(bot, MX)?.pausedUntil).toBeUndefined()
    // GET still works as before; POST is for the two forms only.
    expect((await fetch(`${bot.url}/admin`, { headers: bearer })).status).toBe(200)
    expect((await fetch(`${bot.url}/admin`, { method: 'POST', headers: bearer })).status).toBe(405)
    expect((await fetch(`${bot.url}/privacy`, { method: 'POST' })).status).toBe(405)
  })

  it('logs the route and the status of each request, never the number, the message or a token', async () => {
    await post(bot, `/admin/chats/pause?token=${ADMIN_TOKEN}`, `contact=${MX}&csrf=${CSRF}`)
    await post(bot, `/admin/chats/pause?token=${ADMIN_TOKEN}`, `contact=${MX}`)
    await admin(bot)
    const http = bot.logLines.filter((line) => line.includes('http.request')).map((line) => JSON.parse(line))
    expect(http.map((l) => [l.method, l.route, l.status])).toEqual([
      ['POST', 'chats_pause', 303],
      ['POST', 'chats_pause', 403],
      ['GET', 'admin', 200],
    ])
    for (const line of bot.logLines) {
      expect(line).not.toContain(MX)
      expect(line).not.toContain(ADMIN_TOKEN)
      expect(line).not.toContain(CSRF)
      expect(line).not.toContain('Puebla')
    }
  })
})

/** A POST declaring a body of `length` bytes and sending only its start: the status it gets. */
function rawPost(bot: StaffBot, path: string, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${bot.url}${path}`,
      { method: 'POST', headers: { ...FORM, 'Content-Length': String(length) } },
      (response) => {
        response.resume()
        resolve(response.statusCode!)
      },
    )
    request.on('error', reject)
    request.write(`contact=${MX}&csrf=${CSRF}&pad=`)
  })
}

describe('the section, when nothing is handed over or the server cannot steer chats', () => {
  let bot: StaffBot | undefined
  afterEach(() => bot?.close())

  it('says plainly that no chat waits', async () => {
    bot = await openStaffBot()
    await say(bot, MX, 'hola')
    const page = await admin(bot)
    expect(page).toContain('<p id="staff-empty">Ningún chat espera a una persona, y el bot no está en pausa en ninguno.</p>')
    expect(page).toContain('data-recent="0" data-all="0"')
    expect(page).not.toContain('<form')
  })

  it("speaks the owner's words from locales/<lang>/pages.json, edited there, in each language", async () => {
    bot = await openStaffBot({
      pages: {
        es: { title: 'Clientes que esperan a alguien del equipo', done: 'Ya lo atendimos' },
        en: { title: 'Customers waiting for someone on the team', handled: 'Answered by us: {{recent}} lately, {{all}} ever.' },
      },
    })
    await handOverChats(bot)
    const spanish = await admin(bot)
    expect(spanish).toContain('<h2 id="staff-title">Clientes que esperan a alguien del equipo</h2>')
    expect(spanish).not.toContain('Chats que esperan a una persona')
    expect(buttonsOf(row(spanish, MX)).map((b) => b.label)).toEqual(['Pausar el bot', 'Ya lo atendimos'])
    const english = await admin(bot, '&lang=en')
    expect(english).toContain('<h2 id="staff-title">Customers waiting for someone on the team</h2>')
    expect(english).toContain('>Answered by us: 1 lately, 1 ever.</p>')
  })

  it('shows the chats without buttons, and answers a form 501, when it is given no engine', async () => {
    bot = await openStaffBot({ steer: false })
    await handOverChats(bot)
    const page = await admin(bot)
    expect(row(page, US)).toContain('pidió hablar con una persona')
    expect(page).not.toContain('<form')
    const response = await post(bot, `/admin/chats/resume?token=${ADMIN_TOKEN}`, `contact=${US}&csrf=${CSRF}`)
    expect(response.status).toBe(501)
  })
})

describe('the section in Chromium', () => {
  const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  let browser: Browser
  let bot: StaffBot
  beforeAll(async () => {
    ;[browser, bot] = await Promise.all([launchChromium(), openStaffBot()])
    await handOverChats(bot)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await bot?.close()
  })

  it.each([
    { name: 'a computer', viewport: { width: 1280, height: 900 } },
    { name: 'a phone', viewport: { width: 390, height: 844 } },
  ])('on $name, axe-core finds no violation on the page with the section, and it does not scroll sideways', async ({ viewport }) => {
    // axe is the test's own script: the page's policy forbids every script, so it is let through.
    const page: Page = await browser.newPage({ viewport, colorScheme: 'light', bypassCSP: true })
    await page.goto(`${bot.url}/admin?token=${ADMIN_TOKEN}`)
    expect(await page.locator('#staff table').count()).toBeGreaterThan(0)
    // Checked before any click: MX's row has both its buttons (pause, mark as handled), US's and ES's one.
    expect(await page.locator(`#staff-waiting tr[data-contact="${MX}"] button`).count()).toBe(2)
    await page.addScriptTag({ content: AXE_SOURCE })
    const violations = (await page.evaluate(
      `axe.run(document).then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`,
    )) as string[]
    expect(violations).toEqual([])
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width)
    await page.close()
  })

  it('the owner clicks "Reanudar el bot" on a row: the form goes through the page\'s own policy, and the chat leaves the list', async () => {
    // The page as served: its Content-Security-Policy (form-action 'self') applies to the click.
    const page = await browser.newPage()
    const posted: Promise<{ origin: string | undefined; site: string | undefined }>[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST') posted.push(r.allHeaders().then((h) => ({ origin: h.origin, site: h['sec-fetch-site'] })))
    })
    await page.goto(`${bot.url}/admin?token=${ADMIN_TOKEN}`)
    const us = page.locator(`#staff-waiting tr[data-contact="${US}"]`)
    expect(await us.getAttribute('data-paused')).toBe('yes')
    const button = us.getByRole('button', { name: 'Reanudar el bot con +1 415 555 2671' })
    await Promise.all([page.waitForURL(/\/admin\?lang=es&token=.*#staff$/), button.click()])
    // The page names itself to its own server only: the server can tell its own forms from another site's.
    expect(await Promise.all(posted)).toEqual([{ origin: bot.url, site: 'same-origin' }])
    expect(await page.locator(`#staff tr[data-contact="${US}"]`).count()).toBe(0)
    expect(await page.locator(`#staff-waiting tr[data-contact="${MX}"]`).count()).toBe(1)
    expect(handoverOf(bot, US)).toBeUndefined()

    // Pausing MX from its row: the row stays, now with the bot paused and the other button.
    const mx = page.locator(`#staff-waiting tr[data-contact="${MX}"]`)
    await Promise.all([page.waitForURL(/#staff$/), mx.getByRole('button', { name: `Pausar el bot con ${MX_SHOWN}` }).click()])
    expect(await page.locator(`#staff-waiting tr[data-contact="${MX}"]`).getAttribute('data-paused')).toBe('yes')
    expect(await page.locator(`#staff-waiting tr[data-contact="${MX}"] button`).textContent()).toBe(`Reanudar el bot con ${MX_SHOWN}`)
    await page.close()
  })

  it('a member of staff clicks "Mark as handled" on a waiting chat the bot answers: it leaves the list', async () => {
    // A bot of its own: the shared one's chats are changed by the test above.
    const own = await openStaffBot()
    try {
      await handOverChats(own)
      const page = await browser.newPage()
      await page.goto(`${own.url}/admin?lang=en&token=${ADMIN_TOKEN}`)
      const mx = page.locator(`#staff-waiting tr[data-contact="${MX}"]`)
      expect(await mx.getAttribute('data-paused')).toBe('no')
      expect(await mx.getByRole('button').allTextContents()).toEqual([`Pause the bot for ${MX_SHOWN}`, `Mark as handled for ${MX_SHOWN}`])
      await Promise.all([
        page.waitForURL(/\/admin\?lang=en&token=.*#staff$/),
        mx.getByRole('button', { name: `Mark as handled for ${MX_SHOWN}` }).click(),
      ])
      expect(await page.locator(`#staff tr[data-contact="${MX}"]`).count()).toBe(0)
      expect(await page.locator(`#staff-waiting tr[data-contact="${US}"]`).count()).toBe(1)
      // Nothing is left of the hand-over: no wait, no pause (staff never wrote from the phone).
      expect(handoverOf(own, MX)).toBeUndefined()
      await page.close()
    } finally {
      await own.close()
    }
  })
})
