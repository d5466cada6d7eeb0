/**
 * The bot's small web server (Node's own `http`): the public /privacy page, and the owner's
 * /admin dashboard and exports behind a token.
 *
 * - Binds 127.0.0.1 unless told otherwise; GET and HEAD, and POST for the forms that pause and
 *   resume the bot in a chat (staff-actions.ts) and for /admin/campaigns (campaign-routes.ts: a
 *   campaign made, checked, paused, resumed), both behind the token; every other path is 404.
 * - A webhook (the Cloud API's, `/webhooks/whatsapp`), when given, is routed before everything
 *   else: public (Meta signs what it posts; the handler checks it), its own methods and answers,
 *   the only public path that takes POST.
 * - /admin without ADMIN_TOKEN configured does not exist (404); with it, a missing or wrong token
 *   is 401 and nothing else. Tokens are compared in constant time. Wrong tokens are slowed down
 *   per client address (wrong-tokens.ts): a few go free, then each costs a wait that doubles.
 * - Pages load nothing from anywhere (no script, no font, no CDN), and the Content-Security-Policy
 *   forbids it, so a page cannot leak who opened it; a form may post back to this server only.
 * - Logs name the route and status, never the query (it may carry the token) or any data.
 * - The data is read once per page or download; the bot's messages keep flowing in between.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Flow } from '../../domain/flow.js'
import type { Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import type { ConsentReader } from '../../ports/consent-reader.js'
import type { ConsentData } from '../../ports/consent-store.js'
import type { StoreFault } from '../engine.js'
import type { Texts } from '../../ports/texts.js'
import { silentLogger, type Logger } from '../logger.js'
import { AdminAuth } from './admin-auth.js'
import { EXPORT_PATHS, exportReply } from './admin-exports.js'
import { adminPage } from './admin-page.js'
import { CAMPAIGNS_PATH, campaignRoute, type CampaignControl } from './campaign-routes.js'
import { dashboardNames } from './dashboard-names.js'
import { allNumbersPage, chooseNumber, numberRow, readNumber, UNKNOWN_NUMBER, type WebNumbers } from './numbers.js'
import { pageTexts } from '../page-texts.js'
import { NOT_FOUND, type Reply, type Routed, SECURITY_HEADERS, text } from './http-reply.js'
import { earlierNoticePage, noticeVersions, pickLanguage, privacyPage } from './privacy-page.js'
import { CHAT_ACTIONS, chatAction, type ChatSteering } from './staff-actions.js'
import { clientAddress, WrongTokens, type WrongTokenOptions } from './wrong-tokens.js'

export { CONTENT_SECURITY_POLICY } from './http-reply.js'
export type { ChatSteering } from './staff-actions.js'
export type { WebNumbers } from './numbers.js'

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
  /**
   * Pausing and resuming the bot in one chat (the running engine: `chats: engine`); with it the
   * dashboard shows a button per chat handed to a person, and POST /admin/chats/* works.
   */
  chats?: ChatSteering
  /** The zone the dashboard writes the chats' local times in (default: this computer's). */
  timeZone?: string
  /**
   * The other numbers of the same database (PostgreSQL only): the dashboard links to them,
   * `?number=<name>` shows one (read through its own reader), `?number=*` all of them in one table.
   * Pause and resume stay with the serving bot's own number.
   */
  numbers?: WebNumbers
  /** A provider's webhook (the Cloud API's `cloud.webhook`): its handler answers `path` itself, before any other route. */
  webhook?: WebhookRoute
  /** The number's notice campaigns (the running bot's): their panel on the dashboard, and /admin/campaigns for `npm run campaign`. */
  campaigns?: CampaignControl
}

export interface WebhookRoute {
  path: string
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>
}

export interface WebServer {
  /** Where it listens, e.g. `http://127.0.0.1:3210`. */
  readonly url: string
  address(): AddressInfo
  close(): Promise<void>
}

/** How long /privacy's list of versions is served from one read of the data. */
const NOTICES_FRESH_MS = 5_000
const ONLY_GET = text(405, 'Only GET and HEAD', { Allow: 'GET, HEAD' })

