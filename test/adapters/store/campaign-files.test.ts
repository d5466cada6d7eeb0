/**
 * Campaigns in the data folder's files, beyond the contract: what a kill leaves (a last line cut
 * short), what the bot refuses to read (and leaves as it is), the files' modes, what is fsynced
 * before a mark resolves, and how long a mark takes.
 */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { TargetState } from '../../../src/domain/campaign.js'
import {
  CAMPAIGNS_DIR,
  type CampaignFilesOptions,
  openCampaignFiles,
  SUPPRESSION_FILE,
  SUPPRESSION_KEY_FILE,
} from '../../../src/adapters/store/campaign-files.js'
import { DatabaseFileError } from '../../../src/adapters/store/errors.js'
import { everyNumberForm } from '../../../src/main/campaign-store.js'
import type { CampaignStore } from '../../../src/ports/campaign-store.js'
import { MEXICAN, MEXICAN_OLD, plan } from '../../ports/campaign-store.contract.js'
import { contents, listAll, tempDir } from './helpers.js'

const opened: CampaignStore[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})

async function open(dir: string, options: CampaignFilesOptions = {}): Promise<CampaignStore> {
  const store = await openCampaignFiles(dir, options)
  opened.push(store)
  return store
}

const sent = (n: number): TargetState => ({ state: 'sent', at: `2025-03-01T10:00:0${n}.000Z`, messageIds: [`wamid.${n}`] })
const statesFile = (dir: string, id: string) => join(dir, CAMPAIGNS_DIR, `${id}.states.jsonl`)

