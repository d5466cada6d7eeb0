/**
 * The bot's small web server (Node's own `http`): the public /privacy page, and the owner's
 * /admin dashboard and exports behind a token.
 *
 * - Binds 127.0.0.1 unless told otherwise; GET and HEAD only; every other path is 404.
 * - /admin without ADMIN_TOKEN configured does not exist (404); with it, a missing or wrong token
 *   is 401 and nothing else. Tokens are compared in constant time. Wrong tokens are slowed down
 *   per client address (wrong-tokens.ts): a few go free, then each costs a wait that doubles.
 * - Pages load nothing from anywhere (no script, no font, no CDN), and the Content-Security-Policy
 *   forbids it, so a page cannot leak who opened it.
 * - Logs name the route and status, never the query (it may carry the token) or any data.
 * - The data is read once per page or download; the bot's messages keep flowing in between.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Flow } from '../../domain/flow.js'
import { LANGUAGES, type Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentReader } from '../../ports/consent-reader.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { StoreFault } from '../engine.js'
import type { Texts } from '../../ports/texts.js'
import { pageTexts } from '../page-texts.js'
import { exportCsv, exportJson, isTimeZone, parseSince, type ExportPart } from '../export.js'
import { exportXlsx } from '../export-xlsx.js'
import { silentLogger, type Logger } from '../logger.js'
import { clientAddress, WrongTokens, type WrongTokenOptions } from './wrong-tokens.js'
import { dashboardNames, dashboardPage, dashboardStats } from './dashboard.js'
import { earlierNoticePage, noticeVersions, pickLanguage, privacyPage } from './privacy-page.js'

export interface WebOptions {
  /** Where the dashboard and downloads read the data (in turns, so the bot goes on answering). */
  reader: ConsentReader
  policy: Policy
  flow: Flow
  texts: Texts
  defaultLanguage: Language
  /** The owner's token for /admin; without it, /admin is off. */
  adminToken?: string
  logger?: Logger
  clock?: () => Date
  /** How wrong admin tokens are slowed down; the clock is in milliseconds (default: performance.now). */
  wrongTokens?: WrongTokenOptions
  /** The fingerprint of the key that seals the ledger (shown on /privacy and /admin, as on every receipt). */
  ledgerKey?: string
  /** Whether the store refuses writes right now (asked on every dashboard view: the banner shows while it does). */
  storeFault?: () => StoreFault | undefined
}

export interface WebServer {
  /** Where it listens, e.g. `http://127.0.0.1:3210`. */
  readonly url: string
  address(): AddressInfo
  close(): Promise<void>
}

/** Pages may use their own inline styles and data: images, and nothing else at all. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
} as const

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

interface Reply {
  status: number
  type: string
  body: string | Buffer
  headers?: Record<string, string>
}

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  type: 'text/plain; charset=utf-8',
  body: `${body}\n`,
  ...(headers ? { headers } : {}),
})
const NOT_FOUND = text(404, 'Not found')
/** How long /privacy's list of versions is served from one read of the data. */
const NOTICES_FRESH_MS = 5_000

