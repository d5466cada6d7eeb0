/**
 * Campaigns in the data folder, beside the contacts and the ledger:
 *
 *     campaigns/<id>.plan.json      the plan, written once (temp file, fsync, rename, fsync of the folder)
 *     campaigns/<id>.states.jsonl   append-only: {"target":i,"state":…} or {"status":…}, the latest line per target winning
 *     campaigns/suppression.key     the 32-byte HMAC key of the suppression list (hex), made on its first need
 *                                   (or taken from another store's list by store:copy)
 *     campaigns/suppression.txt     append-only: one HMAC-SHA256 (hex) per erased address, never the address
 *
 * A mark or a status is one line, fdatasynced before its promise resolves (marks made meanwhile
 * share the next fsync). A plan without a states file is a campaign nobody started. On open, a
 * last line without its newline is a write a kill cut short, never confirmed: it is cut away;
 * any other line that does not read is refused with its file and line, and nothing is changed.
 *
 * No lock of its own: campaigns are run by the bot, which holds the data folder's lock (lock.ts)
 * for as long as it runs, so no other process writes here, and everything is read once at open
 * and kept in memory. A second writer would append beside this one and be invisible to it.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readdir, readFile, truncate, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Campaign, CampaignPlan, CampaignStatus, TargetState } from '../../domain/campaign.js'
import type { CampaignStore, SuppressionList } from '../../ports/campaign-store.js'
import { type Logger, silentLogger } from '../../ports/logger.js'
import { AppendFile, DIR_MODE, type OnSync, parseJsonFile, syncDir, TEMP_SUFFIX, writeFileDurably } from './durable-file.js'
import { DatabaseFileError } from './errors.js'
import { isObject, parseLine, splitLines } from './json-lines.js'
import {
  checkAdoption,
  checkIndex,
  checkNewPlan,
  checkOpen,
  checkSuppressionList,
  newestFirst,
  notStarted,
  suppressionDigest,
  unknownCampaign,
} from '../memory-campaign-store.js'

export const CAMPAIGNS_DIR = 'campaigns'
export const PLAN_SUFFIX = '.plan.json'
export const STATES_SUFFIX = '.states.jsonl'
export const SUPPRESSION_KEY_FILE = 'suppression.key'
export const SUPPRESSION_FILE = 'suppression.txt'

const DIGEST = /^[0-9a-f]{64}$/

export interface CampaignFilesOptions {
  logger?: Logger
  onSync?: OnSync
}

interface Kept extends Campaign {
  /** The states file, opened on the first mark or status. */
  log?: Promise<LineLog>
}

/** Reads every campaign of `dataDir` (refusing a file that does not read, changing nothing) and opens the store. */
export async function openCampaignFiles(dataDir: string, options: CampaignFilesOptions = {}): Promise<CampaignStore> {
  const dir = join(dataDir, CAMPAIGNS_DIR)
  const log = options.logger ?? silentLogger
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  const torn: { file: string; completeBytes: number; bytes: number }[] = []
  const campaigns = new Map<string, Kept>()
  for (const name of names.filter((n) => n.endsWith(PLAN_SUFFIX))) {
    const id = name.slice(0, -PLAN_SUFFIX.length)
    const file = join(dir, name)
    const plan = parseJsonFile<CampaignPlan>(file, (await readIfThere(file)).toString('utf8'), (value) => planProblem(value, id))
    const campaign: Kept = { plan, states: plan.targets.map(() => ({ state: 'planned' })), status: notStarted(plan) }
    const states = await readLines(join(dir, id + STATES_SUFFIX), torn)
    states.forEach((text, i) => replay(campaign, join(dir, id + STATES_SUFFIX), i + 1, text))
    campaigns.set(id, campaign)
  }
  for (const name of names.filter((n) => n.endsWith(STATES_SUFFIX)))
    if (!campaigns.has(name.slice(0, -STATES_SUFFIX.length)))
      throw new DatabaseFileError(
        join(dir, name),
        undefined,
        `holds the states of a campaign whose plan (${name.replace(STATES_SUFFIX, PLAN_SUFFIX)}) is missing: put the plan back, or move both away`,
      )
  const digestsFile = join(dir, SUPPRESSION_FILE)
  const digests = (await readLines(digestsFile, torn)).map((text, i) => {
    if (!DIGEST.test(text)) throw new DatabaseFileError(digestsFile, i + 1, 'is not an HMAC-SHA256 in hex')
    return text
  })
  const key = await readKey(join(dir, SUPPRESSION_KEY_FILE))
  if (digests.length && !key)
    throw new DatabaseFileError(
      join(dir, SUPPRESSION_KEY_FILE),
      undefined,
      `is missing, and ${SUPPRESSION_FILE} holds digests only it can match: put the key back (a new one would let the campaign write again to everyone who asked to be erased)`,
    )
  // Everything read: only now is anything changed.
  for (const name of names) if (name.endsWith(TEMP_SUFFIX)) await unlink(join(dir, name))
  for (const { file, completeBytes, bytes } of torn) {
    await truncate(file, completeBytes)
    log.warn('campaign.torn_line_cut', { file: `${CAMPAIGNS_DIR}/${file.slice(dir.length + 1)}`, bytes })
  }
  return new CampaignFiles(dir, campaigns, new Set(digests), key, options.onSync)
}

