/**
 * A number's campaigns with their figures, for an owner's tool that runs beside the bot
 * (`npm run export`): read without changing anything the bot keeps, and counted as the
 * dashboard counts them (campaign-progress.ts), against the policy's required purposes.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBusinessFlow } from '../adapters/flow-files/business-flow.js'
import { CAMPAIGNS_DIR, PLAN_SUFFIX, STATES_SUFFIX } from '../adapters/store/campaign-files.js'
import { campaignProgress, contactByPhone } from '../app/campaign-progress.js'
import type { StoreConfig } from '../app/config.js'
import { campaignsSince } from '../app/export-campaigns.js'
import type { Campaign, CampaignProgress } from '../domain/campaign.js'
import type { Contact } from '../domain/consent.js'
import type { Policy } from '../domain/policy.js'
import type { CampaignStore } from '../ports/campaign-store.js'
import { openCampaignStore } from './campaign-store.js'
import { storeProblem } from './store.js'

export interface FiguresRequest {
  dataDir: string
  /** The owner's flows/, whose policy.yaml names the required purposes. */
  flowsDir: string
  /** The number's contacts as stored (their answers, what the provider said of the messages). */
  contacts: Readonly<Record<string, Contact>>
  /** Only the campaigns made or still going since then (campaignsSince). */
  since?: Date
}

/**
 * The campaigns of `store`, newest first, with their figures, or one line saying why they cannot
 * be had. policy.yaml is read only when there is a campaign to count.
 */
export async function campaignFigures(
  store: StoreConfig,
  request: FiguresRequest,
): Promise<{ campaigns: CampaignProgress[] } | { problem: string }> {
  let kept: Campaign[]
  try {
    kept = await storedCampaigns(store, request.dataDir)
  } catch (error) {
    return { problem: `the campaigns could not be read: ${storeProblem(error, store) ?? (error as Error).message}` }
  }
  if (!kept.length) return { campaigns: [] }
  let policy: Policy
  try {
    policy = loadBusinessFlow(request.flowsDir).policy
  } catch {
    return {
      problem: `${request.flowsDir}/policy.yaml could not be read (run npm run check; --flows-dir names another folder): the campaigns' answers are counted against its required purposes`,
    }
  }
  const contactOf = contactByPhone(request.contacts)
  return {
    campaigns: campaignsSince(
      kept.map((campaign) => campaignProgress(campaign, contactOf, policy)),
      request.since,
    ),
  }
}

/**
 * Every campaign of the store, newest first. The data folder's are read from a private copy of
 * their files: opening them tidies the folder (a last line written halfway is cut, temporary
 * files go), which only the bot may do, and the bot may be writing there right now.
 */
async function storedCampaigns(store: StoreConfig, dataDir: string): Promise<Campaign[]> {
  if (store.kind !== 'files') return listed(await openCampaignStore(store, { dataDir }))
  const from = join(dataDir, CAMPAIGNS_DIR)
  const names = await readdir(from).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  const plans = names.filter((name) => name.endsWith(PLAN_SUFFIX))
  if (!plans.length) return []
  // The plans hold phone numbers: a folder only this account reads (mkdtemp makes it 0700), removed after.
  const copy = await mkdtemp(join(tmpdir(), 'consent-campaigns-'))
  try {
    const to = join(copy, CAMPAIGNS_DIR)
    await mkdir(to, { mode: 0o700 })
    for (const plan of plans) {
      const states = plan.slice(0, -PLAN_SUFFIX.length) + STATES_SUFFIX
      await copyFile(join(from, plan), join(to, plan))
      // No states yet: a campaign nobody started.
      await copyFile(join(from, states), join(to, states)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
    }
    try {
      return await listed(await openCampaignStore(store, { dataDir: copy }))
    } catch (error) {
      // A file that does not read is named where the owner has it, not in the copy.
      if (error instanceof Error) error.message = error.message.replaceAll(copy, dataDir)
      throw error
    }
  } finally {
    await rm(copy, { recursive: true, force: true })
  }
}

async function listed(campaigns: CampaignStore): Promise<Campaign[]> {
  try {
    return await campaigns.list()
  } finally {
    await campaigns.close()
  }
}
