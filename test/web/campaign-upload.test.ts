/**
 * A notice campaign started from the dashboard (issue 15): the owner chooses their list on the
 * campaign panel, checks it (nothing is sent), and starts it. On the running bot with its web
 * server, in the Chromium npm brings (playwright-core, @sparticuz/chromium): the list a Spanish
 * Excel saves (byte-order mark, semicolons, CRLF) with a line that is no phone number and a
 * number twice, the owner's flows/do-not-contact.csv, the invitations sent by the bot's own
 * runner. Then the form as a script or another site would post it, over HTTP: refused from
 * another site or without the form token, too large, unreadable, a list no longer kept, another
 * campaign sending, a pace above the safe one. The campaign's waits move a fake clock, or hold
 * until the campaign is paused: nothing waits for real time.
 */
import { createHmac } from 'node:crypto'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { Chat, RecordingProvider, removeDir, ROOT, tempDir } from '../support/chat.js'
import { launchChromium } from './chromium.js'
import { ADMIN_TOKEN } from './support.js'

/** The form token the dashboard's forms carry: HMAC-SHA256 of the admin token over "csrf:v1". */
const CSRF = createHmac('sha256', ADMIN_TOKEN).update('csrf:v1').digest('hex')

const EVA = '5215512340051'
const FER = '5215512340052'
const HUGO = '5215512340053'
/** On the owner's flows/do-not-contact.csv. */
const IVAN = '5215512340054'

/** As Excel saves "CSV UTF-8" with Spanish settings: a byte-order mark, ";" between cells, CRLF. */
const excel = (...rows: string[]) => Buffer.from(`\uFEFF${rows.join('\r\n')}\r\n`, 'utf8')
const LIST = excel(
  'Nombre;Teléfono;Idioma',
  'Eva Ramírez;+52 1 55 1234 0051;Español',
  'Fer Núñez;+52 1 55 1234 0052;es',
  'Gil;12345;es',
  'Eva otra vez;+52 1 55 1234 0051;es',
  'Hugo Díaz;+52 1 55 1234 0053;es',
  'Iván Soto;+52 1 55 1234 0054;es',
)
/** Lists of two new clients each, for the cases after the first campaign. */
const twoClients = (first: number) => excel('Nombre;Teléfono', `Uno;+52 1 55 1234 00${first}`, `Dos;+52 1 55 1234 00${first + 1}`)

