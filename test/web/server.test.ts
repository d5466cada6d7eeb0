/**
 * The web server over plain HTTP: who is let in, what every answer carries, the edge cases a
 * browser does not try, and that it binds this computer only unless told otherwise.
 */
import { spawn } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/app/config.js'
import { createLogger } from '../../src/app/logger.js'
import { CONTENT_SECURITY_POLICY } from '../../src/app/web/server.js'
import { ES, MX, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { ADMIN_TOKEN, freePort, MX2, MX3, openWebBot, runScriptedConversations, type WebBot } from './support.js'

let web: WebBot
const logLines: string[] = []

beforeAll(async () => {
  web = await openWebBot({ adminToken: ADMIN_TOKEN, logger: createLogger('debug', (line) => logLines.push(line)) })
  await runScriptedConversations(web)
})
afterAll(() => web?.close())

const get = (path: string, init: RequestInit = {}) => fetch(`${web.url}${path}`, init)
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
    for (const init of wrong) {
      for (const path of ['/admin', '/admin/export.csv?what=ledger', '/admin/export.json']) {
        const response = await get(path, init)
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
    expect(parse([], { HTTP_PORT: '8080', HTTP_HOST: '0.0.0.0', ADMIN_TOKEN }).http).toEqual({
      port: 8080,
      host: '0.0.0.0',
      adminToken: ADMIN_TOKEN,
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

describe('the exports', () => {
  it('gives either part as CSV and both as JSON, with the same rows', async () => {
    const contacts = await get('/admin/export.csv?what=contacts', bearer(ADMIN_TOKEN))
    expect(contacts.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(contacts.headers.get('content-disposition')).toMatch(/^attachment; filename="consent-contacts-\d{4}-\d{2}-\d{2}\.csv"$/)
    const rows = (await contacts.text()).trimEnd().split('\r\n')
    expect(rows).toHaveLength(1 + 5)
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual([MX, ES, US, MX2, MX3])

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
    for (const query of ['since=yesterday', 'since=2026-02-31', 'what=everything']) {
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
