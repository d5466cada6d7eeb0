/**
 * /admin/campaigns: the running bot's notice campaigns, for `npm run campaign` (a script with the
 * admin token in a header) and the dashboard's pause and resume buttons (a form with its token).
 *
 * - `POST /admin/campaigns` (JSON, scripts only): makes a plan from the owner's list as the
 *   command read it; a dry run answers with the summary and keeps nothing, otherwise the campaign
 *   is kept and started, and the summary names its id.
 * - `GET /admin/campaigns.json`, `GET /admin/campaigns/<id>.json`: the figures (progress bar, panel).
 * - `POST /admin/campaigns/<id>/pause`, `…/resume` (`…/latest/resume`: the newest stopped one).
 *
 * Only the running bot sends: the command hands the list to it, so two processes never write to
 * the same clients, and the pace is the one sender's.
 */
import type { IncomingMessage } from 'node:http'
import type { CampaignProgress } from '../../domain/campaign.js'
import type { Logger } from '../../ports/logger.js'
import type { PlanRequest, PlanSummary } from '../campaign-plan.js'
import { type AdminAuth, type Authorized, fromOwnPage } from './admin-auth.js'
import { text, type Reply } from './http-reply.js'

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
}

/** A campaign request the bot will not carry out, with one line that says why and what to do. */
export class CampaignRefused extends Error {
  override name = 'CampaignRefused'
  constructor(
    message: string,
    readonly status = 409,
  ) {
    super(message)
  }
}

/** A list of 100,000 clients as JSON is a few MB; anything far bigger is not the command's. */
const MAX_PLAN_BYTES = 32 * 1024 * 1024
const MAX_FORM_BYTES = 4096
const ID = /^[a-z0-9-]{1,64}$/

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
    if (!fromOwnPage(request)) return text(403, 'Forbidden: this form may be sent from the dashboard only, not from another site.')
    const body = await readBody(request, MAX_FORM_BYTES)
    if (body === undefined) return text(413, 'The form is too large.')
    if (!adminAuth.csrfMatches(new URLSearchParams(body.toString('utf8')).get('csrf') ?? undefined))
      return text(403, "Forbidden: the form's token is missing or wrong. Reload the dashboard and try again.")
  } else {
    request.resume()
  }
  const by = auth.script ? 'the command line' : 'the dashboard'
  const progress = action === 'pause' ? await campaigns.pause(id, `paused from ${by}`) : await campaigns.resume(id)
  if (auth.script) return json(200, progress)
  const query = new URLSearchParams()
  const language = url.searchParams.get('lang')
  if (language) query.set('lang', language)
  if (auth.viaQuery) query.set('token', url.searchParams.get('token')!)
  return text(303, action === 'pause' ? 'Paused. Back to /admin.' : 'Resumed. Back to /admin.', {
    Location: `/admin${query.size ? `?${query}` : ''}#campaigns`,
  })
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