class CampaignFiles implements CampaignStore {
  private closed = false
  /** Ids being created: a second create of the same id is refused at once. */
  private readonly creating = new Set<string>()
  private made: Promise<void> | undefined
  private suppression: Promise<LineLog> | undefined
  private keyMade: Promise<Buffer> | undefined

  constructor(
    private readonly dir: string,
    private readonly campaigns: Map<string, Kept>,
    private readonly erased: Set<string>,
    private key: Buffer | undefined,
    private readonly onSync: OnSync | undefined,
  ) {}

  async create(plan: CampaignPlan): Promise<void> {
    checkOpen(this.closed)
    checkNewPlan(plan, this.campaigns.has(plan.id) || this.creating.has(plan.id))
    this.creating.add(plan.id)
    try {
      const copy = structuredClone(plan)
      await this.ensureDir()
      await writeFileDurably(join(this.dir, plan.id + PLAN_SUFFIX), `${JSON.stringify(copy)}\n`, this.onSync)
      this.campaigns.set(plan.id, { plan: copy, states: copy.targets.map(() => ({ state: 'planned' })), status: notStarted(copy) })
    } finally {
      this.creating.delete(plan.id)
    }
  }

  async get(id: string): Promise<Campaign | undefined> {
    const campaign = this.campaigns.get(id)
    return campaign && copyOf(campaign)
  }

  async list(): Promise<Campaign[]> {
    return newestFirst([...this.campaigns.values()]).map(copyOf)
  }

  async mark(id: string, index: number, state: TargetState): Promise<void> {
    const campaign = this.found(id)
    checkIndex(id, index, campaign.plan.targets.length)
    const copy = structuredClone(state)
    await (await this.statesLog(campaign)).append(JSON.stringify({ target: index, state: copy }))
    // After the fsync: memory only ever holds what is on disk.
    campaign.states[index] = copy
  }

  async setStatus(id: string, status: CampaignStatus): Promise<void> {
    const campaign = this.found(id)
    const copy = structuredClone(status)
    await (await this.statesLog(campaign)).append(JSON.stringify({ status: copy }))
    campaign.status = copy
  }

  async isErased(address: string): Promise<boolean> {
    // No key yet: nobody was ever added.
    return this.key !== undefined && this.erased.has(suppressionDigest(this.key, address))
  }

  async addErased(address: string): Promise<void> {
    checkOpen(this.closed)
    const digest = suppressionDigest(await this.ensureKey(), address)
    if (this.erased.has(digest)) return
    this.suppression ??= this.openLog(join(this.dir, SUPPRESSION_FILE), () => (this.suppression = undefined))
    await (await this.suppression).append(digest)
    this.erased.add(digest)
  }

