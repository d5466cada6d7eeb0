/**
 * What every CampaignStore promises, whatever keeps the campaigns: run against each adapter
 * (wrapped as the bot opens it, with every form of a number on the suppression list) through a
 * place that can open the store on the same data again, as a bot restarted after a crash does.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { CampaignPlan, CampaignStatus, TargetState } from '../../src/domain/campaign.js'
import type { CampaignStore } from '../../src/ports/campaign-store.js'

export interface CampaignPlace {
  /** Opens the store on this place's data (again, once the one before is closed, where `reopens`). */
  open(): Promise<CampaignStore>
  /** Whether the data outlives a store (false in memory: `open` gives the same store). */
  reopens: boolean
  /** Everything the store keeps, as text (files' bytes, rows), to look for what must not be there. */
  stored?(): Promise<string>
  /** The store of another number of the same database, where there is one. */
  neighbour?(): Promise<CampaignStore>
}

/** A new, empty place; each call its own. */
export type CampaignPlaceFactory = () => Promise<CampaignPlace>

export const MEXICAN = '5215512345678'
export const MEXICAN_OLD = '525512345678'
export const SPANISH = '34612345678'
export const LID = '123456789012345@lid'

/** A plan of `phones`, made at `createdAt`. */
export function plan(
  id: string,
  createdAt = '2025-03-01T10:00:00.000Z',
  phones = ['5215511110001', '34600000002', '447700900003'],
): CampaignPlan {
  return {
    id,
    createdAt,
    policyVersion: '2025-03',
    provider: 'cloud',
    pace: { kind: 'cloud', perSecond: 80, perDay: 1000 },
    includeKnown: false,
    source: 'clientes.csv',
    targets: phones.map((phone, n) => ({ phone, line: n + 2, ...(n === 0 ? { name: 'Ana', language: 'es' as const } : {}) })),
    skipped: [{ reason: 'invalid', line: 9 }],
  }
}

const sending = (at: string): TargetState => ({ state: 'sending', at })
const sent = (at: string): TargetState => ({ state: 'sent', at, messageIds: ['wamid.1'] })
const running: CampaignStatus = { status: 'running', at: '2025-03-01T10:05:00.000Z' }

