/**
 * A campaign started from the dashboard: the owner's list, uploaded with the panel's form, is
 * read here exactly as `npm run campaign -- --contacts` reads a file (the CSV reader, the policy's
 * jurisdiction for numbers without +, the owner's flows/do-not-contact.csv when there is one), and
 * planned by the running bot's campaigns as a dry run. A list with anyone to write to is kept a
 * while under a random token, in memory only (never logged, never on disk), so the page's Start
 * button posts the token alone; starting is the same plan without the dry run.
 *
 * The bot's campaigns are wrapped, not grown: `withListUploads(campaigns, …)` is what the web
 * server is given.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { ContactListError, parseContactList } from '../adapters/contact-list.js'
import { listCountry, readDoNotContact } from './campaign-lists.js'
import type { PlanRequest, PlanSummary } from '../app/campaign-plan.js'
import {
  CampaignRefused,
  type CampaignControl,
  type ListCheck,
  type ListUpload,
  type ListUploads,
  UnreadableList,
} from '../app/web/campaign-routes.js'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { Texts } from '../ports/texts.js'

export interface ListUploadDeps {
  policy: Policy
  texts: Texts
  defaultLanguage: Language
  flowsDir: string
  /** The bot's clock (a list is kept 30 minutes of it). */
  clock?: () => Date
  /** Files are named from here in problems, as the owner sees them (default: the working directory). */
  displayRoot?: string
  /** How long a checked list is kept, and how many at most (the oldest goes first). */
  keepMinutes?: number
  maxKept?: number
}

/** The bot's campaigns, and lists uploaded on the dashboard to make new ones. */
export function withListUploads(campaigns: CampaignControl, deps: ListUploadDeps): CampaignControl {
  return {
    list: () => campaigns.list(),
    get: (id) => campaigns.get(id),
    plan: (request) => campaigns.plan(request),
    resume: (id) => campaigns.resume(id),
    pause: (id, reason) => campaigns.pause(id, reason),
    uploads: new UploadedLists(campaigns, deps),
  }
}

interface Kept {
  /** Until when (ms of the bot's clock). */
  until: number
  /** The plan request, dropped once the campaign started. */
  request?: PlanRequest
  /** Started (or starting): a second press answers the same. */
  started?: Promise<PlanSummary>
}

class UploadedLists implements ListUploads {
  readonly keptMinutes: number
  readonly pages: ListUploads['pages']
  private readonly kept = new Map<string, Kept>()
  private readonly clock: () => Date

  constructor(
    private readonly campaigns: CampaignControl,
    private readonly deps: ListUploadDeps,
  ) {
    this.keptMinutes = deps.keepMinutes ?? 30
    this.clock = deps.clock ?? (() => new Date())
    const { policy } = deps
    this.pages = {
      texts: deps.texts,
      defaultLanguage: deps.defaultLanguage,
      business: policy.controller.name,
      timeZone: policy.staff.hours?.timeZone,
    }
  }

  async check(upload: ListUpload): Promise<ListCheck> {
    const { request, notes } = await this.read(upload)
    const summary = await this.campaigns.plan(request)
    const now = this.clock()
    const check: ListCheck = { summary, notes, checkedAt: now.toISOString() }
    if (summary.toMessage === 0) return check
    this.forgetExpired(now.getTime())
    const listToken = randomBytes(18).toString('base64url')
    this.kept.set(listToken, { until: now.getTime() + this.keptMinutes * 60_000, request: { ...request, dryRun: false } })
    // A few lists at most: each holds a whole list of clients.
    for (const oldest of this.kept.keys()) if (this.kept.size > (this.deps.maxKept ?? 3)) this.kept.delete(oldest)
    return { ...check, listToken }
  }

  start(listToken: string): Promise<PlanSummary> {
    this.forgetExpired(this.clock().getTime())
    const kept = this.kept.get(listToken)
    if (!kept) return Promise.reject(new CampaignRefused('that list is no longer kept: check it again', 410, this.gone()))
    if (!kept.started) {
      const request = kept.request!
      kept.started = this.campaigns.plan(request).then(
        (summary) => {
          delete kept.request
          return summary
        },
        (error: unknown) => {
          // Refused (another campaign sends): the list stays, to be started once it may.
          delete kept.started
          throw error
        },
      )
    }
    return kept.started
  }

  private gone() {
    return { kind: 'gone' as const, minutes: this.keptMinutes }
  }

  private forgetExpired(now: number): void {
    for (const [token, kept] of this.kept) if (kept.until <= now) this.kept.delete(token)
  }

  /** The list as `npm run campaign` reads it, and the owner's do-not-contact list. */
  private async read(upload: ListUpload): Promise<{ request: PlanRequest; notes: ListCheck['notes'] }> {
    const { policy, flowsDir } = this.deps
    let list: ReturnType<typeof parseContactList>
    try {
      list = parseContactList(upload.bytes, upload.fileName, { defaultCountry: listCountry(policy) })
    } catch (error) {
      throw asUnreadable(error)
    }
    const file = join(flowsDir, 'do-not-contact.csv')
    let doNotContact: string[] = []
    if (existsSync(file)) {
      try {
        doNotContact = await readDoNotContact(file, policy)
      } catch (error) {
        throw asUnreadable(
          error,
          relative(this.deps.displayRoot ?? process.cwd(), file)
            .split(sep)
            .join('/'),
        )
      }
    }
    const request: PlanRequest = {
      source: upload.fileName,
      clients: list.clients,
      invalid: list.invalid,
      doNotContact,
      includeKnown: upload.includeKnown,
      faster: upload.faster,
      dryRun: true,
    }
    return { request, notes: list.notes }
  }
}

/** A ContactListError as the page's `file:line` lines (the file named `shown`, if given); any other error as it is. */
function asUnreadable(error: unknown, shown?: string): unknown {
  if (!(error instanceof ContactListError)) return error
  return new UnreadableList(error.problems.map((p) => `${shown || error.file}:${p.line}: ${p.message}`))
}
