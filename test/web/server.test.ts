/**
 * The web server over plain HTTP: who is let in, what every answer carries, the edge cases a
 * browser does not try, and that it binds this computer only unless told otherwise.
 */
import { spawn } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { join } from 'node:path'
import * as XLSX from 'xlsx'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../../src/app/config.js'
import { createLogger } from '../../src/app/logger.js'
import { CONTENT_SECURITY_POLICY, startWebServer, type WebServer } from '../../src/app/web/server.js'
import { openConsentReader } from '../../src/adapters/lowdb-store.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { ES, MX, readDatabase, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { ownerProject, runCli } from '../cli/run-cli.js'
import { ADMIN_TOKEN, freePort, MX2, MX3, openWebBot, runScriptedConversations, type WebBot } from './support.js'

let web: WebBot
const logLines: string[] = []

beforeAll(async () => {
  web = await openWebBot({ adminToken: ADMIN_TOKEN, logger: createLogger('debug', (line) => logLines.push(line)) })
  await runScriptedConversations(web)
})
afterAll(() => web?.close())

const get = (path: string, init: RequestInit = {}) => fetch(`${web.url}${path}`, init)

/** A GET sent from a given local address (fetch cannot choose one): status, headers and body. */
function getFrom(localAddress: string, url: string, init: { headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>((resolve, reject) => {
    const request = httpGet(url, { localAddress, headers: init.headers ?? {} }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: { get: (name) => (response.headers[name.toLowerCase()] as string | undefined) ?? null },
          text: async () => Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    request.on('error', reject)
  })
}
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } })

describe('who is let in', () => {
  it('lets the right token in by header or by query, and nothing else', async () => {
    expect((await get('/admin', bearer(ADMIN_TOKEN))).status).toBe(200)
    expect((await get('/admin', { headers: { Authorization: `bearer ${ADMIN_TOKEN}` } })).status).toBe(200)
    expect((await get(`/admin?token=${ADMIN_TOKEN}`)).status).toBe(200)
    const wrong = [
      bearer(ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith('x') ? 'y' : 'x')), // same length, one character off
      bearer(ADMIN_TOKEN.slice(0, -1)), // a prefix
      bearer(`${ADMIN_TOKEN}0`), // longer
      { headers: { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } },
      {},
    ]
    // Each wrong try from an address of its own (all of 127.0.0.0/8 is this computer), so that
    // none of them is slowed down by the others (see "wrong tokens are slowed down").
    let client = 10
    for (const init of wrong) {
      for (const path of ['/admin', '/admin/export.csv?what=ledger', '/admin/export.json']) {
        const response = await getFrom(`127.0.0.${client++}`, `${web.url}${path}`, init)
        expect(response.status, path).toBe(401)
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
        const body = await response.text()
        expect(body).not.toMatch(/Tienda|given|withdrawn|\d{6,}/)
      }
    }
  })

  it('has no admin at all when no token is configured, even for someone who sends one', async () => {
    const open = await openWebBot()
    try {
      for (const path of ['/admin', `/admin?token=${ADMIN_TOKEN}`, '/admin/export.csv?what=ledger']) {
        const response = await fetch(`${open.url}${path}`, bearer(ADMIN_TOKEN))
        expect(response.status).toBe(404)
        expect(await response.text()).toBe('Not found\n')
      }
      expect((await fetch(`${open.url}/privacy`)).status).toBe(200)
    } finally {
      await open.close()
    }
  })

  it('answers GET and HEAD only, and 404 for any other path', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await get('/privacy', { method })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD')
    }
    expect((await get('/admin', { method: 'POST', ...bearer(ADMIN_TOKEN) })).status).toBe(405)
    for (const path of [
      '/',
      '/privacy/',
      '/privacy.html',
      '/admin/../privacy/x',
      '/admin/export.xml',
      '/favicon.ico',
      '/%2e%2e/etc/passwd',
    ]) {
      const response = await get(path, bearer(ADMIN_TOKEN))
      expect(response.status, path).toBe(404)
    }
    const head = await get('/privacy', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000)
    expect(await head.text()).toBe('')
  })

  it('binds 127.0.0.1 by default', async () => {
    const config = parseConfig([], {}, ROOT)
    expect(config).not.toBe('help')
    const http = (config as Exclude<typeof config, 'help'>).http!
    expect(http).toMatchObject({ port: 3210, host: '127.0.0.1' })
    expect(web.bot.web!.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
  })
})

