/**
 * /admin/campaigns: the running bot's notice campaigns, for `npm run campaign` (a script with the
 * admin token in a header) and the dashboard's pause and resume buttons (a form with its token).
 *
 * - `POST /admin/campaigns` (JSON, scripts only): makes a plan from the owner's list as the
 *   command read it; a dry run answers with the summary and keeps nothing, otherwise the campaign
 *   is kept and started, and the summary names its id.
 * - `GET /admin/campaigns.json`, `GET /admin/campaigns/<id>.json`: the figures (progress bar, panel).
 * - `POST /admin/campaigns/<id>/pause`, `…/resume` (`…/latest/resume`: the newest stopped one).
 * - `POST /admin/campaigns/upload` (the dashboard's form, multipart): the owner's CSV, read as the
 *   command reads it and checked as a dry run; the page shows the summary and, when anyone is to
 *   be written to, a Start button that posts only the kept list's token to `…/upload/start`,
 *   which starts the campaign and comes back to the panel.
 *
 * Only the running bot sends: the command hands the list to it, so two processes never write to
 * the same clients, and the pace is the one sender's.
 */
import type { IncomingMessage } from 'node:http'
import type { CampaignProgress } from '../../domain/campaign.js'
import type { Language } from '../../domain/language.js'
import type { Logger } from '../../ports/logger.js'
import type { Texts } from '../../ports/texts.js'
import type { PlanRequest, PlanSummary } from '../campaign-plan.js'
import { pageTexts } from '../page-texts.js'
import { type AdminAuth, type Authorized, fromOwnPage } from './admin-auth.js'
import { checkPage, type ListCheck, problemPage, type RefusalReason, type UploadFrame, type UploadProblem } from './campaign-upload-page.js'
import { text, type Reply } from './http-reply.js'
import { pickLanguage } from './privacy-page.js'

export type { ListCheck, RefusalReason } from './campaign-upload-page.js'

export const CAMPAIGNS_PATH = '/admin/campaigns'

/** What the running bot does with campaigns (src/main wires the runner and the store behind it). */
export interface CampaignControl {
  /** Every campaign of the number, newest first, with its figures. */
  list(): Promise<CampaignProgress[]>
  get(id: string): Promise<CampaignProgress | undefined>
  /** Throws CampaignRefused with a line for the owner (a pace above the safe one without --faster, no template…). */
  plan(request: PlanRequest): Promise<PlanSummary>
  /** `latest`: the newest campaign not done. Throws CampaignRefused (none, another runs, done). */
  resume(id: string): Promise<CampaignProgress>
  pause(id: string, reason: string): Promise<CampaignProgress>
  /** Lists uploaded on the dashboard (the running bot's, src/main/campaign-upload.ts); absent: the form answers 501. */
  uploads?: ListUploads
}

/** The owner's list as the dashboard's form uploads it, with its choices (the command's --known, --faster). */
export interface ListUpload {
  /** The file as the browser sent it. */
  bytes: Uint8Array
  /** Its name on the owner's computer: named in its problems, on the panel and in the export. */
  fileName: string
  includeKnown: boolean
  faster: boolean
}

/**
 * Lists uploaded on the dashboard, read as `npm run campaign` reads a file. A checked list is
 * kept a while under a random token, in memory only, so the Start button posts the token alone.
 */
export interface ListUploads {
  /** What the pages of an upload are written with. */
  readonly pages: { texts: Texts; defaultLanguage: Language; business: string; timeZone?: string | undefined }
  /** How long a checked list is kept to be started. */
  readonly keptMinutes: number
  /** A dry run of the list. Throws UnreadableList, or CampaignRefused (a pace above the safe one, no template). */
  check(upload: ListUpload): Promise<ListCheck>
  /** Starts the campaign of a checked list (again: the same answer). Throws CampaignRefused (gone, busy…). */
  start(listToken: string): Promise<PlanSummary>
}

/** A campaign request the bot will not carry out, with one line that says why and what to do. */
export class CampaignRefused extends Error {
  override name = 'CampaignRefused'
  constructor(
    message: string,
    readonly status = 409,
    /** What the dashboard's pages say it with, in the owner's language. */
    readonly reason?: RefusalReason,
  ) {
    super(message)
  }
}