export function createWebHandler(options: WebOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const log = options.logger ?? silentLogger
  const clock = options.clock ?? (() => new Date())
  // Only a digest of the token is kept; comparing digests keeps lengths equal for timingSafeEqual.
  const tokenDigest = options.adminToken ? digest(options.adminToken) : undefined
  const wrongTokens = new WrongTokens(options.wrongTokens)
  // The notices the ledger refers to, for /privacy's versions: read at most every few seconds
  // (a public page must not make the bot read all its data on every hit).
  let noticesRead: { at: number; notices: Promise<ConsentData['notices']> } | undefined
  const notices = () => {
    const now = performance.now()
    if (!noticesRead || now - noticesRead.at > NOTICES_FRESH_MS) {
      const read = options.reader.read().then((data) => data.notices)
      noticesRead = { at: now, notices: read }
      read.catch(() => {
        if (noticesRead?.notices === read) noticesRead = undefined
      })
    }
    return noticesRead.notices
  }

  const authorized = (request: IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const header = request.headers.authorization
    const bearer = header && /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim()
    const given = bearer || url.searchParams.get('token')
    if (!given || !tokenDigest) return { ok: false, viaQuery: false }
    const ok = timingSafeEqual(digest(given), tokenDigest)
    if (ok) wrongTokens.succeeded(clientAddress(request))
    else wrongTokens.failed(clientAddress(request))
    return { ok, viaQuery: !bearer }
  }

  const route = async (request: IncomingMessage, url: URL): Promise<{ name: string; reply: Reply }> => {
    const path = url.pathname
    if (path === '/privacy') {
      const language = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language'], options.defaultLanguage)
      // The earlier versions come from the ledger's notices; the notice itself never waits on them.
      const versions = await notices().then(noticeVersions, (error: unknown) => {
        log.error('http.failed', { route: 'privacy_versions', error: (error as Error)?.name ?? 'Error' })
        return []
      })
      return {
        name: 'privacy',
        reply: {
          status: 200,
          type: 'text/html; charset=utf-8',
          body: privacyPage(options.policy, options.texts, language, options.ledgerKey, versions),
          headers: { 'Content-Language': language, Vary: 'Accept-Language', 'Cache-Control': 'no-cache' },
        },
      }
    }
    if (path.startsWith('/privacy/')) {
      // An earlier version, read-only: the exact texts the ledger's records refer to.
      let version: string
      try {
        version = decodeURIComponent(path.slice('/privacy/'.length))
      } catch {
        return { name: 'privacy_version', reply: NOT_FOUND }
      }
      const kept = Object.entries(await notices())
        .filter(([, n]) => n.policyVersion === version)
        .map(([hash, n]) => ({ hash, ...n }))
      if (!version || kept.length === 0) return { name: 'privacy_version', reply: NOT_FOUND }
      const language = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language'], options.defaultLanguage)
      return {
        name: 'privacy_version',
        reply: {
          status: 200,
          type: 'text/html; charset=utf-8',
          body: earlierNoticePage(kept, options.policy.controller.name, options.texts, language),
          headers: { 'Content-Language': language, Vary: 'Accept-Language', 'Cache-Control': 'no-cache' },
        },
      }
    }
    if (path !== '/admin' && !path.startsWith('/admin/')) return { name: 'not_found', reply: NOT_FOUND }
    // Without a configured token the admin pages do not exist, rather than being guessable.
    if (!tokenDigest) return { name: 'admin_off', reply: NOT_FOUND }
    const wait = wrongTokens.waitFor(clientAddress(request))
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000))
      return {
        name: 'admin_throttled',
        reply: text(429, `Too many wrong tokens from your address: try again in ${seconds} s.`, { 'Retry-After': seconds }),
      }
    }
    const auth = authorized(request, url)
    if (!auth.ok) {
      return {
        name: 'admin_unauthorized',
        reply: text(401, 'Unauthorized: open /admin?token=<ADMIN_TOKEN>, or send Authorization: Bearer <ADMIN_TOKEN>.', {
          'WWW-Authenticate': 'Bearer realm="consent-bot admin"',
        }),
      }
    }
    const noStore = { 'Cache-Control': 'no-store' }
    if (path === '/admin') {
      const data = await options.reader.read()
      const now = clock()
      // Links opened from the page carry the token the page was opened with (a header does not follow a link).
      const token = auth.viaQuery ? `token=${encodeURIComponent(url.searchParams.get('token')!)}` : ''
      const link = (to: string, query = '') => {
        const search = [query, token].filter(Boolean).join('&')
        return search ? `${to}?${search}` : to
      }
      // The owner's language (DEFAULT_LANGUAGE), or the one asked for with ?lang=; never the browser's guess.
      const language = pickLanguage(url.searchParams.get('lang'), undefined, options.defaultLanguage)
      const t = pageTexts(options.texts, language)
      const body = dashboardPage(
        dashboardStats(data, options.flow, options.policy),
        options.policy.controller.name,
        now,
        {
          ledgerCsv: link('/admin/export.csv', 'what=ledger'),
          contactsCsv: link('/admin/export.csv', 'what=contacts'),
          json: link('/admin/export.json'),
          xlsx: link('/admin/export.xlsx'),
        },
        t,
        { ledgerKey: options.ledgerKey, storeFault: options.storeFault?.() },
        {
          language,
          names: dashboardNames(options.texts, language, options.flow, options.policy),
          languages: LANGUAGES.map((l) => ({
            language: l,
            name: pageTexts(options.texts, l)('privacy.languageName'),
            href: link('/admin', `lang=${l}`),
          })),
        },
      )
      return {
        name: 'admin',
        reply: { status: 200, type: 'text/html; charset=utf-8', body, headers: { ...noStore, 'Content-Language': language } },
      }
    }
    if (path === '/admin/export.csv' || path === '/admin/export.json' || path === '/admin/export.xlsx') {
      const sinceText = url.searchParams.get('since')
      const since = sinceText ? parseSince(sinceText) : undefined
      if (sinceText && !since)
        return { name: 'export', reply: text(400, 'since must be a day like 2026-11-01 or a moment like 2026-11-01T09:30:00Z') }
      const what = url.searchParams.get('what') ?? (path.endsWith('.csv') ? 'ledger' : 'both')
      const parts: ExportPart[] | undefined =
        what === 'ledger' || what === 'contacts' ? [what] : what === 'both' && !path.endsWith('.csv') ? ['ledger', 'contacts'] : undefined
      if (!parts)
        return {
          name: 'export',
          reply: text(400, path.endsWith('.csv') ? 'what must be ledger or contacts' : 'what must be ledger, contacts or both'),
        }
      // The local-time columns' zone: the machine's, or ?tz=America/Mexico_City.
      const timeZone = url.searchParams.get('tz') ?? undefined
      if (timeZone !== undefined && !isTimeZone(timeZone))
        return { name: 'export', reply: text(400, 'tz must be a time zone like America/Mexico_City or UTC') }
      const data = await options.reader.read()
      const now = clock()
      const day = now.toISOString().slice(0, 10)
      const range = { ...(since ? { since } : {}), ...(timeZone ? { timeZone } : {}) }
      if (path.endsWith('.xlsx')) {
        const body = await exportXlsx(data, parts, { ...range, purposes: options.policy.purposes.map((p) => p.id) })
        const file = `consent-${parts.length > 1 ? 'export' : parts[0]}-${day}.xlsx`
        return {
          name: 'export',
          reply: {
            status: 200,
            type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            body,
            headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` },
          },
        }
      }
      const file = path.endsWith('.csv')
        ? `consent-${parts[0]}-${day}.csv`
        : `consent-${parts.length > 1 ? 'export' : parts[0]}-${day}.json`
      const body = path.endsWith('.csv')
        ? exportCsv(data, parts[0]!, { ...range, purposes: options.policy.purposes.map((p) => p.id) })
        : exportJson(data, parts, { ...range, exportedAt: now })
      const type = path.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8'
      return {
        name: 'export',
        reply: { status: 200, type, body, headers: { ...noStore, 'Content-Disposition': `attachment; filename="${file}"` } },
      }
    }
    return { name: 'not_found', reply: NOT_FOUND }
  }

  return async (request, response) => {
    const started = performance.now()
    let name = 'bad_request'
    let reply: Reply
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        name = 'method_not_allowed'
        reply = text(405, 'Only GET and HEAD', { Allow: 'GET, HEAD' })
      } else if (!request.url?.startsWith('/')) {
        reply = text(400, 'Bad request')
      } else {
        ;({ name, reply } = await route(request, new URL(`http://localhost${request.url}`)))
      }
    } catch (error) {
      // The error's message may quote the data (a JSON parse error does): log its kind only.
      log.error('http.failed', { route: name, error: (error as Error)?.name ?? 'Error', code: (error as NodeJS.ErrnoException)?.code })
      reply = text(500, 'Something went wrong reading the data; the bot log says more.')
    }
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body
    response.writeHead(reply.status, {
      ...SECURITY_HEADERS,
      'Content-Type': reply.type,
      'Content-Length': String(body.length),
      ...reply.headers,
    })
    response.end(request.method === 'HEAD' ? undefined : body)
    log.debug('http.request', { method: request.method, route: name, status: reply.status, ms: Math.round(performance.now() - started) })
  }
}

/** Starts listening; rejects if the port cannot be had (in use, not allowed). */
export async function startWebServer(options: WebOptions, listen: { port: number; host: string }): Promise<WebServer> {
  const server: Server = createServer(createWebHandler(options))
  // A slow or stalled client gives up its connection instead of holding it open.
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${address.port}`,
    address: () => address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Browsers keep connections alive; they must not hold the bot's shutdown.
        server.closeAllConnections()
      })
      return closing
    },
  }
}
