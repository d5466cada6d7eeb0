/**
 * `npm run campaign -- --contacts clients.csv [--dry-run] [--known] [--faster] [--detach]`,
 * `--resume [id]`, `--pause [id]`, `--status`: tell the clients the business already has about
 * its policy, and ask their consent, at a pace that keeps the number safe.
 *
 * The list is read here (the owner's file, with its line numbers); the running bot does the rest,
 * through its web server (HTTP_PORT and ADMIN_TOKEN, as `npm run staff` does): it alone sends, so
 * two processes never write to the same clients and the pace is one sender's. A dry run with the
 * bot stopped opens the store itself and sends nothing.
 *
 * While it sends, a progress bar; Ctrl-C pauses the campaign (the bot keeps answering), and
 * `--resume` continues it where it stopped.
 */
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ContactListError, readContactList } from '../../adapters/contact-list.js'
import { listCountry, readDoNotContact } from '../campaign-lists.js'
import { OwnerFileError } from '../../adapters/owner-file.js'
import type { PlanRequest, PlanSummary } from '../../app/campaign-plan.js'
import { CampaignRunner } from '../../app/campaign-runner.js'
import { businessZone, Campaigns } from '../../app/campaigns.js'
import type { BusinessFlow } from '../../domain/flow.js'
import { ConfigError, loadDotEnv, parseConfig, type Config, type StoreConfig } from '../../app/config.js'
import { silentLogger } from '../../app/logger.js'
import { CampaignRefused } from '../../app/web/campaign-routes.js'
import type { CampaignProgress } from '../../domain/campaign.js'
import { loadBusinessFiles } from '../bot.js'
import { openCampaignStore } from '../campaign-store.js'
import { describeStore, FILES, heldBy, openStore, storeProblem } from '../store.js'
import { figuresLines, progressLine, summaryLines } from './campaign-view.js'
import { parseCommandArgs, STORE_FLAGS, startArgs } from './owner-options.js'

const USAGE = `Usage: npm run campaign -- --contacts FILE [--dry-run] [--known] [--faster] [--detach]
       npm run campaign -- --resume [ID] | --pause [ID] | --status

Tells the clients you already have how their data is used and asks their consent, one by one,
at a safe pace (flows/policy.yaml, campaign:). Start the bot first (npm start, with HTTP_PORT and
ADMIN_TOKEN in .env): it sends the messages and reads the answers.

  --contacts FILE       your list: a CSV with a header row naming a phone column (name and
                        language optional), comma or semicolon, as a spreadsheet saves it
  --dry-run             show who would be written to, who is skipped and why, and how long it
                        takes; nothing is sent (works with the bot stopped too)
  --known               also write to clients the bot knows whose consent is outdated or unanswered
  --faster              allow a pace above the safe default in flows/policy.yaml (a warning is shown)
  --do-not-contact FILE numbers never to write to (default: flows/do-not-contact.csv, if it exists)
  --detach              start it and return; the bot goes on sending (see --status)
  --resume [ID]         continue a paused campaign (default: the newest not done)
  --pause [ID]          pause it (default: the one sending)
  --status              every campaign and its figures
  --data-dir DIR, --number NAME, --flows-dir DIR, --locales-dir DIR   as for npm start

Ctrl-C while it sends pauses the campaign: npm run campaign -- --resume continues it.
Exit status: 0 done (or paused with Ctrl-C, or a dry run), 1 refused or stopped by trouble
(the reason is printed), 2 a bad option or a list that cannot be read.`

/** Something the command cannot do: one line for the owner, exit status 1. */
class Refused extends Error {}

let storage: StoreConfig = FILES