/** `numbers`: the store keeps several numbers apart (PostgreSQL), and the factory gives a neighbour. */
export function campaignStoreContract(name: string, factory: CampaignPlaceFactory, options: { numbers?: boolean } = {}): void {
  describe(`${name}: the CampaignStore contract`, () => {
    const opened: CampaignStore[] = []
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close()
    })
    /** A new place and its first store. */
    const start = async () => {
      const place = await factory()
      const store = await place.open()
      opened.push(store)
      return { place, store }
    }
    /** The store as a restarted bot finds it: closed and opened again where the data outlives it. */
    const reopen = async (place: CampaignPlace, store: CampaignStore) => {
      if (!place.reopens) return store
      await store.close()
      const again = await place.open()
      opened.push(again)
      return again
    }

    it('keeps a new campaign with every target planned and the status paused (not started)', async () => {
      const { place, store } = await start()
      const made = plan('c1')
      await store.create(made)
      const expected = {
        plan: made,
        states: [{ state: 'planned' }, { state: 'planned' }, { state: 'planned' }],
        status: { status: 'paused', at: made.createdAt, reason: 'not started' },
      }
      expect(await store.get('c1')).toEqual(expected)
      expect(await (await reopen(place, store)).get('c1')).toEqual(expected)
    })

    it('gets nothing for an id it does not keep, and hands out copies', async () => {
      const { store } = await start()
      expect(await store.get('nope')).toBeUndefined()
      await store.create(plan('c1'))
      const got = (await store.get('c1'))!
      got.states[0] = sent('x')
      got.plan.targets.pop()
      expect((await store.get('c1'))!.states[0]).toEqual({ state: 'planned' })
      expect((await store.get('c1'))!.plan.targets).toHaveLength(3)
    })

    it('refuses a second campaign with the same id, and an id that could not name a file', async () => {
      const { store } = await start()
      await store.create(plan('c1'))
      await expect(store.create(plan('c1', '2025-04-01T00:00:00.000Z'))).rejects.toThrow(/campaign "c1" is kept already/)
      await expect(store.create(plan('../c2'))).rejects.toThrow(/not a campaign id/)
      expect((await store.list()).map((c) => c.plan.id)).toEqual(['c1'])
      expect((await store.get('c1'))!.plan.createdAt).toBe('2025-03-01T10:00:00.000Z')
    })

    it('keeps every mark for a store opened again, the latest per target winning', async () => {
      const { place, store } = await start()
      await store.create(plan('c1'))
      await store.mark('c1', 0, sending('2025-03-01T10:05:00.000Z'))
      await store.mark('c1', 0, sent('2025-03-01T10:05:01.000Z'))
      await store.mark('c1', 2, sending('2025-03-01T10:05:02.000Z'))
      await store.mark('c1', 2, { state: 'failed', at: '2025-03-01T10:05:03.000Z', error: 'Meta said 131049' })
      await store.mark('c1', 1, { state: 'skipped', at: '2025-03-01T10:05:04.000Z', reason: 'opted-out' })
      const expected = [
        sent('2025-03-01T10:05:01.000Z'),
        { state: 'skipped', at: '2025-03-01T10:05:04.000Z', reason: 'opted-out' },
        { state: 'failed', at: '2025-03-01T10:05:03.000Z', error: 'Meta said 131049' },
      ]
      expect((await store.get('c1'))!.states).toEqual(expected)
      expect((await (await reopen(place, store)).get('c1'))!.states).toEqual(expected)
    })

    it('keeps marks made all at once, each in its place', async () => {
      const { place, store } = await start()
      const phones = Array.from({ length: 120 }, (_, n) => String(34600000000 + n))
      await store.create(plan('many', undefined, phones))
      await Promise.all(phones.map((_, n) => store.mark('many', n, sent(`2025-03-01T10:00:${String(n % 60).padStart(2, '0')}.000Z`))))
      const states = (await (await reopen(place, store)).get('many'))!.states
      expect(states).toEqual(phones.map((_, n) => sent(`2025-03-01T10:00:${String(n % 60).padStart(2, '0')}.000Z`)))
    })

    it('keeps the latest status', async () => {
      const { place, store } = await start()
      await store.create(plan('c1'))
      await store.setStatus('c1', running)
      expect((await store.get('c1'))!.status).toEqual(running)
      const paused: CampaignStatus = { status: 'paused', at: '2025-03-01T12:00:00.000Z', reason: 'Ctrl-C' }
      await store.setStatus('c1', paused)
      const again = await reopen(place, store)
      expect((await again.get('c1'))!.status).toEqual(paused)
      await again.setStatus('c1', { status: 'done', at: '2025-03-02T09:00:00.000Z' })
      expect((await (await reopen(place, again)).get('c1'))!.status).toEqual({ status: 'done', at: '2025-03-02T09:00:00.000Z' })
    })

    it('lists every campaign, newest first', async () => {
      const { place, store } = await start()
      expect(await store.list()).toEqual([])
      await store.create(plan('march', '2025-03-01T10:00:00.000Z'))
      await store.create(plan('may', '2025-05-01T10:00:00.000Z'))
      await store.create(plan('april', '2025-04-01T10:00:00.000Z'))
      const order = ['may', 'april', 'march']
      expect((await store.list()).map((c) => c.plan.id)).toEqual(order)
      const listed = await (await reopen(place, store)).list()
      expect(listed.map((c) => c.plan.id)).toEqual(order)
      expect(listed[0]!.states).toEqual([{ state: 'planned' }, { state: 'planned' }, { state: 'planned' }])
    })

    it('keeps two campaigns apart', async () => {
      const { place, store } = await start()
      await store.create(plan('a'))
      await store.create(plan('b', '2025-03-02T10:00:00.000Z'))
      await store.mark('a', 1, sent('2025-03-01T10:06:00.000Z'))
      await store.setStatus('b', running)
      const again = await reopen(place, store)
      expect(await again.get('a')).toMatchObject({
        states: [{ state: 'planned' }, sent('2025-03-01T10:06:00.000Z'), { state: 'planned' }],
        status: { status: 'paused' },
      })
      expect(await again.get('b')).toMatchObject({
        states: [{ state: 'planned' }, { state: 'planned' }, { state: 'planned' }],
        status: running,
      })
    })

    it('refuses a mark or a status for a campaign it does not keep, and a target out of range, changing nothing', async () => {
      const { place, store } = await start()
      await store.create(plan('c1'))
      await expect(store.mark('nope', 0, sent('x'))).rejects.toThrow(/no campaign "nope"/)
      await expect(store.setStatus('nope', running)).rejects.toThrow(/no campaign "nope"/)
      for (const index of [3, -1, 1.5, Number.NaN])
        await expect(store.mark('c1', index, sent('x'))).rejects.toThrow(/Campaign "c1" has no target .*numbered 0 to 2/)
      expect(await (await reopen(place, store)).get('c1')).toMatchObject({
        states: [{ state: 'planned' }, { state: 'planned' }, { state: 'planned' }],
        status: { status: 'paused' },
      })
    })

    it('keeps an erased address under both forms of a Mexican number, and only a digest of it', async () => {
      const { place, store } = await start()
      for (const address of [MEXICAN, MEXICAN_OLD, SPANISH, LID]) expect(await store.isErased(address)).toBe(false)
      await store.addErased(MEXICAN)
      await store.addErased(LID)
      const check = async (kept: CampaignStore) => {
        expect(await kept.isErased(MEXICAN)).toBe(true)
        expect(await kept.isErased(MEXICAN_OLD)).toBe(true)
        expect(await kept.isErased(LID)).toBe(true)
        expect(await kept.isErased(SPANISH)).toBe(false)
        expect(await kept.isErased('5215512345679')).toBe(false)
      }
      await check(store)
      const again = await reopen(place, store)
      await check(again)
      // Erased under the form without the 1: found under both as well.
      await again.addErased('525599998888')
      expect(await again.isErased('5215599998888')).toBe(true)
      const stored = await place.stored?.()
      if (stored !== undefined) {
        expect(stored.length).toBeGreaterThan(0)
        for (const digits of [MEXICAN, MEXICAN_OLD, '5512345678', '123456789012345', '5599998888']) expect(stored).not.toContain(digits)
      }
    })

    it('adds an address twice as once', async () => {
      const { place, store } = await start()
      await store.addErased(SPANISH)
      await store.addErased(SPANISH)
      expect(await (await reopen(place, store)).isErased(SPANISH)).toBe(true)
    })

    it('has no suppression list before anyone is erased, then its key and every digest, sorted', async () => {
      const { place, store } = await start()
      expect(await store.suppressionList()).toBeUndefined()
      await store.create(plan('c1'))
      const kept = await reopen(place, store)
      expect(await kept.suppressionList()).toBeUndefined()
      await kept.addErased(MEXICAN)
      await kept.addErased(LID)
      const list = (await kept.suppressionList())!
      expect(list.key).toMatch(/^[0-9a-f]{64}$/)
      // Both forms of the Mexican number, and the id without a number.
      expect(list.digests).toHaveLength(3)
      expect(list.digests).toEqual([...list.digests].sort())
      for (const digest of list.digests) expect(digest).toMatch(/^[0-9a-f]{64}$/)
      expect(await (await reopen(place, kept)).suppressionList()).toEqual(list)
    })

    it("adopts another store's suppression list as its own, for a store opened again", async () => {
      const source = await start()
      await source.store.addErased(MEXICAN_OLD)
      await source.store.addErased(LID)
      const list = (await source.store.suppressionList())!
      const { place, store } = await start()
      await store.adoptSuppressionList(list)
      // The same list again changes nothing.
      await store.adoptSuppressionList(list)
      const again = await reopen(place, store)
      for (const address of [MEXICAN, MEXICAN_OLD, LID]) expect(await again.isErased(address), address).toBe(true)
      expect(await again.isErased(SPANISH)).toBe(false)
      expect(await again.suppressionList()).toEqual(list)
      // The adopted key is its own now: an address erased afterwards is kept under it.
      await again.addErased(SPANISH)
      const after = await reopen(place, again)
      expect(await after.isErased(SPANISH)).toBe(true)
      expect(await after.isErased(MEXICAN)).toBe(true)
      expect((await after.suppressionList())!.key).toBe(list.key)
    })

    it('refuses a list under another key once it holds digests, and a list that is no list, changing nothing', async () => {
      const source = await start()
      await source.store.addErased(MEXICAN)
      const list = (await source.store.suppressionList())!
      const { place, store } = await start()
      await store.addErased(SPANISH)
      const own = (await store.suppressionList())!
      await expect(store.adoptSuppressionList(list)).rejects.toThrow(
        /already holds digests under a key of its own.*copied only into a store that has none. Nothing was changed/,
      )
      await expect(store.adoptSuppressionList({ key: 'zz', digests: [] })).rejects.toThrow(/no key of 32 bytes in hex/)
      await expect(store.adoptSuppressionList({ key: list.key, digests: ['5215512345678'] })).rejects.toThrow(
        /Digest 1 .* is not an HMAC-SHA256/,
      )
      const again = await reopen(place, store)
      expect(await again.suppressionList()).toEqual(own)
      expect(await again.isErased(SPANISH)).toBe(true)
      expect(await again.isErased(MEXICAN)).toBe(false)
    })

    it('is refused after close', async () => {
      const { store } = await start()
      await store.create(plan('c1'))
      await store.close()
      await expect(store.mark('c1', 0, sent('x'))).rejects.toThrow(/closed/)
      await expect(store.create(plan('c2'))).rejects.toThrow(/closed/)
    })

    // Only where one store holds several numbers (PostgreSQL): files and memory hold one number each.
    if (options.numbers)
      it("shows another number's store none of its campaigns nor its suppression list", async () => {
        const { place, store } = await start()
        if (!place.neighbour) throw new Error('a store of several numbers gives its neighbour')
        await store.create(plan('c1'))
        await store.mark('c1', 0, sent('2025-03-01T10:05:01.000Z'))
        await store.addErased(MEXICAN)
        const neighbour = await place.neighbour()
        opened.push(neighbour)
        expect(await neighbour.list()).toEqual([])
        expect(await neighbour.get('c1')).toBeUndefined()
        expect(await neighbour.isErased(MEXICAN)).toBe(false)
        await expect(neighbour.mark('c1', 0, sent('x'))).rejects.toThrow(/no campaign "c1"/)
        // The same id is free there, and the two stay apart.
        await neighbour.create(plan('c1', '2025-06-01T00:00:00.000Z'))
        await neighbour.mark('c1', 1, sent('2025-06-01T00:00:01.000Z'))
        expect((await store.get('c1'))!.states).toEqual([sent('2025-03-01T10:05:01.000Z'), { state: 'planned' }, { state: 'planned' }])
        expect((await store.get('c1'))!.plan.createdAt).toBe('2025-03-01T10:00:00.000Z')
      })
  })
}