export function createWebHandler(options: WebOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const log = options.logger ?? silentLogger
  const clock = options.clock ?? (() => new Date())
  const wrongTokens = new WrongTokens(options.wrongTokens)
  const adminAuth = options.adminToken ? new AdminAuth(options.adminToken, wrongTokens) : undefined
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

  const route = async (request: IncomingMessage, url: URL): Promise<Routed> => {
    const path = url.pathname
    if (request.method === 'POST' && !CHAT_ACTIONS.has(path) && !path.startsWith(`${CAMPAIGNS_PATH}`))
      return { name: 'method_not_allowed', reply: ONLY_GET }
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
    if (!adminAuth) return { name: 'admin_off', reply: NOT_FOUND }
    const wait = wrongTokens.waitFor(clientAddress(request))
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000))
      return {
        name: 'admin_throttled',
        reply: text(429, `Too many wrong tokens from your address: try again in ${seconds} s.`, { 'Retry-After': seconds }),
      }
    }
    const auth = adminAuth.authorized(request, url)
    if (!auth.ok) {
      return {
        name: 'admin_unauthorized',
        reply: text(401, 'Unauthorized: open /admin?token=<ADMIN_TOKEN>, or send Authorization: Bearer <ADMIN_TOKEN>.', {
          'WWW-Authenticate': 'Bearer realm="consent-bot admin"',
        }),
      }
    }
    if (path === CAMPAIGNS_PATH || path.startsWith(`${CAMPAIGNS_PATH}/`) || path === `${CAMPAIGNS_PATH}.json`)
      return campaignRoute({ request, url, auth, adminAuth, campaigns: options.campaigns, log })
    const action = CHAT_ACTIONS.get(path)
    if (action) {
      if (request.method !== 'POST') return { name: `chats_${action}`, reply: text(405, 'Only POST', { Allow: 'POST' }) }
      const reply = await chatAction({ request, url, action, auth, adminAuth, chats: options.chats })
      return { name: `chats_${action}`, reply }
    }
    if (path === '/admin') {
      // The owner's language (DEFAULT_LANGUAGE), or the one asked for with ?lang=; never the browser's guess.
      const language = pickLanguage(url.searchParams.get('lang'), undefined, options.defaultLanguage)
      const token = auth.viaQuery ? url.searchParams.get('token')! : undefined
      const numbers = options.numbers
      const choice = numbers ? await chooseNumber(numbers, url.searchParams.get('number')) : undefined
      if (choice?.kind === 'unknown') return { name: 'admin_number_unknown', reply: text(404, UNKNOWN_NUMBER) }
      const page = (body: string) => ({
        status: 200,
        type: 'text/html; charset=utf-8',
        body,
        headers: { 'Cache-Control': 'no-store', 'Content-Language': language },
      })
      const href = (name: string) =>
        `/admin?${[`number=${encodeURIComponent(name)}`, `lang=${language}`, token ? `token=${encodeURIComponent(token)}` : ''].filter(Boolean).join('&')}`
      if (numbers && choice?.kind === 'all') {
        const now = clock()
        const rows = []
        // One number after another: a reader's connections are held for one read only.
        for (const name of choice.names) {
          const data = name === numbers.current ? await options.reader.read() : await readNumber(numbers, name, (r) => r.read())
          rows.push(numberRow(name, data, options.policy, now))
        }
        const body = allNumbersPage(
          {
            business: options.policy.controller.name,
            language,
            rows,
            nav: { shown: '*', current: numbers.current, names: choice.names, href },
            names: dashboardNames(options.texts, language, options.flow, options.policy),
            readAt: now,
          },
          pageTexts(options.texts, language),
        )
        return { name: 'admin_numbers', reply: page(body) }
      }
      const other = numbers && choice?.kind === 'other' ? choice.name : undefined
      // Another number: its data and its ledger key through a reader of its own; its bot's state and buttons are its own.
      const shown = other
        ? await readNumber(numbers!, other, async (reader) => ({
            data: await reader.read(),
            ledgerKey: await reader
              .seals?.()
              .then((seals) => seals.key?.fingerprint)
              .catch(() => undefined),
          }))
        : { data: await options.reader.read(), ledgerKey: options.ledgerKey }
      const body = adminPage({
        data: shown.data,
        now: clock(),
        language,
        token,
        policy: options.policy,
        flow: options.flow,
        texts: options.texts,
        ledgerKey: shown.ledgerKey,
        storeFault: other ? undefined : options.storeFault?.(),
        csrf: options.chats && !other ? adminAuth.csrf : undefined,
        timeZone: options.timeZone,
        numbers: numbers && choice ? { shown: other ?? numbers.current, current: numbers.current, names: choice.names } : undefined,
        campaigns: other ? undefined : await options.campaigns?.list(),
      })
      return { name: other ? 'admin_number' : 'admin', reply: page(body) }
    }
    if (EXPORT_PATHS.has(path)) {
      const asked = url.searchParams.get('number')
      const numbers = options.numbers
      if (numbers && asked !== null && asked !== '' && asked !== numbers.current) {
        const choice = await chooseNumber(numbers, asked)
        if (choice.kind !== 'other') return { name: 'export_number_unknown', reply: text(404, UNKNOWN_NUMBER) }
        const reply = await readNumber(numbers, choice.name, (reader) => exportReply(url, reader, options.policy, clock()))
        return { name: 'export_number', reply }
      }
      const campaigns = options.campaigns
      return {
        name: 'export',
        reply: await exportReply(url, options.reader, options.policy, clock(), campaigns && (() => campaigns.list())),
      }
    }
    return { name: 'not_found', reply: NOT_FOUND }
  }

  const webhook = options.webhook
  /** Whether the request is for the webhook's path (whatever its query: Meta's verification has one). */
  const forWebhook = (request: IncomingMessage) => {
    if (!webhook || !request.url?.startsWith('/')) return false
    const end = request.url.indexOf('?')
    return (end === -1 ? request.url : request.url.slice(0, end)) === webhook.path
  }
  /** The webhook's handler answers; a failure it leaves unanswered is a 500 without details. */
  const toWebhook = async (request: IncomingMessage, response: ServerResponse, started: number) => {
    try {
      await webhook!.handle(request, response)
    } catch (error) {
      log.error('http.failed', { route: 'webhook', error: (error as Error)?.name ?? 'Error' })
      if (!response.headersSent) {
        const failed = text(500, 'Something went wrong')
        response.writeHead(failed.status, { ...SECURITY_HEADERS, 'Content-Type': failed.type })
        response.end(failed.body)
      } else response.end()
    }
    const ms = Math.round(performance.now() - started)
    log.debug('http.request', { method: request.method, route: 'webhook', status: response.statusCode, ms })
  }

  return async (request, response) => {
    const started = performance.now()
    if (forWebhook(request)) return toWebhook(request, response, started)
    let name = 'bad_request'
    let reply: Reply
    try {
      // POST reaches the router: only the admin forms take it, after the token is checked.
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') {
        name = 'method_not_allowed'
        reply = ONLY_GET
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