async function main(): Promise<number> {
  const projectDir = process.cwd()
  loadDotEnv(projectDir)
  const { values, positionals } = parseCommandArgs(
    process.argv.slice(2),
    {
      ...STORE_FLAGS,
      contacts: { type: 'string' },
      'do-not-contact': { type: 'string' },
      'dry-run': { type: 'boolean' },
      known: { type: 'boolean' },
      faster: { type: 'boolean' },
      detach: { type: 'boolean' },
      resume: { type: 'boolean' },
      pause: { type: 'boolean' },
      status: { type: 'boolean' },
      'flows-dir': { type: 'string' },
      'locales-dir': { type: 'string' },
    },
    true,
  )
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const config = parseConfig(startArgs(values, ['data-dir', 'number', 'flows-dir', 'locales-dir']), process.env, projectDir)
  if (config === 'help') return 0
  storage = config.store
  const id = positionals[0]
  if (positionals.length > 1) throw new ConfigError(`one campaign id at most, not "${positionals.join(' ')}"`)
  if (values.resume) return resume(config, id ?? 'latest')
  if (values.pause) return pause(config, id)
  if (values.status) return status(config)
  if (typeof values.contacts !== 'string') throw new ConfigError('say which list: --contacts clients.csv (or --resume, --pause, --status)')
  if (id) throw new ConfigError(`"${id}": a campaign id goes with --resume or --pause`)

  const { business } = await loadBusinessFiles(config.flowsDir, config.localesDir, config.defaultLanguage, projectDir)
  const list = await readContactList(values.contacts, { defaultCountry: listCountry(business.policy) })
  const doNotContactFile =
    typeof values['do-not-contact'] === 'string' ? values['do-not-contact'] : join(config.flowsDir, 'do-not-contact.csv')
  const doNotContact =
    typeof values['do-not-contact'] === 'string' || existsSync(doNotContactFile)
      ? await readDoNotContact(doNotContactFile, business.policy)
      : []
  const request: PlanRequest = {
    source: relative(projectDir, values.contacts) || values.contacts,
    clients: list.clients,
    invalid: list.invalid,
    doNotContact,
    includeKnown: values.known === true,
    faster: values.faster === true,
    dryRun: values['dry-run'] === true,
  }
  for (const note of list.notes) process.stdout.write(`${request.source}:${note.line}: ${note.message}\n`)
  const summary = request.dryRun
    ? await dryRun(config, request, business)
    : await bot(config).post<PlanSummary>('/admin/campaigns', request)
  process.stdout.write(`${summaryLines(summary, request.source, new Date(), request.dryRun).join('\n')}\n`)
  if (request.dryRun || !summary.id) return 0
  if (values.detach) {
    process.stdout.write(`It goes on in the bot: npm run campaign -- --status shows it, --pause ${summary.id} pauses it.\n`)
    return 0
  }
  return follow(config, summary.id)
}

/** The plan without sending: through the running bot, or with the store opened here when it is stopped. */
async function dryRun(config: Config, request: PlanRequest, business: BusinessFlow): Promise<PlanSummary> {
  let store: Awaited<ReturnType<typeof openStore>>
  try {
    store = await openStore(config.store, { dataDir: config.dataDir })
  } catch (error) {
    if (!heldBy(error)) throw error
    return bot(config).post<PlanSummary>('/admin/campaigns', request)
  }
  const campaignStore = await openCampaignStore(config.store, { dataDir: config.dataDir })
  try {
    const fallbackZone = businessZone(business.policy)
    const refuse = async () => {
      throw new Error('a dry run sends nothing')
    }
    // Nothing runs: the runner is there for the plan's bookkeeping only.
    const runner = new CampaignRunner({
      store: campaignStore,
      invite: refuse,
      wasInvited: refuse,
      clock: () => new Date(),
      wait: async () => {},
      log: silentLogger,
      fallbackZone,
    })
    const campaigns = new Campaigns({
      store: campaignStore,
      runner,
      policy: business.policy,
      provider: config.provider,
      defaultLanguage: config.defaultLanguage,
      load: async (address) => (await store.load(address)).contact,
      clock: () => new Date(),
      fallbackZone,
      log: silentLogger,
    })
    return await campaigns.plan(request)
  } finally {
    await campaignStore.close()
    await store.close()
  }
}

/** Shows the progress until the campaign stops; Ctrl-C pauses it. */
async function follow(config: Config, id: string): Promise<number> {
  const running = bot(config)
  const interactive = Boolean(process.stdout.isTTY)
  let interrupted = false
  const stop = new AbortController()
  const onSigint = () => {
    interrupted = true
    stop.abort()
  }
  process.once('SIGINT', onSigint)
  let last = ''
  try {
    for (;;) {
      const progress = await running.get<CampaignProgress>(`/admin/campaigns/${id}.json`)
      const line = progressLine(progress)
      if (line !== last) process.stdout.write(interactive ? `\r\x1b[2K${line}` : `${line}\n`)
      last = line
      if (progress.status.status !== 'running') return ended(progress, interactive)
      await sleep(interactive ? 1000 : 500, undefined, { signal: stop.signal }).catch(() => undefined)
      if (interrupted) {
        const paused = await running.post<CampaignProgress>(`/admin/campaigns/${id}/pause`, {})
        process.stdout.write(`${interactive ? '\n' : ''}Paused. npm run campaign -- --resume ${id} continues it.\n`)
        for (const l of figuresLines(paused)) process.stdout.write(`${l}\n`)
        return 0
      }
    }
  } finally {
    process.off('SIGINT', onSigint)
  }
}