  async suppressionList(): Promise<SuppressionList | undefined> {
    checkOpen(this.closed)
    return this.key && { key: this.key.toString('hex'), digests: [...this.erased].sort() }
  }

  /** The key first (its file replaced whole, durably), then the digests it does not hold yet, appended in one write. */
  async adoptSuppressionList(list: SuppressionList): Promise<void> {
    checkOpen(this.closed)
    checkSuppressionList(list)
    // A key being made by addErased is waited for, so that the check below sees it.
    await this.keyMade?.catch(() => {})
    checkAdoption(list, this.key?.toString('hex'), this.erased.size > 0)
    if (this.key?.toString('hex') !== list.key) {
      await this.ensureDir()
      await writeFileDurably(join(this.dir, SUPPRESSION_KEY_FILE), `${list.key}\n`, this.onSync)
      this.key = Buffer.from(list.key, 'hex')
      this.keyMade = undefined
    }
    const added = [...new Set(list.digests)].filter((digest) => !this.erased.has(digest))
    if (!added.length) return
    this.suppression ??= this.openLog(join(this.dir, SUPPRESSION_FILE), () => (this.suppression = undefined))
    const log = await this.suppression
    await Promise.all(added.map((digest) => log.append(digest)))
    for (const digest of added) this.erased.add(digest)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const logs = [...[...this.campaigns.values()].map((c) => c.log), this.suppression]
    for (const log of logs) await (await log?.catch(() => undefined))?.close()
  }

  private found(id: string): Kept {
    checkOpen(this.closed)
    const campaign = this.campaigns.get(id)
    if (!campaign) throw unknownCampaign(id)
    return campaign
  }

  private statesLog(campaign: Kept): Promise<LineLog> {
    campaign.log ??= this.openLog(join(this.dir, campaign.plan.id + STATES_SUFFIX), () => delete campaign.log)
    return campaign.log
  }

  /** Opens an append-only file; a new one's name is made durable in the folder before it is used. */
  private async openLog(file: string, onFailure: () => void): Promise<LineLog> {
    try {
      await this.ensureDir()
      const appended = await AppendFile.open(file, this.onSync)
      if (appended.size === 0)
        await syncDir(this.dir, this.onSync).catch(async (error: Error) => {
          await appended.close()
          throw error
        })
      return new LineLog(appended)
    } catch (error) {
      // Tried again on the next write (the disk may take it by then).
      onFailure()
      throw error
    }
  }

  /** campaigns/ itself, made on the first write and fsynced into the data folder. */
  private ensureDir(): Promise<void> {
    this.made ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: DIR_MODE })
      await chmod(this.dir, DIR_MODE)
      await syncDir(join(this.dir, '..'), this.onSync)
    })().catch((error: Error) => {
      this.made = undefined
      throw error
    })
    return this.made
  }

  private ensureKey(): Promise<Buffer> {
    if (this.key) return Promise.resolve(this.key)
    this.keyMade ??= (async () => {
      const key = randomBytes(32)
      await this.ensureDir()
      // Durable before any digest made with it is: a digest without its key matches nobody.
      await writeFileDurably(join(this.dir, SUPPRESSION_KEY_FILE), `${key.toString('hex')}\n`, this.onSync)
      this.key = key
      return key
    })().catch((error: Error) => {
      this.keyMade = undefined
      throw error
    })
    return this.keyMade
  }
}

/**
 * An append-only file of lines, each batch of lines written and fdatasynced at once: lines
 * appended while a write is under way go together in the next one. A write that fails is cut
 * off the file before the next one, so a half-written line never sits in the middle.
 */
class LineLog {
  private next: { text: string[]; waiters: { resolve: () => void; reject: (error: Error) => void }[] } | undefined
  private flushing: Promise<void> | undefined
  /** The file's size before a write that failed. */
  private unwritten: number | undefined

  constructor(private readonly file: AppendFile) {}