describe('wrong tokens are slowed down, per client address', () => {
  // The server's own: its clock (milliseconds) moves only when the test moves it.
  let ms = 0
  let server: WebServer
  beforeAll(async () => {
    const files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es')
    server = await startWebServer(
      {
        reader: openConsentReader(web.dataDir),
        policy: files.business.policy,
        flow: files.business.flow,
        texts: files.texts,
        defaultLanguage: 'es',
        adminToken: ADMIN_TOKEN,
        wrongTokens: { now: () => ms },
      },
      { port: 0, host: '127.0.0.1' },
    )
  })
  afterAll(() => server?.close())
  const tryToken = (from: string, token: string) => getFrom(from, `${server.url}/admin`, bearer(token))

  it('300 wrong tokens in a burst: 5 are checked, the other 295 get 429 unchecked; over 5 minutes, 14 are checked', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 300; i++) statuses.push((await tryToken('127.0.1.1', `guess-${i}`)).status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(295)
    const throttled = await tryToken('127.0.1.1', 'another-guess')
    expect(throttled.headers.get('retry-after')).toBe('1')
    expect(await throttled.text()).toMatch(/^Too many wrong tokens from your address: try again in 1 s\.\n$/)

    // One guess a second for five minutes: the waits double (1, 2, 4 … 60 s), so few are checked.
    let checked = 0
    for (let second = 1; second <= 300; second++) {
      ms = 1000 * second
      if ((await tryToken('127.0.2.1', `guess-${second}`)).status === 401) checked++
    }
    expect(checked).toBe(14) // at 1–5 s, then 6, 8, 12, 20, 36, 68, 128, 188 and 248 s: the wait doubles up to 60 s
    expect(await tryToken('127.0.2.1', ADMIN_TOKEN).then((r) => r.status)).toBe(429) // even the right one waits
  })

  it('another address is not held up, and the right token after the wait lets in and clears the count', async () => {
    ms = 0
    for (let i = 0; i < 7; i++) await tryToken('127.0.3.1', `guess-${i}`)
    expect((await tryToken('127.0.3.1', 'guess')).status).toBe(429)
    expect((await tryToken('127.0.3.2', ADMIN_TOKEN)).status).toBe(200)
    ms += 4000 // the wait after the 7th wrong token
    expect((await tryToken('127.0.3.1', ADMIN_TOKEN)).status).toBe(200)
    for (let i = 0; i < 5; i++) expect((await tryToken('127.0.3.1', `guess-${i}`)).status).toBe(401)
  })

  it('the privacy page is never held up', async () => {
    for (let i = 0; i < 10; i++) await tryToken('127.0.4.1', `guess-${i}`)
    expect((await getFrom('127.0.4.1', `${server.url}/privacy`)).status).toBe(200)
  })
})

describe('the settings', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const config = parseConfig(argv, env, ROOT)
    if (config === 'help') throw new Error('help')
    return config
  }

  it('turn the server off with 0 or --no-http, and take the token from the environment only', () => {
    expect(parse(['--http-port', '0']).http).toBeUndefined()
    expect(parse([], { HTTP_PORT: '0' }).http).toBeUndefined()
    expect(parse(['--no-http']).http).toBeUndefined()
    const longToken = ADMIN_TOKEN.repeat(2)
    expect(parse([], { HTTP_PORT: '8080', HTTP_HOST: '0.0.0.0', ADMIN_TOKEN: longToken }).http).toEqual({
      port: 8080,
      host: '0.0.0.0',
      adminToken: longToken,
      explicit: true,
    })
    expect(parse([]).http).toEqual({ port: 3210, host: '127.0.0.1', explicit: false })
    expect(() => parse(['--admin-token', ADMIN_TOKEN])).toThrow(/Unknown option '--admin-token'/)
  })

  it('refuse a token short enough to guess, a port that is not one, and an address that is not a web address', () => {
    expect(() => parse([], { ADMIN_TOKEN: 'secret' })).toThrow(
      /ADMIN_TOKEN is too short to be safe \(6 characters, at least 16 needed\); make one with: node -e/,
    )
    expect(() => parse([], { ADMIN_TOKEN: 'secret' })).not.toThrow(/secret/)
    expect(() => parse(['--http-port', '99999'])).toThrow(/--http-port \(HTTP_PORT\) must be a port number from 1 to 65535, or 0/)
    expect(() => parse(['--http-port', 'web'])).toThrow(/must be a port number/)
    expect(() => parse([], { PUBLIC_URL: 'tienda.example' })).toThrow(/--public-url \(PUBLIC_URL\) must be the web address/)
    expect(parse(['--public-url', 'https://bot.tienda.example/']).publicUrl).toBe('https://bot.tienda.example')
  })
})