/** An uploaded list that cannot be read as a list at all: each line is `file:line: what is wrong, and how to mend it`. */
export class UnreadableList extends Error {
  override name = 'UnreadableList'
  constructor(readonly lines: string[]) {
    super(lines.join('\n'))
  }
}

/** A list of 100,000 clients as JSON is a few MB; anything far bigger is not the command's. */
const MAX_PLAN_BYTES = 32 * 1024 * 1024
const MAX_FORM_BYTES = 4096
/** A list of 100,000 clients as a spreadsheet saves it is about 4 MB. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
const UPLOAD_PATH = `${CAMPAIGNS_PATH}/upload`
const LIST_TOKEN = /^[A-Za-z0-9_-]{16,64}$/
const ID = /^[a-z0-9-]{1,64}$/
const OTHER_SITE = 'Forbidden: this form may be sent from the dashboard only, not from another site.'
const BAD_CSRF = "Forbidden: the form's token is missing or wrong. Reload the dashboard and try again."

const json = (status: number, value: unknown): Reply => ({
  status,
  type: 'application/json; charset=utf-8',
  body: `${JSON.stringify(value)}\n`,
  headers: { 'Cache-Control': 'no-store' },
})

export interface CampaignRouteContext {
  request: IncomingMessage
  url: URL
  auth: Authorized
  adminAuth: AdminAuth
  campaigns: CampaignControl | undefined
  log: Logger
}

export async function campaignRoute(context: CampaignRouteContext): Promise<{ name: string; reply: Reply }> {
  const { request, url, campaigns } = context
  const path = url.pathname
  if (!campaigns)
    return { name: 'campaigns_off', reply: text(501, 'This server runs no campaigns: it was started without the bot to send them.') }
  try {
    if (path === `${CAMPAIGNS_PATH}.json`) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return { name: 'campaigns', reply: onlyGet }
      return { name: 'campaigns', reply: json(200, await campaigns.list()) }
    }
    if (path === CAMPAIGNS_PATH) {
      if (request.method !== 'POST') return { name: 'campaign_plan', reply: text(405, 'Only POST', { Allow: 'POST' }) }
      return { name: 'campaign_plan', reply: await plan(context, campaigns) }
    }
    if (path === UPLOAD_PATH || path === `${UPLOAD_PATH}/start`) {
      const step = path === UPLOAD_PATH ? 'check' : 'start'
      const name = `campaign_upload_${step}`
      if (request.method !== 'POST') return { name, reply: text(405, 'Only POST', { Allow: 'POST' }) }
      return { name, reply: await upload(context, campaigns, step) }
    }
    const one = new RegExp(`^${CAMPAIGNS_PATH}/([^/]+)\\.json$`).exec(path)
    if (one) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return { name: 'campaign', reply: onlyGet }
      const progress = ID.test(one[1]!) ? await campaigns.get(one[1]!) : undefined
      return {
        name: 'campaign',
        reply: progress ? json(200, progress) : text(404, 'No campaign with that id: GET /admin/campaigns.json lists them.'),
      }
    }
    const step = new RegExp(`^${CAMPAIGNS_PATH}/([^/]+)/(pause|resume)$`).exec(path)
    if (step) {
      const action = step[2] as 'pause' | 'resume'
      if (request.method !== 'POST') return { name: `campaign_${action}`, reply: text(405, 'Only POST', { Allow: 'POST' }) }
      return { name: `campaign_${action}`, reply: await steer(context, campaigns, step[1]!, action) }
    }
    return { name: 'campaign_unknown', reply: text(404, 'Not found') }
  } catch (error) {
    if (error instanceof CampaignRefused) return { name: 'campaign_refused', reply: text(error.status, error.message) }
    throw error
  }
}

const onlyGet = text(405, 'Only GET and HEAD', { Allow: 'GET, HEAD' })

/** The command's list, as JSON; a browser's form may not make a campaign (nothing on the dashboard posts one). */
async function plan({ request, auth }: CampaignRouteContext, campaigns: CampaignControl): Promise<Reply> {
  if (!auth.script) return text(403, 'Forbidden: a campaign is made with npm run campaign (the admin token in an Authorization header).')
  if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== 'application/json')
    return text(415, 'Send the plan as application/json.')
  const body = await readBody(request, MAX_PLAN_BYTES)
  if (body === undefined) return text(413, `The list is larger than ${MAX_PLAN_BYTES / 1024 / 1024} MB: split it into several campaigns.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return text(400, 'Bad request: the body is not JSON.')
  }
  const problem = planProblem(parsed)
  if (problem) return text(400, `Bad request: ${problem}.`)
  return json(200, await campaigns.plan(parsed as PlanRequest))
}

/** What is wrong with a plan request, if anything (it comes from our own command, but is checked all the same). */
function planProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'the body must be an object'
  const r = value as Record<string, unknown>
  if (typeof r.source !== 'string') return 'source must be a string'
  if (!Array.isArray(r.clients)) return 'clients must be a list'
  for (const c of r.clients as unknown[]) {
    const client = c as Record<string, unknown> | null
    if (typeof client !== 'object' || client === null || typeof client.phone !== 'string' || !/^\d{5,20}$/.test(client.phone))
      return 'each client needs phone: digits with the country code'
    if (typeof client.line !== 'number') return 'each client needs its line'
    if (client.language !== undefined && client.language !== 'es' && client.language !== 'en') return 'a client language must be es or en'
  }
  if (!Array.isArray(r.invalid)) return 'invalid must be a list'
  if (!Array.isArray(r.doNotContact) || !(r.doNotContact as unknown[]).every((n) => typeof n === 'string'))
    return 'doNotContact must be a list of numbers'
  for (const flag of ['includeKnown', 'faster', 'dryRun']) if (typeof r[flag] !== 'boolean') return `${flag} must be true or false`
  return undefined
}

/** Pause or resume: the command (a script, JSON back) or the dashboard's button (a form, back to the panel). */
async function steer(
  { request, url, auth, adminAuth }: CampaignRouteContext,
  campaigns: CampaignControl,
  id: string,
  action: 'pause' | 'resume',
): Promise<Reply> {
  if (!ID.test(id)) return text(404, 'No campaign with that id: GET /admin/campaigns.json lists them.')
  if (!auth.script) {
    if (!fromOwnPage(request)) return text(403, OTHER_SITE)
    const body = await readBody(request, MAX_FORM_BYTES)
    if (body === undefined) return text(413, 'The form is too large.')
    if (!adminAuth.csrfMatches(new URLSearchParams(body.toString('utf8')).get('csrf') ?? undefined)) return text(403, BAD_CSRF)
  } else {
    request.resume()
  }
  const by = auth.script ? 'the command line' : 'the dashboard'
  const progress = action === 'pause' ? await campaigns.pause(id, `paused from ${by}`) : await campaigns.resume(id)
  if (auth.script) return json(200, progress)
  return backToPanel(url, auth, action === 'pause' ? 'Paused. Back to /admin.' : 'Resumed. Back to /admin.')
}

/** The query a form's page keeps: its language, and the token it was opened with (a header does not follow a link). */
function keptQuery(url: URL, auth: Authorized): string {
  const query = new URLSearchParams()
  const language = url.searchParams.get('lang')
  if (language) query.set('lang', language)
  if (auth.viaQuery) query.set('token', url.searchParams.get('token')!)
  return query.size ? `?${query}` : ''
}

const backToPanel = (url: URL, auth: Authorized, words: string): Reply =>
  text(303, words, { Location: `/admin${keptQuery(url, auth)}#campaigns` })

const contentType = (request: IncomingMessage) => request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()

/**
 * The dashboard's upload: `check` reads the owner's file (multipart, at most 10 MB) and shows the
 * dry run's page; `start` starts the list kept under the posted token and comes back to the panel.
 * From the dashboard's own page with its form token, or a script with the admin token.
 */
async function upload(context: CampaignRouteContext, campaigns: CampaignControl, step: 'check' | 'start'): Promise<Reply> {
  const { request, url, auth, adminAuth } = context
  const uploads = campaigns.uploads
  if (!uploads) return text(501, 'This server takes no list from the dashboard: use npm run campaign -- --contacts clients.csv.')
  // Another site's page is refused even with the token in a header; a script names no page at all.
  if (!fromOwnPage(request)) return text(403, OTHER_SITE)
  const { texts, defaultLanguage, business, timeZone } = uploads.pages
  const language = pickLanguage(url.searchParams.get('lang'), undefined, defaultLanguage)
  const t = pageTexts(texts, language)
  const query = keptQuery(url, auth)
  const frame: UploadFrame = { t, language, business, locale: t('privacy.dateLocale'), timeZone, dashboard: `/admin${query}#campaigns` }
  const problem = (status: number, what: UploadProblem): Reply => page(status, problemPage(what, frame), language)
  const refused = (error: CampaignRefused) =>
    problem(error.status, {
      kind: 'refused',
      reason: error.reason,
      message: error.message,
      languageName: (l) => pageTexts(texts, l)('privacy.languageName'),
    })

  if (step === 'start') {
    const body = await readBody(request, MAX_FORM_BYTES)
    if (body === undefined) return problem(413, { kind: 'bad-form' })
    const form = new URLSearchParams(body.toString('utf8'))
    if (!auth.script && !adminAuth.csrfMatches(form.get('csrf') ?? undefined)) return text(403, BAD_CSRF)
    const listToken = form.get('listToken') ?? ''
    try {
      if (!LIST_TOKEN.test(listToken)) throw new CampaignRefused('unknown list', 410, { kind: 'gone', minutes: uploads.keptMinutes })
      await uploads.start(listToken)
    } catch (error) {
      if (error instanceof CampaignRefused) return refused(error)
      throw error
    }
    return backToPanel(url, auth, 'Started. Back to /admin.')
  }

  if (contentType(request) !== 'multipart/form-data')
    return text(415, "Send the list as multipart/form-data, as the dashboard's form does.")
  const body = await readBody(request, MAX_UPLOAD_BYTES)
  if (body === undefined) return problem(413, { kind: 'too-large', mb: MAX_UPLOAD_BYTES / 1024 / 1024 })
  let form: FormData
  try {
    form = await readMultipart(request.headers['content-type']!, body)
  } catch {
    return problem(400, { kind: 'bad-form' })
  }
  const csrf = form.get('csrf')
  if (!auth.script && !adminAuth.csrfMatches(typeof csrf === 'string' ? csrf : undefined)) return text(403, BAD_CSRF)
  const file = form.get('list')
  if (file === null || typeof file === 'string' || (file.name === '' && file.size === 0)) return problem(400, { kind: 'no-file' })
  const fileName = shownName(file.name)
  let check: ListCheck
  try {
    check = await uploads.check({
      bytes: new Uint8Array(await file.arrayBuffer()),
      fileName,
      includeKnown: form.get('known') === 'on',
      faster: form.get('faster') === 'on',
    })
  } catch (error) {
    if (error instanceof UnreadableList) return problem(422, { kind: 'unreadable', lines: error.lines })
    if (error instanceof CampaignRefused) return refused(error)
    throw error
  }
  // The bot sends one campaign at a time: with another sending, Start would be refused.
  const sending = check.listToken ? (await campaigns.list()).find((c) => c.status.status === 'running')?.id : undefined
  const view = {
    source: fileName,
    check,
    keptMinutes: uploads.keptMinutes,
    sending,
    start: { action: `${UPLOAD_PATH}/start${query}`, csrf: adminAuth.csrf },
  }
  return page(200, checkPage(view, frame), language)
}

const page = (status: number, body: string, language: Language): Reply => ({
  status,
  type: 'text/html; charset=utf-8',
  body,
  headers: { 'Cache-Control': 'no-store', 'Content-Language': language },
})

/** The form, read by the platform's own multipart parser (Node's fetch, undici): no package of our own for it. */
function readMultipart(type: string, body: Buffer): Promise<FormData> {
  const init = { method: 'POST', headers: { 'content-type': type }, body, duplex: 'half' }
  return new Request('http://localhost/', init as RequestInit).formData()
}

/** The file's name as the panel shows it: no folder (old browsers send it), no control characters, not endless. */
function shownName(name: string): string {
  const bare = name
    .replace(/^.*[\\/]/, '')
    .replace(/\p{Cc}/gu, '')
    .trim()
  return bare.slice(0, 200) || 'list.csv'
}

/** The body, or undefined when it is over `max` bytes (what arrived is dropped). */
function readBody(request: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) chunks.push(chunk)
    })
    request.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)))
    request.on('error', reject)
  })
}
