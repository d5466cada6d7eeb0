/**
 * The campaign store in memory: for tests and the terminal demo, where nothing needs to outlive
 * the process. It is the reference the durable stores follow (the files', PostgreSQL's): the
 * rules below are theirs too, so a test of the campaign runner on it holds on them as well.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Campaign, CampaignPlan, CampaignStatus } from '../domain/campaign.js'
import type { CampaignStore, SuppressionList } from '../ports/campaign-store.js'

export function createMemoryCampaignStore(): CampaignStore {
  const campaigns = new Map<string, Campaign>()
  // Digests only, as the durable stores keep them: nothing here reads back as a number either.
  // The key is made on its first need, as theirs is.
  let key: Buffer | undefined
  const erased = new Set<string>()
  let closed = false
  const found = (id: string): Campaign => {
    checkOpen(closed)
    const campaign = campaigns.get(id)
    if (!campaign) throw unknownCampaign(id)
    return campaign
  }
  return {
    async create(plan) {
      checkOpen(closed)
      checkNewPlan(plan, campaigns.has(plan.id))
      const copy = structuredClone(plan)
      campaigns.set(plan.id, { plan: copy, states: copy.targets.map(() => ({ state: 'planned' })), status: notStarted(copy) })
    },
    async get(id) {
      const campaign = campaigns.get(id)
      return campaign && structuredClone(campaign)
    },
    async list() {
      return newestFirst([...campaigns.values()]).map((campaign) => structuredClone(campaign))
    },
    async mark(id, index, state) {
      const campaign = found(id)
      checkIndex(id, index, campaign.plan.targets.length)
      campaign.states[index] = structuredClone(state)
    },
    async setStatus(id, status) {
      found(id).status = structuredClone(status)
    },
    async isErased(address) {
      return key !== undefined && erased.has(suppressionDigest(key, address))
    },
    async addErased(address) {
      checkOpen(closed)
      key ??= randomBytes(32)
      erased.add(suppressionDigest(key, address))
    },
    async suppressionList() {
      return key && { key: key.toString('hex'), digests: [...erased].sort() }
    },
    async adoptSuppressionList(list) {
      checkOpen(closed)
      checkSuppressionList(list)
      checkAdoption(list, key?.toString('hex'), erased.size > 0)
      key = Buffer.from(list.key, 'hex')
      for (const digest of list.digests) erased.add(digest)
    },
    async close() {
      closed = true
    },
  }
}

/** A campaign's id names files (the data folder's): plain letters, digits, `.`, `_`, `-`, not starting with a dot. */
const CAMPAIGN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

/** Throws unless `plan` can be kept as a new campaign (`taken`: a campaign has its id already). */
export function checkNewPlan(plan: CampaignPlan, taken: boolean): void {
  const { id } = plan
  if (typeof id !== 'string' || !CAMPAIGN_ID.test(id))
    throw new Error(
      `"${String(id).slice(0, 80)}" is not a campaign id: use up to 128 letters, digits, ".", "_" or "-", not starting with "."`,
    )
  // Campaigns are listed by it (PostgreSQL keeps it as a timestamp).
  if (typeof plan.createdAt !== 'string' || !Number.isFinite(Date.parse(plan.createdAt)))
    throw new Error(`Campaign "${id}" needs its createdAt as an ISO 8601 time`)
  if (!Array.isArray(plan.targets)) throw new Error(`Campaign "${id}" needs its list of targets`)
  if (taken) throw new Error(`A campaign "${id}" is kept already: a new campaign needs an id of its own`)
}

export function checkIndex(id: string, index: number, targets: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= targets)
    throw new RangeError(
      `Campaign "${id}" has no target ${index}: ${targets ? `its targets are numbered 0 to ${targets - 1}` : 'it has no targets'}`,
    )
}

export const unknownCampaign = (id: string): Error => new Error(`There is no campaign "${id}" in the store`)

export function checkOpen(closed: boolean): void {
  if (closed) throw new Error('The campaign store is closed')
}

/** A new campaign's status: paused ("not started") since its plan was made (no clock read: the same on every store). */
export const notStarted = (plan: CampaignPlan): CampaignStatus => ({ status: 'paused', at: plan.createdAt, reason: 'not started' })

/** Newest plan first; plans made in the same millisecond by id, the greater first. */
export function newestFirst<T extends Pick<Campaign, 'plan'>>(campaigns: T[]): T[] {
  return campaigns.sort(
    (a, b) => Date.parse(b.plan.createdAt) - Date.parse(a.plan.createdAt) || (a.plan.id < b.plan.id ? 1 : a.plan.id > b.plan.id ? -1 : 0),
  )
}

const HEX_32_BYTES = /^[0-9a-f]{64}$/

/** Throws unless `list` is a suppression list as the stores keep one: a 32-byte key and HMAC-SHA256 digests, in lower-case hex. */
export function checkSuppressionList(list: SuppressionList): void {
  if (typeof list?.key !== 'string' || !HEX_32_BYTES.test(list.key))
    throw new Error('The suppression list to adopt has no key of 32 bytes in hex: nothing was changed')
  if (!Array.isArray(list.digests)) throw new Error('The suppression list to adopt has no list of digests: nothing was changed')
  const bad = list.digests.findIndex((digest) => typeof digest !== 'string' || !HEX_32_BYTES.test(digest))
  if (bad >= 0) throw new Error(`Digest ${bad + 1} of the suppression list to adopt is not an HMAC-SHA256 in hex: nothing was changed`)
}

/**
 * Throws when a store that holds digests (`holdsDigests`) under `kept` (its key in hex) would take
 * `list`'s other key: its own digests would match nobody afterwards, and a campaign would write
 * again to everyone they stand for. A store with a key and no digest yet may take another.
 */
export function checkAdoption(list: SuppressionList, kept: string | undefined, holdsDigests: boolean): void {
  if (holdsDigests && kept !== list.key)
    throw new Error(
      "This store's suppression list already holds digests under a key of its own, and another list's key would leave them matching nobody: a suppression list is copied only into a store that has none. Nothing was changed",
    )
}

/**
 * What a suppression list keeps of an address: its HMAC-SHA256 under the store's own key, in hex.
 * Without the key a digest cannot be tested against a guessed number (a plain hash of a phone
 * number is undone by trying them all).
 */
export const suppressionDigest = (key: Buffer, address: string): string => createHmac('sha256', key).update(address).digest('hex')