describe('campaign files', () => {
  it('lays out a plan, its states and the suppression list, only the bot user reading them', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = everyNumberForm(await open(dir))
    expect(existsSync(join(dir, CAMPAIGNS_DIR)), 'nothing is made before it is needed').toBe(false)
    await store.create(plan('c1'))
    await store.mark('c1', 0, sent(1))
    await store.addErased(MEXICAN)
    expect(listAll(dir)).toEqual([
      { path: CAMPAIGNS_DIR, isDir: true, mode: 0o700 },
      { path: `${CAMPAIGNS_DIR}/c1.plan.json`, isDir: false, mode: 0o600 },
      { path: `${CAMPAIGNS_DIR}/c1.states.jsonl`, isDir: false, mode: 0o600 },
      { path: `${CAMPAIGNS_DIR}/${SUPPRESSION_KEY_FILE}`, isDir: false, mode: 0o600 },
      { path: `${CAMPAIGNS_DIR}/${SUPPRESSION_FILE}`, isDir: false, mode: 0o600 },
    ])
    expect(JSON.parse(readFileSync(join(dir, CAMPAIGNS_DIR, 'c1.plan.json'), 'utf8'))).toEqual(plan('c1'))
    expect(readFileSync(statesFile(dir, 'c1'), 'utf8')).toBe(`${JSON.stringify({ target: 0, state: sent(1) })}\n`)
    // A digest per form of the number, so the bare store (no wrapper) finds either form too.
    expect(readFileSync(join(dir, CAMPAIGNS_DIR, SUPPRESSION_FILE), 'utf8')).toMatch(/^[0-9a-f]{64}\n[0-9a-f]{64}\n$/)
    await store.close()
    const bare = await open(dir)
    expect(await bare.isErased(MEXICAN)).toBe(true)
    expect(await bare.isErased(MEXICAN_OLD)).toBe(true)
  })

  it('has fsynced a mark and a status before they resolve', async () => {
    const dir = tempDir('consent-campaigns-')
    const synced: string[] = []
    const store = await open(dir, { onSync: (path) => synced.push(path) })
    await store.create(plan('c1'))
    expect(synced).toContain(join(dir, CAMPAIGNS_DIR))
    synced.length = 0
    await store.mark('c1', 1, sent(1))
    expect(synced).toContain(statesFile(dir, 'c1'))
    synced.length = 0
    await store.setStatus('c1', { status: 'running', at: '2025-03-01T10:00:00.000Z' })
    expect(synced).toEqual([statesFile(dir, 'c1')])
  })

  it('cuts away a last line a kill cut short, and goes on from the lines before it', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = await open(dir)
    await store.create(plan('c1'))
    await store.mark('c1', 0, { state: 'sending', at: '2025-03-01T10:00:00.000Z' })
    await store.mark('c1', 0, sent(1))
    await store.mark('c1', 1, { state: 'sending', at: '2025-03-01T10:00:02.000Z' })
    await store.close()
    const file = statesFile(dir, 'c1')
    const complete = statSync(file).size
    // The process died in the middle of writing the next line.
    appendFileSync(file, `${JSON.stringify({ target: 1, state: sent(2) })}\n`)
    truncateSync(file, complete + 17)

    const warnings: unknown[] = []
    const logger = { debug() {}, info() {}, error() {}, warn: (event: string, fields?: unknown) => warnings.push([event, fields]) }
    const again = await open(dir, { logger })
    expect((await again.get('c1'))!.states).toEqual([sent(1), { state: 'sending', at: '2025-03-01T10:00:02.000Z' }, { state: 'planned' }])
    expect(statSync(file).size).toBe(complete)
    expect(warnings).toEqual([['campaign.torn_line_cut', { file: `${CAMPAIGNS_DIR}/c1.states.jsonl`, bytes: 17 }]])
    // What follows is a clean line, not glued to the cut one.
    await again.mark('c1', 2, sent(3))
    await again.close()
    expect((await (await open(dir)).get('c1'))!.states).toEqual([sent(1), { state: 'sending', at: '2025-03-01T10:00:02.000Z' }, sent(3)])
  })

  it('refuses a line in the middle that does not read, with its file and line, and leaves every file as it was', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = await open(dir)
    await store.create(plan('c1'))
    for (const n of [0, 1, 2]) await store.mark('c1', n, sent(n))
    await store.close()
    const file = statesFile(dir, 'c1')
    const lines = readFileSync(file, 'utf8').split('\n')
    lines[1] = lines[1]!.replace('"state":{', '"state":')
    // A torn last line as well: not cut either, since the start is refused.
    writeFileSync(file, `${lines.join('\n')}{"target":`)
    const before = contents(dir)

    const refused = await openCampaignFiles(dir).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DatabaseFileError)
    expect((refused as Error).message).toMatch(new RegExp(`^${file}:2: is not valid JSON .*The file was left as it is`))
    expect((refused as Error).message).not.toContain('wamid')
    expect(contents(dir)).toEqual(before)
  })

  it('refuses a line that names a target the plan does not have, or a state it does not know', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = await open(dir)
    await store.create(plan('c1'))
    await store.mark('c1', 0, sent(0))
    await store.close()
    const file = statesFile(dir, 'c1')
    appendFileSync(file, `${JSON.stringify({ target: 3, state: sent(1) })}\n`)
    await expect(openCampaignFiles(dir)).rejects.toThrow(`${file}:2: names target 3, and the plan has 3 (numbered from 0)`)
    writeFileSync(file, `${JSON.stringify({ target: 0, state: { state: 'delivered', at: 'x' } })}\n`)
    await expect(openCampaignFiles(dir)).rejects.toThrow(`${file}:1: holds a state "delivered" that is not planned`)
  })

  it('refuses states without their plan, and a suppression list without its key', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = await open(dir)
    await store.create(plan('c1'))
    await store.mark('c1', 0, sent(0))
    await store.addErased(MEXICAN)
    await store.close()
    const key = join(dir, CAMPAIGNS_DIR, SUPPRESSION_KEY_FILE)
    const keyText = readFileSync(key)
    writeFileSync(key, '')
    await expect(openCampaignFiles(dir)).rejects.toThrow(
      /suppression\.key: is missing, and suppression\.txt holds digests only it can match/,
    )
    writeFileSync(key, keyText)
    writeFileSync(join(dir, CAMPAIGNS_DIR, 'gone.states.jsonl'), `${JSON.stringify({ target: 0, state: sent(0) })}\n`)
    await expect(openCampaignFiles(dir)).rejects.toThrow(
      /gone\.states\.jsonl: holds the states of a campaign whose plan \(gone\.plan\.json\) is missing/,
    )
  })

  it('drops a plan a kill left half-made (its temp file): that campaign was never created', async () => {
    const dir = tempDir('consent-campaigns-')
    const store = await open(dir)
    await store.create(plan('c1'))
    await store.close()
    writeFileSync(join(dir, CAMPAIGNS_DIR, 'c2.plan.json.tmp'), '{"id":"c2","crea')
    const again = await open(dir)
    expect((await again.list()).map((c) => c.plan.id)).toEqual(['c1'])
    expect(existsSync(join(dir, CAMPAIGNS_DIR, 'c2.plan.json.tmp'))).toBe(false)
    await again.create(plan('c2', '2025-03-02T00:00:00.000Z'))
    expect((await again.list()).map((c) => c.plan.id)).toEqual(['c2', 'c1'])
  })

  it('takes a mark in about one fdatasync (measured, not asserted: the Cloud pace is up to 80 a second)', async () => {
    const dir = tempDir('consent-campaigns-')
    const synced: string[] = []
    const store = await open(dir, { onSync: (path) => synced.push(path) })
    const phones = Array.from({ length: 400 }, (_, n) => String(34600000000 + n))
    await store.create(plan('bench', undefined, phones))
    const one = performance.now()
    for (let n = 0; n < 200; n++) await store.mark('bench', n, sent(n % 10))
    const each = (performance.now() - one) / 200
    synced.length = 0
    const together = performance.now()
    await Promise.all(phones.slice(200).map((_, n) => store.mark('bench', 200 + n, sent(n % 10))))
    const batched = (performance.now() - together) / 200
    console.info(
      `campaign files: one mark at a time ${each.toFixed(2)} ms (${Math.round(1000 / each)}/s); 200 at once ${batched.toFixed(3)} ms each, in ${synced.length} fdatasyncs`,
    )
    // Marks made together share fsyncs.
    expect(synced.length).toBeLessThan(20)
    expect((await store.get('bench'))!.states.every((state) => state.state === 'sent')).toBe(true)
  })
})