/** A copy of the project's flows/ with `change` applied to it. */
function flowsCopy(change: (dir: string) => void): string {
  const dir = join(tempDir('consent-bot-flows-'), 'flows')
  cpSync(join(ROOT, 'flows'), dir, { recursive: true })
  change(dir)
  return dir
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const RUN_AXE = `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
  result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')))`

interface UploadOptions {
  list?: Buffer | null
  name?: string
  csrf?: string | null
  known?: boolean
  faster?: boolean
  headers?: Record<string, string>
  query?: string
}

/** The panel's form as the browser posts it (multipart), to the bot at `url`. */
function upload(url: string, options: UploadOptions = {}): Promise<Response> {
  const form = new FormData()
  if (options.csrf !== null) form.append('csrf', options.csrf ?? CSRF)
  if (options.list !== null) form.append('list', new Blob([options.list ?? LIST], { type: 'text/csv' }), options.name ?? 'clientes.csv')
  if (options.known) form.append('known', 'on')
  if (options.faster) form.append('faster', 'on')
  return fetch(`${url}/admin/campaigns/upload${options.query ?? `?lang=es&token=${ADMIN_TOKEN}`}`, {
    method: 'POST',
    body: form,
    headers: options.headers ?? {},
    redirect: 'manual',
  })
}

/** The check page's Start button as the browser posts it. */
function start(url: string, listToken: string, csrf = CSRF, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/admin/campaigns/upload/start?lang=es&token=${ADMIN_TOKEN}`, {
    method: 'POST',
    body: new URLSearchParams({ csrf, listToken }),
    headers,
    redirect: 'manual',
  })
}

const listTokenOf = (page: string) => /name="listToken" value="([^"]+)"/.exec(page)?.[1]
/** The words of the page's main part, tags and runs of white space gone. */
const words = (page: string) =>
  (/<main>(.*)<\/main>/s.exec(page)?.[1] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim()

let bot: RunningBot
let browser: Browser
let url: string
let dataDir: string
let flowsDir: string
const provider = new RecordingProvider()
// Thursday 3 December 2026, 10:00 in Mexico City.
let now = new Date('2026-12-03T16:00:00Z')
/** While true, the campaign's next wait lasts until it is paused. */
let hold = false
let held: () => void = () => {}
const holding = () => new Promise<void>((resolve) => (held = resolve))
const invited = (phone: string) => provider.sent.filter((m) => m.to === phone).map((m) => m.text)

beforeAll(async () => {
  dataDir = tempDir()
  flowsDir = flowsCopy((dir) => writeFileSync(join(dir, 'do-not-contact.csv'), `+52 1 55 1234 0054\n`))
  ;[bot, browser] = await Promise.all([
    startBot({
      flowsDir,
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider,
      clock: () => now,
      http: { port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN },
      // Every gap the middle of 15–45 s.
      random: () => 0.5,
      campaignWait: (ms, signal) => {
        if (!hold) {
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
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await bot?.close()
  if (dataDir) removeDir(dataDir)
  if (flowsDir) removeDir(join(flowsDir, '..'))
})

/** The dashboard, and the owner's list chosen in the panel's form. */
async function chooseList(options: { bypassCSP?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  // As served: its Content-Security-Policy (form-action 'self', no script) applies to every click.
  const tab = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 }, colorScheme: 'light', ...options })
  await tab.goto(`${url}/admin?token=${ADMIN_TOKEN}`)
  await tab.getByLabel('Tu lista de clientes (un archivo CSV)').setInputFiles({ name: 'clientes.csv', mimeType: 'text/csv', buffer: LIST })
  return tab
}

async function checkList(tab: Page): Promise<void> {
  const [response] = await Promise.all([
    tab.waitForResponse((r) => r.request().method() === 'POST'),
    tab.getByRole('button', { name: 'Revisar la lista' }).click(),
  ])
  expect(response.status()).toBe(200)
  await tab.waitForURL(/\/admin\/campaigns\/upload\?lang=es&token=/)
}

describe('a campaign started from the dashboard, as the owner does it in the browser', () => {
  it('the check page has no serious or critical accessibility violation (axe-core), nor the panel with its form; no sideways scroll on a phone', async () => {
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const tab = await chooseList({ bypassCSP: true, viewport })
      for (const where of ['panel', 'check page']) {
        if (where === 'check page') await checkList(tab)
        await tab.addScriptTag({ content: AXE_SOURCE })
        expect(await tab.evaluate(RUN_AXE), `${where}, ${viewport.width} px`).toEqual([])
        expect(await tab.evaluate('document.documentElement.scrollWidth'), `${where}, ${viewport.width} px`).toBeLessThanOrEqual(
          viewport.width,
        )
      }
      await tab.close()
    }
  })

  it('checks the list (summary, skipped and why, each line to mend, pace, end; nothing sent), starts it, and the invitations go', async () => {
    const tab = await chooseList()
    const form = tab.locator('#campaign-upload')
    await expect(form.getByRole('heading').textContent()).resolves.toBe('Iniciar una campaña con tu lista')
    await expect(form.getByLabel('También los clientes que el bot ya conoce', { exact: false }).isChecked()).resolves.toBe(false)
    // The faster pace's risk is said in words, and read with its checkbox.
    const faster = form.getByLabel('Ir más rápido que el ritmo seguro')
    await expect(faster.isChecked()).resolves.toBe(false)
    await expect(faster.getAttribute('aria-describedby')).resolves.toBe('campaign-upload-faster-warning')
    await expect(form.locator('#campaign-upload-faster-warning').textContent()).resolves.toMatch(/WhatsApp bloquea los números/)
    const sentBefore = provider.sent.length

    await checkList(tab)
    await expect(tab.locator('h1').textContent()).resolves.toBe('Tu lista clientes.csv')
    await expect(tab.locator('#upload-nothing-sent').textContent()).resolves.toBe('No se ha enviado nada.')
    const figure = (id: string) => tab.locator(`#upload-summary tr[data-figure="${id}"]`).textContent()
    await expect(figure('listed')).resolves.toBe('Clientes en la lista6')
    await expect(figure('toMessage')).resolves.toBe('Se les escribirá3')
    await expect(figure('skipped')).resolves.toBe('Omitidos3')
    await expect(tab.locator('#upload-skipped tbody tr').allTextContents()).resolves.toEqual([
      'no es un número de teléfono válido1',
      'aparece dos veces1',
      'en tu lista de no contactar1',
    ])
    // Each line to mend, with its number in the owner's file (the header is line 1).
    await expect(tab.locator('#upload-rows li').allTextContents()).resolves.toEqual([
      'Línea 4: "12345" (5 digits) is too short for a phone number in MX (+52): check it, and write it in full with its country code',
      'Línea 5: el mismo número que la línea 2',
    ])
    await expect(tab.locator('#upload-pace').textContent()).resolves.toBe(
      'Un mensaje cada 15–45 segundos, como máximo 150 al día. Solo en horario comercial, en la zona horaria de cada cliente.',
    )
    // Not before 10:00 in Tijuana (18:00 UTC), the last zone of Mexico to open; then 30 s apart.
    await expect(tab.locator('#upload-ends time').getAttribute('datetime')).resolves.toBe('2026-12-03T18:01:00.000Z')
    await expect(tab.locator('#upload-start input[name="listToken"]').getAttribute('value')).resolves.toMatch(/^[\w-]{24}$/)
    await expect(tab.locator('#upload-ends').textContent()).resolves.toMatch(
      /^Si la inicias ahora, el último mensaje saldría el .+ \(dentro de 2 horas\)$/,
    )
    // Nothing was sent, nothing was kept as a campaign.
    expect(provider.sent.length).toBe(sentBefore)
    expect(await bot.campaigns.list()).toEqual([])

    const [response] = await Promise.all([
      tab.waitForResponse((r) => r.request().method() === 'POST'),
      tab.getByRole('button', { name: 'Iniciar la campaña' }).click(),
    ])
    expect(response.status()).toBe(303)
    await tab.waitForURL(/\/admin\?lang=es&token=[^#]+#campaigns$/)
    await expect(tab.locator('#campaigns article h3').allTextContents()).resolves.toEqual(['clientes.csv'])

    await bot.campaignRunner.finished()
    for (const phone of [EVA, FER, HUGO]) {
      const texts = invited(phone)
      expect(texts, phone).toHaveLength(3)
      expect(texts[2]).toMatch(/¿Aceptas que usemos tus datos/)
    }
    expect(invited(IVAN)).toEqual([])
    await tab.reload()
    const campaign = tab.locator('#campaigns article').first()
    await expect(campaign.locator('.status').textContent()).resolves.toBe('Terminada')
    await expect(campaign.locator('tr[data-figure="sent"] td').textContent()).resolves.toBe('3')
    await tab.close()
  })
})

