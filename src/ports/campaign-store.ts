/**
 * Where campaigns are kept, beside the contacts and the ledger (the data folder's files, or the
 * number's rows in PostgreSQL): the plan, each target's state and the campaign's status. A state
 * is durable when `mark` resolves: the runner writes `sending` before a message goes and `sent`
 * after, so a campaign resumed after a crash never writes to anyone twice.
 */
import type { Campaign, CampaignPlan, CampaignStatus, TargetState } from '../domain/campaign.js'

export interface CampaignStore {
  /**
   * Keeps a new campaign: every target `planned`, the status `paused` ("not started", at the
   * plan's `createdAt`). Rejects an id already kept, or one that could not name a file (up to
   * 128 letters, digits, `.`, `_`, `-`, not starting with a dot), and a `createdAt` that is no time.
   */
  create(plan: CampaignPlan): Promise<void>
  /** One campaign with its targets' states, or undefined. */
  get(id: string): Promise<Campaign | undefined>
  /** Every campaign, newest first (by the plan's `createdAt`). */
  list(): Promise<Campaign[]>
  /**
   * Target `index` (its place in the plan's `targets`, from 0) of campaign `id` is now in `state`;
   * durable once resolved. Rejects a campaign it does not keep and an index out of range.
   */
  mark(id: string, index: number, state: TargetState): Promise<void>
  /** The campaign's status is now `status`; durable once resolved. Rejects a campaign it does not keep. */
  setStatus(id: string, status: CampaignStatus): Promise<void>
  /**
   * Addresses whose data was erased at their request (a suppression list): the store keeps only
   * an HMAC of each under a key of its own, never the number, so a campaign can tell "never
   * again" and nothing else can be read from it. An address is as the bot keeps it: a number's
   * digits with its country code, or an id without a number (`…@lid`, a user id). The stores the
   * bot opens (src/main/campaign-store.ts) know every form of a number: a Mexican mobile added
   * with or without the 1 after 52 is found under both.
   */
  isErased(address: string): Promise<boolean>
  addErased(address: string): Promise<void>
  /**
   * The whole suppression list, to carry it to another store (npm run store:copy): the key (hex,
   * as kept) and every digest, sorted. Undefined when the store never made a key (nobody was
   * ever added). Nothing here is a number: only a store holding the key can test one.
   */
  suppressionList(): Promise<SuppressionList | undefined>
  /**
   * Takes another store's list as its own, durably once resolved: its key becomes this store's,
   * its digests are added. Refused, changing nothing, when this store holds digests under another
   * key (they would match nobody afterwards): a list is carried only into a store with none.
   */
  adoptSuppressionList(list: SuppressionList): Promise<void>
  close(): Promise<void>
}

/** A suppression list as it is kept: the HMAC key in hex (32 bytes) and the HMAC-SHA256 digests in hex. */
export interface SuppressionList {
  key: string
  digests: string[]
}
