/**
 * The campaign runner's bookkeeping, with a fake clock, the memory campaign store (the same
 * contract as the files and PostgreSQL, test/ports/campaign-store.test.ts) and an invitation
 * function standing in for the engine's: what a crash leaves `sending`, failures in a row, the
 * daily cap across campaigns. The whole path, provider included, is test/campaign/.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryCampaignStore } from '../../src/adapters/memory-campaign-store.js'
import { CampaignRunner } from '../../src/app/campaign-runner.js'
import type { InvitationOutcome, InvitationRequest } from '../../src/app/invitations.js'
import { silentLogger } from '../../src/app/logger.js'
import type { CampaignPlan } from '../../src/domain/campaign.js'
import { everyNumberForm } from '../../src/main/campaign-store.js'

const START = Date.parse('2026-12-07T18:00:00Z') // a Monday, 12:00 in Mexico City: open everywhere in Mexico

function setup(
  invite: (r: InvitationRequest) => Promise<InvitationOutcome> = async (r) => ({ sent: true, contact: r.phone, messageIds: [] }),
) {
  let now = START
  const invited: string[] = []
  const store = everyNumberForm(createMemoryCampaignStore())
  const runner = new CampaignRunner({
    store,
    invite: async (request) => {
      invited.push(request.phone)
      return invite(request)
    },
    wasInvited: async (phone) => phone.endsWith('2'),
    clock: () => new Date(now),
    wait: async (ms) => {
      now += ms
    },
    random: () => 0,
    log: silentLogger,
    fallbackZone: 'America/Mexico_City',
  })
  return { store, runner, invited, now: () => now }
}

function plan(id: string, phones: string[], perDay = 150): CampaignPlan {
  return {
    id,
    createdAt: new Date(START).toISOString(),
    policyVersion: '2026-11-01',
    provider: 'whatsapp',
    pace: { kind: 'linked-device', minGapSeconds: 15, maxGapSeconds: 45, perDay },
    includeKnown: false,
    source: 'clientes.csv',
    targets: phones.map((phone, i) => ({ phone, line: i + 2 })),
    skipped: [],
  }
}

describe('a campaign resumed after a crash', () => {
  it('counts as sent a target whose invitation was saved, and writes again to one whose was not', async () => {
    const { store, runner, invited } = setup()
    await store.create(plan('c1', ['5215512340001', '5215512340002', '5215512340003']))
    // The crash: two targets left `sending`; the second's invitation had been saved (wasInvited).
    await store.mark('c1', 0, { state: 'sending', at: new Date(START).toISOString() })
    await store.mark('c1', 1, { state: 'sending', at: new Date(START).toISOString() })
    await runner.start('c1')
    await runner.finished()
    expect(invited).toEqual(['5215512340001', '5215512340003'])
    const campaign = (await store.get('c1'))!
    expect(campaign.states.map((s) => s.state)).toEqual(['sent', 'sent', 'sent'])
    expect(campaign.status.status).toBe('done')
  })
})

describe('trouble', () => {
  it('five failures in a row stop the campaign, naming the last error and how to resume', async () => {
    const { store, runner, invited } = setup(async () => {
      throw new Error('socket hang up')
    })
    await store.create(plan('c1', ['5215512340001', '5215512340003', '5215512340005', '5215512340007', '5215512340009', '5215512340011']))
    await runner.start('c1')
    await runner.finished()
    expect(invited).toHaveLength(5)
    const campaign = (await store.get('c1'))!
    expect(campaign.status).toMatchObject({
      status: 'paused',
      reason: '5 messages in a row failed (the last: socket hang up); the bot log says more; then npm run campaign -- --resume c1',
    })
    expect(campaign.states.map((s) => s.state)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'planned'])
  })
})

describe('the daily cap', () => {
  it("counts another campaign's invitations of the last 24 hours: the next one waits until the oldest is a day old", async () => {
    const { store, runner, now } = setup()
    await store.create(plan('earlier', ['5215512340001', '5215512340003'], 2))
    await runner.start('earlier')
    await runner.finished()
    const earlier = (await store.get('earlier'))!.states.map((s) => (s.state === 'sent' ? s.at : ''))
    await store.create(plan('later', ['5215512340005'], 2))
    await runner.start('later')
    await runner.finished()
    const later = (await store.get('later'))!.states[0]!
    expect(later.state).toBe('sent')
    // Two a day: the third goes no sooner than 24 hours after the first.
    expect(Date.parse((later as { at: string }).at)).toBeGreaterThanOrEqual(Date.parse(earlier[0]!) + 24 * 3600_000)
    expect(now()).toBeGreaterThanOrEqual(Date.parse(earlier[0]!) + 24 * 3600_000)
  })

  it('one campaign sends at a time: a second cannot start while the first runs', async () => {
    const { store, runner } = setup()
    await store.create(plan('a', ['5215512340001']))
    await store.create(plan('b', ['5215512340003']))
    await runner.start('a')
    await expect(runner.start('b')).rejects.toThrow(/campaign a is running: pause it first/)
    await runner.finished()
  })
})