function ended(progress: CampaignProgress, interactive: boolean): number {
  if (interactive) process.stdout.write('\n')
  const { status } = progress
  if (status.status === 'done') process.stdout.write(`Campaign ${progress.id} is done.\n`)
  else if (status.status === 'paused') process.stdout.write(`Campaign ${progress.id} stopped: ${status.reason}\n`)
  for (const l of figuresLines(progress)) process.stdout.write(`${l}\n`)
  return status.status === 'done' ? 0 : 1
}

async function resume(config: Config, id: string): Promise<number> {
  const progress = await bot(config).post<CampaignProgress>(`/admin/campaigns/${id}/resume`, {})
  process.stdout.write(`Campaign ${progress.id} resumed: ${progress.counts.planned + progress.counts.sending} clients left.\n`)
  return follow(config, progress.id)
}

async function pause(config: Config, id: string | undefined): Promise<number> {
  const running = bot(config)
  const target = id ?? (await running.get<CampaignProgress[]>('/admin/campaigns.json')).find((c) => c.status.status === 'running')?.id
  if (!target) throw new Refused('no campaign is sending')
  const progress = await running.post<CampaignProgress>(`/admin/campaigns/${target}/pause`, {})
  process.stdout.write(`Campaign ${progress.id} paused. npm run campaign -- --resume ${progress.id} continues it.\n`)
  return 0
}

async function status(config: Config): Promise<number> {
  const campaigns = await bot(config).get<CampaignProgress[]>('/admin/campaigns.json')
  if (!campaigns.length)
    process.stdout.write('No campaign yet: npm run campaign -- --contacts clients.csv --dry-run shows what one would do.\n')
  for (const c of campaigns) {
    const state = c.status.status === 'paused' ? `paused: ${c.status.reason}` : c.status.status
    process.stdout.write(`${c.id}  ${c.source}  ${state}\n  ${progressLine(c)}\n${figuresLines(c).join('\n')}\n`)
  }
  return 0
}

/** The running bot's /admin/campaigns, with the owner's token; its refusals become one line. */
function bot(config: Config) {
  const where = config.store.kind === 'files' ? config.dataDir : describeStore(config.store, config.dataDir)
  if (!config.http) throw new Refused(`the bot's web server is off: start the bot (npm start) with HTTP_PORT set, then run this again`)
  if (!config.http.adminToken) throw new Refused('set ADMIN_TOKEN (as the bot has it, in .env): the campaign goes through the running bot')
  // A server listening on every address is reached on this computer's own.
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host === '::' ? '::1' : config.http.host
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let response: Response
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${config.http!.adminToken}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
    } catch (error) {
      const reason = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message
      throw new Refused(
        `the bot does not answer at ${base} (${reason}): start it (npm start, on ${where}) with HTTP_PORT and ADMIN_TOKEN set; it sends the campaign`,
      )
    }
    const said = await response.text()
    if (response.ok) return JSON.parse(said) as T
    if (response.status === 401 || response.status === 429) throw new Refused('the bot refused ADMIN_TOKEN: set it as the bot has it')
    if (response.status === 404 && said.startsWith('Not found'))
      throw new Refused("the bot's dashboard is off: start it with ADMIN_TOKEN set")
    throw new Refused(said.trim())
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`npm run campaign: ${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
    if (error instanceof ContactListError) {
      process.stderr.write(`npm run campaign: ${error.message}\n`)
      process.exit(2)
    }
    if (error instanceof Refused || error instanceof CampaignRefused || error instanceof OwnerFileError || storeProblem(error, storage)) {
      const line =
        error instanceof OwnerFileError
          ? 'flows/ or locales/ have problems: run npm run check'
          : storeProblem(error, storage) || (error as Error).message
      process.stderr.write(`npm run campaign: ${line}\n`)
      process.exit(1)
    }
    process.stderr.write(`npm run campaign: ${(error as Error)?.stack ?? String(error)}\n`)
    process.exit(1)
  },
)
