/**
 * Campaigns on PostgreSQL, one number's among the many a database may hold (migration 002):
 *
 *     campaigns                  the plan (written once) and the latest status, by number and id
 *     campaign_targets           one row per target, `planned` from the start; a mark replaces its state
 *     campaign_suppression       the HMAC-SHA256 of each erased address, never the address
 *     campaign_suppression_keys  each number's HMAC key, made on its first need
 *
 * Every write is one statement (a create, one transaction) committed with `synchronous_commit = on`
 * (see connection.ts): durable when its promise resolves. No lock of its own: campaigns are run by
 * the bot that holds the number's lock (number-lock.ts), taken by its consent store; taking it
 * again here would make the bot refuse itself.
 */
import { randomBytes } from 'node:crypto'
import type { Campaign, CampaignPlan, CampaignStatus, TargetState } from '../../domain/campaign.js'
import type { CampaignStore, SuppressionList } from '../../ports/campaign-store.js'
import { type Logger, silentLogger } from '../../ports/logger.js'
import {
  checkAdoption,
  checkIndex,
  checkNewPlan,
  checkOpen,
  checkSuppressionList,
  suppressionDigest,
  unknownCampaign,
} from '../memory-campaign-store.js'
import { createPool, type Db, inTransaction, type Pool, query } from './connection.js'
import { migrate } from './migrate.js'
import { applicationName, checkNumberName, where } from './number.js'

export interface PostgresCampaignStoreOptions {
  url: string
  /** The bot's number as the database names it (see PostgresStoreOptions.number). */
  number: string
  logger?: Logger
  /** Connections kept (default 2): a campaign writes one mark at a time. */
  poolSize?: number
}