  /** Resolves once `line` (without its newline) is on disk. */
  append(line: string): Promise<void> {
    const batch = (this.next ??= { text: [], waiters: [] })
    batch.text.push(`${line}\n`)
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }))
    this.flushing ??= this.flushLoop()
    return done
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing
    await this.file.close()
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.next) {
        const batch = this.next
        this.next = undefined
        try {
          if (this.unwritten !== undefined) {
            await truncate(this.file.path, this.unwritten)
            this.file.size = this.unwritten
            this.unwritten = undefined
          }
          const before = this.file.size
          await this.file.append(batch.text.join('')).catch((error: Error) => {
            this.unwritten = before
            throw error
          })
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error as Error)
          continue
        }
        for (const waiter of batch.waiters) waiter.resolve()
      }
    } finally {
      this.flushing = undefined
    }
  }
}

/** The complete lines of `file` (none when it does not exist); a last line cut short is noted in `torn`. */
async function readLines(file: string, torn: { file: string; completeBytes: number; bytes: number }[]): Promise<string[]> {
  const buffer = await readIfThere(file)
  const { lines, completeBytes, tornBytes } = splitLines(buffer)
  if (tornBytes) torn.push({ file, completeBytes, bytes: tornBytes })
  return lines
}

/** Applies one line of a states file to `campaign`. */
function replay(campaign: Campaign, file: string, line: number, text: string): void {
  const value = parseLine(file, line, text)
  const fail = (problem: string): never => {
    throw new DatabaseFileError(file, line, problem)
  }
  if (!isObject(value)) return fail("is not a campaign line (a target's state or the campaign's status)")
  if ('status' in value) {
    if (
      !isObject(value.status) ||
      !['running', 'paused', 'done'].includes(value.status.status as string) ||
      typeof value.status.at !== 'string'
    )
      fail('holds a status that is not running, paused or done with its time')
    campaign.status = value.status as CampaignStatus
    return
  }
  const index = value.target
  if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= campaign.states.length)
    fail(`names target ${String(index)}, and the plan has ${campaign.states.length} (numbered from 0)`)
  const problem = stateProblem(value.state)
  if (problem) fail(problem)
  campaign.states[index as number] = value.state as TargetState
}

function stateProblem(state: unknown): string | undefined {
  if (!isObject(state)) return "holds no target's state"
  if (state.state === 'planned') return undefined
  if (!['sending', 'sent', 'skipped', 'failed'].includes(state.state as string))
    return `holds a state "${String(state.state).slice(0, 20)}" that is not planned, sending, sent, skipped or failed`
  if (typeof state.at !== 'string') return `holds a ${state.state} state without its time`
  if (state.state === 'skipped' && typeof state.reason !== 'string') return 'holds a skipped state without its reason'
  if (state.state === 'failed' && typeof state.error !== 'string') return 'holds a failed state without its error'
  return undefined
}

function planProblem(value: unknown, id: string): string | undefined {
  if (!isObject(value)) return 'is not a campaign plan'
  if (value.id !== id) return `is the plan of campaign "${String(value.id).slice(0, 80)}", and its name says "${id}"`
  if (typeof value.createdAt !== 'string') return 'is a plan without its createdAt'
  if (!Array.isArray(value.targets) || !value.targets.every(isObject)) return 'is a plan without its list of targets'
  return undefined
}

async function readKey(file: string): Promise<Buffer | undefined> {
  const text = (await readIfThere(file)).toString('utf8')
  if (text === '') return undefined
  if (!/^[0-9a-f]{64}\n?$/.test(text)) throw new DatabaseFileError(file, undefined, 'is not a 32-byte key in hex')
  return Buffer.from(text.trim(), 'hex')
}

/** The file's bytes; none when it does not exist. */
async function readIfThere(file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0)
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
}

/** A copy without the open file (a caller may change what it gets). */
const copyOf = ({ plan, states, status }: Kept): Campaign => structuredClone({ plan, states, status })