describe('what every answer carries', () => {
  it('forbids loading anything from anywhere, framing, sniffing and referrers', async () => {
    for (const [path, init] of [
      ['/privacy', {}],
      ['/admin', bearer(ADMIN_TOKEN)],
      ['/nowhere', {}],
      ['/admin', {}],
    ] as const) {
      const response = await get(path, init)
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
      expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    }
    const page = await (await get('/admin', bearer(ADMIN_TOKEN))).text()
    // Nothing for a browser to fetch: no script, no external style, font or image.
    expect(page).not.toMatch(/<script|<link rel="stylesheet"|@import|url\(|src="http/i)
  })

  it('keeps the dashboard and the exports out of any cache', async () => {
    for (const path of ['/admin', '/admin/export.csv?what=contacts', '/admin/export.json']) {
      expect((await get(path, bearer(ADMIN_TOKEN))).headers.get('cache-control')).toBe('no-store')
    }
  })
})

describe('the privacy page', () => {
  it("speaks the language asked for, else the browser's, else the bot's default", async () => {
    const lang = async (path: string, acceptLanguage?: string) =>
      (await get(path, acceptLanguage ? { headers: { 'Accept-Language': acceptLanguage } } : {})).headers.get('content-language')
    expect(await lang('/privacy')).toBe('es')
    expect(await lang('/privacy?lang=en')).toBe('en')
    expect(await lang('/privacy', 'en-GB,en;q=0.9')).toBe('en')
    expect(await lang('/privacy', 'fr-FR, en;q=0.5, es;q=0.8')).toBe('es')
    expect(await lang('/privacy?lang=es', 'en-US')).toBe('es')
    expect(await lang('/privacy?lang=fr')).toBe('es')
  })

  it("shows the owner's words as text, never as markup", async () => {
    const flowsDir = join(tempDir('consent-bot-flows-'), 'flows')
    cpSync(join(ROOT, 'flows'), flowsDir, { recursive: true })
    const policy = join(flowsDir, 'policy.yaml')
    writeFileSync(
      policy,
      readFileSync(policy, 'utf8').replace(/^ {2}name: .*$/m, '  name: "Tienda <b>Ejemplo</b> & <script>alert(1)</script>"'),
    )
    const owner = await openWebBot({ flowsDir })
    try {
      const page = await (await fetch(`${owner.url}/privacy`)).text()
      expect(page).toContain('<h1>Tienda &lt;b&gt;Ejemplo&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</h1>')
      expect(page).not.toMatch(/<b>|<script>/)
    } finally {
      await owner.close()
      removeDir(join(flowsDir, '..'))
    }
  })

  it("links INFO to the owner's own page when the policy names one, even with a public address set", async () => {
    const owner = await openWebBot({ publicUrl: 'https://bot.tienda.example' })
    try {
      await owner.chat(MX).say('hola')
      const replies = (await owner.chat(MX).say('info')).join('\n')
      expect(replies).toContain('https://tienda.example/privacidad')
      expect(replies).not.toContain('bot.tienda.example')
    } finally {
      await owner.close()
    }
  })
})

describe("the ledger key's fingerprint", () => {
  it('is on the privacy page, in both languages, and on the dashboard: the same npm run receipt prints', async () => {
    const id = readDatabase(web.dataDir).ledger[0]!.id
    // The owner's command beside the running bot, as a contact's receipt is made.
    const run = await runCli('receipt.ts', [id, '--data-dir', web.dataDir], ownerProject())
    expect(run.code, run.stderr).toBe(0)
    const fingerprint: string = JSON.parse(run.stdout).ledger.signingKeyFingerprint
    expect(fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/)

    const es = await (await get('/privacy?lang=es')).text()
    expect(es).toContain(`con la clave de huella <code class="fingerprint">${fingerprint}</code>. Cada comprobante`)
    const en = await (await get('/privacy?lang=en')).text()
    expect(en).toContain(`sealed with the key whose fingerprint is <code class="fingerprint">${fingerprint}</code>. Every receipt`)
    const admin = await (await get('/admin?lang=en', bearer(ADMIN_TOKEN))).text()
    expect(admin).toContain(`<p class="muted" id="ledger-key">Ledger signing key: ${fingerprint}. Publish it`)
    const adminEs = await (await get('/admin', bearer(ADMIN_TOKEN))).text()
    expect(adminEs).toContain(`<p class="muted" id="ledger-key">Clave que firma el libro de registros: ${fingerprint}. Publícala`)
  })
})

describe("the dashboard's language", () => {
  it("is the bot's default language (Spanish here), or the one asked for with ?lang=, never the browser's", async () => {
    const es = await get('/admin', { headers: { ...bearer(ADMIN_TOKEN).headers, 'Accept-Language': 'en-US,en;q=0.9' } })
    expect(es.headers.get('content-language')).toBe('es')
    const page = await es.text()
    expect(page).toContain('<html lang="es">')
    expect(page).toContain('Tienda Ejemplo: panel de consentimientos')
    // The owner's names, not the ids of the files.
    expect(page).toContain('<td>atender esta conversación y tus pedidos</td>')
    expect(page).toContain('<td>Correo electrónico</td>')
    expect(page).not.toMatch(/<td>(service|marketing|askMarketing|channelDetails|email|call)<\/td>/)

    const en = await get('/admin?lang=en', bearer(ADMIN_TOKEN))
    expect(en.headers.get('content-language')).toBe('en')
    expect(await en.text()).toContain('<td>answer this chat and your orders</td>')
    // A language the bot does not speak: the default.
    expect((await get('/admin?lang=fr', bearer(ADMIN_TOKEN))).headers.get('content-language')).toBe('es')
  })

  it('links to the page in the other language with the token it was opened with, and without one when it came in a header', async () => {
    const viaQuery = await (await get(`/admin?token=${ADMIN_TOKEN}`)).text()
    expect(viaQuery).toContain(`<a href="/admin?lang=en&amp;token=${ADMIN_TOKEN}" hreflang="en" lang="en">English</a>`)
    expect(viaQuery).toContain('<span aria-current="true" lang="es">Español</span>')
    const viaHeader = await (await get('/admin?lang=en', bearer(ADMIN_TOKEN))).text()
    expect(viaHeader).toContain('<a href="/admin?lang=es" hreflang="es" lang="es">Español</a>')
  })
})

describe('a store that cannot write', () => {
  it('opens the dashboard with a banner (what, since when, how many wait, what to do) until writing works again', async () => {
    // The store's fsyncs fail with ENOSPC while `full`; the engine's retries wait to be let go (no sleeps).
    let full = false
    const retries: (() => void)[] = []
    const owner = await openWebBot({
      adminToken: ADMIN_TOKEN,
      store: {
        onSync: () => {
          if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        },
      },
      waiting: {
        retryDelay: (_attempt, stopped) =>
          new Promise<void>((resolve) => {
            retries.push(resolve)
            stopped.addEventListener('abort', () => resolve(), { once: true })
          }),
      },
    })
    const admin = async () => {
      const response = await fetch(`${owner.url}/admin?lang=en`, bearer(ADMIN_TOKEN))
      expect(response.status).toBe(200)
      return response.text()
    }
    try {
      await owner.chat(MX).say('hola')
      expect(await admin()).not.toContain('store-fault')

      full = true
      owner.at('2026-11-22T09:30:00Z')
      for (const [from, id, body] of [
        [MX, 'fault-1', 'sí'],
        [ES, 'fault-2', 'hola'],
      ] as const)
        owner.provider.emit('message', { from, name: 'Ana', key: { id }, body } as never)
      await vi.waitFor(() => expect(retries).toHaveLength(2))
      const page = await admin()
      const banner = /<section id="store-fault"[\s\S]*?<\/section>/.exec(page)?.[0]
      expect(banner).toBeDefined()
      expect(page.indexOf('id="store-fault"')).toBeLessThan(page.indexOf('<h1>'))
      expect(banner).toContain('role="alert" data-reason="full"')
      expect(banner).toContain('The bot cannot save to its data folder')
      expect(banner).toContain('The disk is full. Since 2026-11-22 09:30 UTC.')
      expect(banner).toContain('Messages waiting to be saved: 2.')
      expect(banner).toContain('What to do: free some space on the disk that holds the data folder.')
      expect(owner.bot.engine.storeFault()).toEqual({ since: '2026-11-22T09:30:00.000Z', reason: 'full', waiting: 2 })

      // Still full: a retry fails again, and the banner stays, with the time it started.
      owner.at('2026-11-22T09:45:00Z')
      for (const retry of retries.splice(0)) retry()
      await vi.waitFor(() => expect(retries).toHaveLength(2))
      expect(await admin()).toContain('The disk is full. Since 2026-11-22 09:30 UTC.')

      full = false
      for (const retry of retries.splice(0)) retry()
      await owner.bot.settled()
      expect(owner.bot.engine.storeFault()).toBeUndefined()
      const after = await admin()
      expect(after).not.toContain('store-fault')
      expect(after).toContain('<td class="n" id="total-contacts">2</td>')
    } finally {
      full = false
      await owner.close()
    }
  })
})

describe('the exports', () => {
  it('gives either part as CSV and both as JSON, with the same rows', async () => {
    const contacts = await get('/admin/export.csv?what=contacts', bearer(ADMIN_TOKEN))
    expect(contacts.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(contacts.headers.get('content-disposition')).toMatch(/^attachment; filename="consent-contacts-\d{4}-\d{2}-\d{2}\.csv"$/)
    const rows = (await contacts.text()).trimEnd().split('\r\n')
    expect(rows).toHaveLength(1 + 5)
    // Phone numbers as text constants, which a spreadsheet keeps as typed.
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual([MX, ES, US, MX2, MX3].map((phone) => `"=""${phone}"""`))

    const xlsx = await get('/admin/export.xlsx?tz=America/Mexico_City', bearer(ADMIN_TOKEN))
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(xlsx.headers.get('content-disposition')).toMatch(/^attachment; filename="consent-export-\d{4}-\d{2}-\d{2}\.xlsx"$/)
    const book = XLSX.read(Buffer.from(await xlsx.arrayBuffer()))
    expect(book.SheetNames).toEqual(['Ledger', 'Contacts'])
    expect(book.Sheets.Contacts!.D1).toMatchObject({ v: 'first seen (local, America/Mexico_City)' })
    expect(book.Sheets.Contacts!.A2).toMatchObject({ t: 's', v: MX })

    const json = (await (await get('/admin/export.json', bearer(ADMIN_TOKEN))).json()) as {
      ledger: unknown[]
      contacts: { contact: string }[]
    }
    expect(json.ledger).toHaveLength(7)
    expect(json.contacts).toHaveLength(5)
    expect(json.contacts.find((c) => c.contact === ES)).toMatchObject({
      channel: { channel: 'telegram' },
      consents: { service: { state: 'given' }, marketing: { state: 'refused' } },
    })
  })

  it('takes since, and refuses what it cannot read', async () => {
    const since = (await (await get('/admin/export.json?since=2026-11-21', bearer(ADMIN_TOKEN))).json()) as { ledger: { event: string }[] }
    expect(since.ledger.map((r) => r.event)).toEqual(['given', 'refused', 'withdrawn'])
    for (const query of ['since=yesterday', 'since=2026-02-31', 'what=everything', 'tz=Mars/Olympus']) {
      const response = await get(`/admin/export.csv?${query}`, bearer(ADMIN_TOKEN))
      expect(response.status, query).toBe(400)
    }
  })
})

describe('the log', () => {
  it('names routes and statuses, never a token, a phone number or an answer', async () => {
    await get(`/admin?token=${ADMIN_TOKEN}`)
    await get('/admin?token=not-the-right-one-at-all')
    await get(`/${MX}`)
    const http = logLines.filter((line) => line.includes('"http.'))
    expect(http.length).toBeGreaterThan(3)
    expect(http.some((line) => line.includes('"route":"admin_unauthorized"'))).toBe(true)
    for (const line of logLines) {
      expect(line).not.toContain(ADMIN_TOKEN)
      expect(line).not.toContain('not-the-right-one')
      for (const phone of [MX, ES, US, MX2, MX3]) expect(line).not.toContain(phone)
      expect(line).not.toContain('ana@example.com')
    }
  })

  it('says what failed reading the data without quoting it', async () => {
    const lines: string[] = []
    const { createWebHandler } = await import('../../src/app/web/server.js')
    const { createServer } = await import('node:http')
    const files = await (await import('../../src/main/bot.js')).loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
    const handler = createWebHandler({
      policy: files.business.policy,
      flow: files.business.flow,
      texts: files.texts,
      defaultLanguage: 'es',
      adminToken: ADMIN_TOKEN,
      logger: createLogger('debug', (line) => lines.push(line)),
      // A damaged file: JSON.parse quotes the text around the fault in its message.
      reader: { read: async () => JSON.parse(`{"contacts": {"${MX}": x}}`), ledger: async function* () {} },
    })
    const server = createServer(handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/admin`, bearer(ADMIN_TOKEN))
      expect(response.status).toBe(500)
      expect(await response.text()).not.toContain(MX)
      expect(lines.join('')).toMatch(/"event":"http.failed".*"error":"SyntaxError"/)
      expect(lines.join('')).not.toContain(MX)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('with the bot', () => {
  it('keeps the bot running when the port is taken, and says so', async () => {
    const lines: string[] = []
    const port = web.bot.web!.address().port
    const { startBot } = await import('../../src/main/bot.js')
    const { RecordingProvider } = await import('../support/chat.js')
    const dataDir = tempDir()
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider: new RecordingProvider(),
      http: { port, host: '127.0.0.1' },
      logger: createLogger('info', (line) => lines.push(line)),
    })
    try {
      expect(bot.web).toBeUndefined()
      expect(lines.join('')).toMatch(/"event":"http.unavailable".*"code":"EADDRINUSE".*port \d+ is taken: set HTTP_PORT to a free one/)
    } finally {
      await bot.close()
      removeDir(dataDir)
    }
  })

  it('starts with npm start on the configured port, on this computer only, with the dashboard behind ADMIN_TOKEN', async () => {
    const port = await freePort()
    const dataDir = tempDir()
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(ROOT, 'src/main/start.ts'),
        '--data-dir',
        dataDir,
        '--http-port',
        String(port),
        '--log-level',
        'info',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production', ADMIN_TOKEN, HTTP_HOST: '', PUBLIC_URL: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    try {
      // The server's own log line says where it listens.
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = ''
        child.stderr.on('data', (chunk) => {
          stderr += chunk
          const match = /"event":"http.listening","url":"([^"]+)"/.exec(stderr)
          if (match) resolve(match[1]!)
        })
        child.on('exit', (code) => reject(new Error(`the bot exited (${code}) before listening: ${stderr}`)))
      })
      expect(url).toBe(`http://127.0.0.1:${port}`)
      expect((await fetch(`${url}/privacy`)).status).toBe(200)
      expect((await fetch(`${url}/admin`)).status).toBe(401)
      expect((await fetch(`${url}/admin`, bearer(ADMIN_TOKEN))).status).toBe(200)
    } finally {
      const exited = new Promise((resolve) => child.on('close', resolve))
      child.stdin.end()
      expect(await exited).toBe(0)
      removeDir(dataDir)
    }
  })
})