describe('the upload as a script or another site would post it', () => {
  it("refuses the form from another site's page (403), even with the right form token", async () => {
    const foreign: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ]
    for (const headers of foreign) {
      const response = await upload(url, { headers })
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect(await response.text()).toMatch(/from the dashboard only/)
    }
    // Nor may another site's page press Start on a list checked here.
    const listToken = listTokenOf(await (await upload(url, { list: twoClients(51) })).text())!
    const response = await start(url, listToken, CSRF, { Origin: 'https://evil.example' })
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/from the dashboard only/)
  })

  it('refuses a form without its form token, or with a wrong one (403)', async () => {
    for (const csrf of [null, '', `${CSRF.slice(0, -1)}0`]) {
      const response = await upload(url, { csrf })
      expect(response.status, String(csrf)).toBe(403)
      expect(await response.text()).toMatch(/form's token is missing or wrong/)
    }
    // The Start button's form too: a list checked, then posted without the dashboard's token.
    const listToken = listTokenOf(await (await upload(url, { list: twoClients(61) })).text())!
    expect((await start(url, listToken, 'nope')).status).toBe(403)
  })

  it('lets a script with the admin token in its header check a list, without the form token', async () => {
    const response = await upload(url, { csrf: null, query: '?lang=en', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(page).toContain('<html lang="en">')
    expect(words(page)).toMatch(/Your list clientes\.csv Nothing has been sent\. .*Will be written to 0 /)
  })

  it('refuses a file over 10 MB (413) with a sentence that says what to do', async () => {
    const big = Buffer.concat([LIST, Buffer.alloc(10 * 1024 * 1024, 'Ana;+52 1 55 1234 0099\r\n')])
    const response = await upload(url, { list: big })
    expect(response.status).toBe(413)
    expect(words(await response.text())).toContain(
      'El archivo pesa más de 10 MB: divide tu lista en varios archivos e inicia una campaña con cada uno.',
    )
  })

  it('shows a list that cannot be read with its file:line lines, and one sent without a file', async () => {
    const broken = readFileSync(join(ROOT, 'test/fixtures/contact-lists/unclosed-quote.csv'))
    let response = await upload(url, { list: broken, name: 'clientes-rotos.csv' })
    expect(response.status).toBe(422)
    let page = await response.text()
    expect(page).toContain('<h1 id="upload-title">No se puede leer la lista</h1>')
    expect(page).toContain(
      '<li><code>clientes-rotos.csv:2: a double quote (&quot;) opens a cell in this row and is never closed, so the rest of the file would be one cell: close it, or delete it</code></li>',
    )
    response = await upload(url, {
      list: readFileSync(join(ROOT, 'test/fixtures/contact-lists/no-phone-column.csv')),
      name: 'contactos.csv',
    })
    expect(response.status).toBe(422)
    expect(words(await response.text())).toMatch(/contactos\.csv:1: no column is named as the phone number/)

    response = await upload(url, { list: null })
    expect(response.status).toBe(400)
    page = await response.text()
    expect(words(page)).toContain('El formulario llegó sin archivo: elige tu lista (un archivo CSV) y revísala de nuevo.')
    // Every page of the upload leads back to the panel, the language and token kept.
    expect(page).toContain(`<a href="/admin?lang=es&amp;token=${ADMIN_TOKEN}#campaigns" id="upload-back">Volver al panel</a>`)
  })

  it('answers an unknown or expired list with a page that says to check the file again', async () => {
    const gone =
      'Esta lista ya no se guarda (una lista se guarda 30 minutos tras revisarla, y no después de reiniciar el bot): vuelve a elegir el archivo en el panel y revísalo.'
    let response = await start(url, 'x'.repeat(24))
    expect(response.status).toBe(410)
    expect(words(await response.text())).toContain(gone)

    const listToken = listTokenOf(await (await upload(url, { list: twoClients(71) })).text())!
    now = new Date(now.getTime() + 31 * 60_000)
    response = await start(url, listToken)
    expect(response.status).toBe(410)
    expect(words(await response.text())).toContain(gone)
    expect((await bot.campaigns.list()).map((c) => c.source)).toEqual(['clientes.csv'])
  })

  it('with "also clients the bot knows" ticked, writes to a known client who never answered too', async () => {
    await new Chat(bot, provider, '5215512340081', 'Dani').say('hola')
    const list = excel('Teléfono', '+52 1 55 1234 0081', '+52 1 55 1234 0082')
    let page = words(await (await upload(url, { list })).text())
    expect(page).toMatch(/Se les escribirá 1 /)
    expect(page).toContain(
      'el bot ya los conoce, con el consentimiento desactualizado o sin responder: marca «También los clientes que el bot ya conoce» para incluirlos 1',
    )
    page = words(await (await upload(url, { list, known: true })).text())
    expect(page).toMatch(/Se les escribirá 2 /)
  })

  it('while another campaign sends, says so instead of a Start button, and refuses a Start in one sentence; the list waits to be started', async () => {
    const first = listTokenOf(await (await upload(url, { list: twoClients(91) })).text())!
    const second = listTokenOf(await (await upload(url, { list: twoClients(93) })).text())!
    hold = true
    const waiting = holding()
    expect((await start(url, first)).status).toBe(303)
    await waiting
    const sending = (await bot.campaigns.list()).find((c) => c.status.status === 'running')!
    // Start pressed again (a double click, the page sent twice) answers the same and starts nothing more.
    expect((await start(url, first)).status).toBe(303)
    expect((await bot.campaigns.list()).filter((c) => c.source === 'clientes.csv')).toHaveLength(2)

    const page = await (await upload(url, { list: twoClients(95) })).text()
    expect(words(page)).toContain(
      `La campaña ${sending.id} está enviando, y el bot envía una campaña a la vez: páusala primero en el panel, o espera a que termine, y revisa esta lista de nuevo.`,
    )
    expect(listTokenOf(page)).toBeUndefined()
    let response = await start(url, second)
    expect(response.status).toBe(409)
    const refused = await response.text()
    expect(refused).toContain('<h1 id="upload-title">Esta campaña no se puede iniciar</h1>')
    expect(words(refused)).toContain(
      `La campaña ${sending.id} está enviando, y el bot envía una campaña a la vez: páusala primero en el panel, o espera a que termine, y vuelve a intentarlo.`,
    )

    // Paused, the other may start: the list refused was kept for it.
    await bot.campaigns.pause(sending.id, 'paused from the dashboard')
    hold = false
    response = await start(url, second)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`/admin?lang=es&token=${ADMIN_TOKEN}#campaigns`)
    await bot.campaignRunner.finished()
    expect(invited('5215512340093')).toHaveLength(3)
    expect(invited('5215512340094')).toHaveLength(3)
  })
})

