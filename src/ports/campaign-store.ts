/**
 * Where campaigns are kept, beside the contacts and the ledger (the data folder's files, or the
 * number's rows in PostgreSQL): the plan, each target's state and the campaign's status. A state
 * is durable when `mark` resolves: the runner writes `sending` before a message goes and `sent`
 * after, so a campaign resumed after a crash never writes to anyone twice.
 */
import type { Campaign, CampaignPlan, CampaignStatus, TargetState } from '../domain/campaign.js'

export interface CampaignStore {
  /** Keeps a new campaign: every target `planned`, the status `paused` ("not started"). */
  create(plan: CampaignPlan): Promise<void>
  /** One campaign with its targets' states, or undefined. */
  get(id: string): Promise<Campaign | undefined>
  /** Every campaign, newest first. */
  list(): Promise<Campaign[]>
  /** Target `index` of campaign `id` is now in `state`; durable once resolved. */
  mark(id: string, index: number, state: TargetState): Promise<void>
  setStatus(id: string, status: CampaignStatus): Promise<void>
  /**
   * Addresses whose data was erased at their request (a suppression list): the store keeps only
   * an HMAC of each under a key of its own, never the number, so a campaign can tell "never
   * again" and nothing else can be read from it.
   */
  isErased(address: string): Promise<boolean>
  addErased(address: string): Promise<void>
  close(): Promise<void>
}