/** Opens `number`'s campaigns in the database at `url`, migrating the schema if it lags. */
export async function openPostgresCampaignStore(options: PostgresCampaignStoreOptions): Promise<CampaignStore> {
  checkNumberName(options.number)
  const log = options.logger ?? silentLogger
  const pool = createPool({ url: options.url, size: options.poolSize ?? 2, applicationName: applicationName(options.number, 'store'), log })
  try {
    await migrate(pool, log)
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  return new PgCampaigns(pool, options.number)
}

/** A campaign as one statement reads it: its states gathered in the same snapshot as its status. */
const CAMPAIGN_COLUMNS = `SELECT c.plan, c.status,
  COALESCE((SELECT json_agg(t.state ORDER BY t.idx) FROM campaign_targets t WHERE t.number = c.number AND t.campaign = c.id), '[]') AS states
  FROM campaigns c`

const PLANNED = JSON.stringify({ state: 'planned' })

class PgCampaigns implements CampaignStore {
  private closed = false
  private key: Buffer | undefined

  constructor(
    private readonly pool: Pool,
    private readonly number: string,
  ) {}

  async create(plan: CampaignPlan): Promise<void> {
    checkOpen(this.closed)
    checkNewPlan(plan, false)
    const text = JSON.stringify(plan)
    let attempts = 0
    await inTransaction(this.pool, 'creating a campaign', async (db) => {
      attempts++
      const [kept] = (
        await db.query<{ plan: string }>('SELECT plan::text AS plan FROM campaigns WHERE number = $1 AND id = $2', [this.number, plan.id])
      ).rows
      // Run again after a lost connection, whose COMMIT may have gone through: then it is done.
      if (kept && attempts > 1 && kept.plan === text) return
      checkNewPlan(plan, kept !== undefined)
      await db.query('INSERT INTO campaigns (number, id, plan, status, created_at) VALUES ($1, $2, $3, $4, $5)', [
        this.number,
        plan.id,
        text,
        JSON.stringify({ status: 'paused', at: plan.createdAt, reason: 'not started' } satisfies CampaignStatus),
        plan.createdAt,
      ])
      await db.query(
        'INSERT INTO campaign_targets (number, campaign, idx, state) SELECT $1, $2, i, $4 FROM generate_series(0, $3::integer - 1) AS i',
        [this.number, plan.id, plan.targets.length, PLANNED],
      )
    })
  }

  async get(id: string): Promise<Campaign | undefined> {
    checkOpen(this.closed)
    const [row] = await query<Campaign>(this.pool, 'reading a campaign', `${CAMPAIGN_COLUMNS} WHERE c.number = $1 AND c.id = $2`, [
      this.number,
      id,
    ])
    return row && { plan: row.plan, states: row.states, status: row.status }
  }

  async list(): Promise<Campaign[]> {
    checkOpen(this.closed)
    const rows = await query<Campaign>(
      this.pool,
      'listing the campaigns',
      `${CAMPAIGN_COLUMNS} WHERE c.number = $1 ORDER BY c.created_at DESC, c.id COLLATE "C" DESC`,
      [this.number],
    )
    return rows.map((row) => ({ plan: row.plan, states: row.states, status: row.status }))
  }

  async mark(id: string, index: number, state: TargetState): Promise<void> {
    checkOpen(this.closed)
    // An index that is no row's (not a whole number) is not sent: it is explained below.
    if (Number.isSafeInteger(index) && index >= 0 && index <= 0x7fffffff) {
      const updated = await query(
        this.pool,
        'marking a campaign target',
        'UPDATE campaign_targets SET state = $4 WHERE number = $1 AND campaign = $2 AND idx = $3 RETURNING idx',
        [this.number, id, index, JSON.stringify(state)],
        'campaign-mark',
      )
      if (updated.length) return
    }
    // No such row: say why.
    const [campaign] = await query<{ targets: number }>(
      this.pool,
      'reading a campaign',
      "SELECT json_array_length(plan->'targets') AS targets FROM campaigns WHERE number = $1 AND id = $2",
      [this.number, id],
    )
    if (!campaign) throw unknownCampaign(id)
    checkIndex(id, index, campaign.targets)
    throw new Error(`Campaign "${id}" has no row for target ${index} in ${where.table('campaign_targets', this.number)}`)
  }

  async setStatus(id: string, status: CampaignStatus): Promise<void> {
    checkOpen(this.closed)
    const updated = await query(
      this.pool,
      'setting a campaign status',
      'UPDATE campaigns SET status = $3 WHERE number = $1 AND id = $2 RETURNING id',
      [this.number, id, JSON.stringify(status)],
    )
    if (!updated.length) throw unknownCampaign(id)
  }

  async isErased(address: string): Promise<boolean> {
    checkOpen(this.closed)
    const key = await this.suppressionKey(false)
    if (!key) return false
    const found = await query(
      this.pool,
      'reading the suppression list',
      'SELECT 1 FROM campaign_suppression WHERE number = $1 AND digest = $2',
      [this.number, suppressionDigest(key, address)],
    )
    return found.length > 0
  }

  async addErased(address: string): Promise<void> {
    checkOpen(this.closed)
    const key = (await this.suppressionKey(true))!
    await query(
      this.pool,
      'adding to the suppression list',
      'INSERT INTO campaign_suppression (number, digest) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [this.number, suppressionDigest(key, address)],
    )
  }

  async suppressionList(): Promise<SuppressionList | undefined> {
    checkOpen(this.closed)
    // The key and the digests in one snapshot.
    return inTransaction(this.pool, 'reading the suppression list', async (db) => {
      await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const key = await readKey(db, this.number)
      if (!key) return undefined
      const { rows } = await db.query<{ digest: string }>(
        'SELECT digest FROM campaign_suppression WHERE number = $1 ORDER BY digest COLLATE "C"',
        [this.number],
      )
      return { key: key.toString('hex'), digests: rows.map((row) => row.digest) }
    })
  }

  /** The key and the digests in one transaction: adopted whole, or not at all. */
  async adoptSuppressionList(list: SuppressionList): Promise<void> {
    checkOpen(this.closed)
    checkSuppressionList(list)
    await inTransaction(this.pool, 'adopting a suppression list', async (db) => {
      // The number's key row, if any, is held until the commit: no key is made beside this one.
      const kept = (
        await db.query<{ key: string }>('SELECT key FROM campaign_suppression_keys WHERE number = $1 FOR UPDATE', [this.number])
      ).rows[0]?.key
      const holdsDigests = (await db.query('SELECT 1 FROM campaign_suppression WHERE number = $1 LIMIT 1', [this.number])).rows.length > 0
      // Digests without their key: readKey says so (and nothing is changed).
      if (!kept && holdsDigests) await readKey(db, this.number)
      checkAdoption(list, kept, holdsDigests)
      await db.query(
        'INSERT INTO campaign_suppression_keys (number, key) VALUES ($1, $2) ON CONFLICT (number) DO UPDATE SET key = EXCLUDED.key',
        [this.number, list.key],
      )
      await db.query('INSERT INTO campaign_suppression (number, digest) SELECT $1, d FROM unnest($2::text[]) AS d ON CONFLICT DO NOTHING', [
        this.number,
        list.digests,
      ])
    })
    this.key = Buffer.from(list.key, 'hex')
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }

  /** The number's HMAC key; made (with `make`) on its first need, kept once read. */
  private async suppressionKey(make: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key
    const key = await inTransaction(this.pool, 'reading the suppression key', async (db) => {
      const kept = await readKey(db, this.number)
      if (kept || !make) return kept
      await db.query('INSERT INTO campaign_suppression_keys (number, key) VALUES ($1, $2) ON CONFLICT (number) DO NOTHING', [
        this.number,
        randomBytes(32).toString('hex'),
      ])
      return readKey(db, this.number)
    })
    this.key = key
    return key
  }
}

/**
 * The number's key, or undefined when it has none. Digests without their key are refused: a new
 * key would match none of them, and the campaign would write again to everyone who was erased.
 */
async function readKey(db: Db, number: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ key: string }>('SELECT key FROM campaign_suppression_keys WHERE number = $1', [number])
  if (rows[0]) return Buffer.from(rows[0].key, 'hex')
  const digests = await db.query('SELECT 1 FROM campaign_suppression WHERE number = $1 LIMIT 1', [number])
  if (digests.rows.length)
    throw new Error(
      `The campaigns' suppression list of number ${number} in PostgreSQL (table campaign_suppression) holds digests, and their key is gone from table campaign_suppression_keys: put back the row you kept. Nothing was changed`,
    )
  return undefined
}