describe('a pace above the safe one in flows/policy.yaml', () => {
  let fast: RunningBot
  let fastFlows: string
  let fastData: string

  beforeAll(async () => {
    fastData = tempDir()
    fastFlows = flowsCopy((dir) =>
      writeFileSync(join(dir, 'policy.yaml'), `${readFileSync(join(dir, 'policy.yaml'), 'utf8')}\ncampaign:\n  gap: 5-10 seconds\n`),
    )
    fast = await startBot({
      flowsDir: fastFlows,
      localesDir: join(ROOT, 'locales'),
      dataDir: fastData,
      defaultLanguage: 'es',
      provider: new RecordingProvider(),
      clock: () => now,
      http: { port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN },
    })
  })

  afterAll(async () => {
    await fast?.close()
    if (fastData) removeDir(fastData)
    if (fastFlows) removeDir(join(fastFlows, '..'))
  })

  it('is refused on the check with what to do, and checked with its warning once "go faster" is ticked', async () => {
    let response = await upload(fast.web!.url)
    expect(response.status).toBe(422)
    const page = await response.text()
    expect(page).toContain('<h1 id="upload-title">Esta campaña no se puede iniciar</h1>')
    expect(words(page)).toContain(
      'flows/policy.yaml fija un ritmo más rápido que el seguro: marca «Ir más rápido que el ritmo seguro» y revisa la lista de nuevo para ir así de rápido de todos modos, o quita esa línea para el ritmo seguro.',
    )
    expect(words(page)).toContain('campaign gap 5-10 seconds is faster than the safe 15-45 seconds (policy.yaml)')

    response = await upload(fast.web!.url, { faster: true })
    expect(response.status).toBe(200)
    const checked = words(await response.text())
    expect(checked).toContain('Un mensaje cada 5–10 segundos')
    expect(checked).toContain('Marcaste «Ir más rápido que el ritmo seguro»: WhatsApp puede bloquear tu número.')
    expect(checked).toContain('Iniciar la campaña')
  })
})
