/**
 * The campaign's pace: when each client may be written to, in their own time zones, and how far
 * apart. Every instant is given in UTC with the local time it is beside it.
 */
import { describe, expect, it } from 'vitest'
import type { CampaignPace } from '../../src/domain/campaign.js'
import {
  DEFAULT_CAMPAIGN_HOURS,
  defaultCampaignPolicy,
  estimateEnd,
  isOpen,
  nextOpening,
  nextSendAt,
  paceCheck,
  paceFor,
  timeZonesOf,
} from '../../src/domain/campaign-pace.js'

const HOURS = DEFAULT_CAMPAIGN_HOURS
const CDMX = ['America/Mexico_City']
const MADRID = ['Europe/Madrid']
const SAFE = { kind: 'linked-device', minGapSeconds: 15, maxGapSeconds: 45, perDay: 150, hours: HOURS } satisfies CampaignPace
const at = (iso: string) => new Date(iso)
const fixed = (n: number) => () => n

describe('the pace of a provider', () => {
  it('is the safe one by default: the bot on a phone and the terminal alike, the Cloud API at its tier', () => {
    expect(paceFor('whatsapp', defaultCampaignPolicy())).toEqual(SAFE)
    expect(paceFor('console', defaultCampaignPolicy())).toEqual(SAFE)
    expect(paceFor('cloud', defaultCampaignPolicy())).toEqual({ kind: 'cloud', perSecond: 20, perDay: 250 })
  })
})

describe('the time zones of a number', () => {
  it('are every zone of its country, since a number does not say which', () => {
    const mexico = timeZonesOf('5215512345678')
    expect(mexico).toContain('America/Mexico_City')
    expect(mexico).toContain('America/Tijuana')
    expect(mexico).toContain('America/Cancun')
    expect([...timeZonesOf('34612345678')].sort()).toEqual(['Africa/Ceuta', 'Atlantic/Canary', 'Europe/Madrid'])
    expect(timeZonesOf('573001234567')).toEqual(['America/Bogota'])
  })

  it('are none for what is not a number, and read once per country', () => {
    expect(timeZonesOf('abc@lid')).toEqual([])
    expect(timeZonesOf('5215512345678')).toBe(timeZonesOf('5218112345678'))
  })
})

describe("business hours in the client's own time zone", () => {
  it('Madrid opens at 10:00 local on both sides of the change to summer time', () => {
    // Winter (CET, UTC+1): Friday 27 March 2026.
    expect(isOpen(HOURS, MADRID, at('2026-03-27T09:00:00Z'), 'UTC')).toBe(true) // 10:00
    expect(isOpen(HOURS, MADRID, at('2026-03-27T08:59:00Z'), 'UTC')).toBe(false) // 09:59
    // Summer (CEST, UTC+2) from Sunday 29 March: Monday 30 March.
    expect(isOpen(HOURS, MADRID, at('2026-03-30T08:00:00Z'), 'UTC')).toBe(true) // 10:00
    expect(isOpen(HOURS, MADRID, at('2026-03-30T07:59:59Z'), 'UTC')).toBe(false) // 09:59:59
    // From Saturday afternoon (15:00 CET) across the change to Monday 10:00 CEST.
    expect(nextOpening(HOURS, MADRID, at('2026-03-28T14:00:00Z'), 'UTC')).toEqual(at('2026-03-30T08:00:00Z'))
  })

  it('Mexico City has kept UTC-6 all year since 2022: 10:00 is 16:00 UTC in January and in July', () => {
    expect(isOpen(HOURS, CDMX, at('2026-01-05T16:00:00Z'), 'UTC')).toBe(true)
    expect(isOpen(HOURS, CDMX, at('2026-01-05T15:59:00Z'), 'UTC')).toBe(false)
    expect(isOpen(HOURS, CDMX, at('2026-07-06T16:00:00Z'), 'UTC')).toBe(true)
    expect(isOpen(HOURS, CDMX, at('2026-07-06T15:59:00Z'), 'UTC')).toBe(false)
    // New York does change: 10:00 is 14:00 UTC in July.
    expect(isOpen(HOURS, ['America/New_York'], at('2026-07-06T14:00:00Z'), 'UTC')).toBe(true)
  })

  it('a Spanish number is written to only when it is within hours in the Canary Islands too, an hour behind', () => {
    const spain = timeZonesOf('34612345678')
    // Monday 30 March: 10:00 in Madrid is 09:00 in Las Palmas.
    expect(isOpen(HOURS, spain, at('2026-03-30T08:00:00Z'), 'UTC')).toBe(false)
    expect(isOpen(HOURS, spain, at('2026-03-30T08:59:00Z'), 'UTC')).toBe(false)
    expect(isOpen(HOURS, spain, at('2026-03-30T09:00:00Z'), 'UTC')).toBe(true) // 11:00 Madrid, 10:00 Canarias
    expect(nextOpening(HOURS, spain, at('2026-03-30T08:00:00Z'), 'UTC')).toEqual(at('2026-03-30T09:00:00Z'))
    // Madrid closes first: 19:00 there is 18:00 in Las Palmas.
    expect(isOpen(HOURS, spain, at('2026-03-30T16:59:00Z'), 'UTC')).toBe(true)
    expect(isOpen(HOURS, spain, at('2026-03-30T17:00:00Z'), 'UTC')).toBe(false)
  })

  it('a US number is written to only in the hours shared from New York to Honolulu', () => {
    const us = timeZonesOf('12125551234')
    expect(us).toContain('America/New_York')
    expect(us).toContain('Pacific/Honolulu')
    // July: New York is UTC-4, Honolulu UTC-10. 10:00 in Honolulu is 20:00 UTC; 19:00 in New York is 23:00 UTC.
    expect(nextOpening(HOURS, us, at('2026-07-06T13:00:00Z'), 'UTC')).toEqual(at('2026-07-06T20:00:00Z'))
    expect(isOpen(HOURS, us, at('2026-07-06T22:59:00Z'), 'UTC')).toBe(true)
    expect(isOpen(HOURS, us, at('2026-07-06T23:00:00Z'), 'UTC')).toBe(false)
    // Saturday's four hours never overlap across six hours of zones: Monday it is.
    expect(nextOpening(HOURS, us, at('2026-07-11T00:00:00Z'), 'UTC')).toEqual(at('2026-07-13T20:00:00Z'))
  })

  it('Saturday closes at 14:00, and Sunday is closed', () => {
    expect(isOpen(HOURS, CDMX, at('2026-07-11T19:59:00Z'), 'UTC')).toBe(true) // Saturday 13:59
    expect(isOpen(HOURS, CDMX, at('2026-07-11T20:00:00Z'), 'UTC')).toBe(false) // Saturday 14:00
    expect(nextOpening(HOURS, CDMX, at('2026-07-11T20:00:00Z'), 'UTC')).toEqual(at('2026-07-13T16:00:00Z')) // Monday 10:00
  })

  it('with no zone known, the fallback zone is used', () => {
    expect(isOpen(HOURS, [], at('2026-07-06T16:00:00Z'), 'America/Mexico_City')).toBe(true)
    expect(isOpen(HOURS, [], at('2026-07-06T16:00:00Z'), 'Asia/Tokyo')).toBe(false) // 01:00 Tuesday
  })

  it('an opening in the hour skipped by summer time is the end of the skip', () => {
    // Madrid, 29 March 2026: at 02:00 the clocks go to 03:00, so 02:30 never comes.
    const early = { open: [{ days: ['sun' as const], from: 2 * 60 + 30, to: 4 * 60 }] }
    expect(nextOpening(early, MADRID, at('2026-03-29T00:00:00Z'), 'UTC')).toEqual(at('2026-03-29T01:00:00Z')) // 03:00 CEST
  })

  it('no hours, never', () => {
    expect(nextOpening({ open: [] }, CDMX, at('2026-07-06T16:00:00Z'), 'UTC')).toBeUndefined()
  })
})

describe('when the next message may go', () => {
  const monday11 = at('2026-07-06T17:00:00Z') // Monday 11:00 in Mexico City

  it('the first one goes at once within hours', () => {
    expect(nextSendAt(SAFE, { recentSends: [] }, CDMX, monday11, fixed(0.5), 'UTC')).toEqual(monday11)
  })

  it('a random gap of 15 to 45 seconds after the last, on a linked device', () => {
    const last = { recentSends: [monday11] }
    expect(nextSendAt(SAFE, last, CDMX, monday11, fixed(0), 'UTC')).toEqual(at('2026-07-06T17:00:15Z'))
    const longest = nextSendAt(SAFE, last, CDMX, monday11, fixed(0.999), 'UTC')!
    expect(longest.getTime() - monday11.getTime()).toBe(44_970)
    expect(longest.getTime() - monday11.getTime()).toBeLessThan(45_000)
    // Time already passed counts: 40 s after the last, a 15 s gap is over.
    const later = at('2026-07-06T17:00:40Z')
    expect(nextSendAt(SAFE, last, CDMX, later, fixed(0), 'UTC')).toEqual(later)
  })

  it('a client written to on Sunday waits until Monday 10:00 in their zone', () => {
    const sunday = at('2026-07-05T18:00:00Z') // Sunday 12:00 in Mexico City
    expect(nextSendAt(SAFE, { recentSends: [] }, CDMX, sunday, fixed(0), 'UTC')).toEqual(at('2026-07-06T16:00:00Z'))
  })

  it('after 150 in 24 hours, the next waits until the oldest leaves the 24 hours', () => {
    const first = monday11.getTime()
    const sends = Array.from({ length: 150 }, (_, i) => new Date(first + i * 30_000))
    const now = new Date(first + 150 * 30_000)
    expect(nextSendAt(SAFE, { recentSends: sends }, CDMX, now, fixed(0), 'UTC')).toEqual(at('2026-07-07T17:00:00Z'))
    // With 149 (the oldest already out of the 24 hours) the gap alone decides.
    const last = sends.at(-1)!
    expect(nextSendAt(SAFE, { recentSends: sends.slice(1) }, CDMX, last, fixed(0), 'UTC')).toEqual(new Date(last.getTime() + 15_000))
  })

  it("a day's end pushed by the daily limit into a closed day waits for the next opening", () => {
    const pace: CampaignPace = { ...SAFE, perDay: 2 }
    const saturday = [at('2026-07-11T19:30:00Z'), at('2026-07-11T19:45:00Z')] // 13:30 and 13:45 Saturday
    // 24 hours after 13:30 Saturday is Sunday: closed, so Monday 10:00.
    expect(nextSendAt(pace, { recentSends: saturday }, CDMX, at('2026-07-11T19:46:00Z'), fixed(0), 'UTC')).toEqual(
      at('2026-07-13T16:00:00Z'),
    )
  })

  it('on the Cloud API, 1/perSecond apart at any hour unless the owner set hours', () => {
    const cloud = paceFor('cloud', defaultCampaignPolicy())
    expect(cloud).toEqual({ kind: 'cloud', perSecond: 20, perDay: 250 })
    const sunday3am = at('2026-07-05T09:00:00.000Z') // Sunday 03:00 in Mexico City
    expect(nextSendAt(cloud, { recentSends: [sunday3am] }, CDMX, sunday3am, fixed(0.7), 'UTC')).toEqual(at('2026-07-05T09:00:00.050Z'))
    const withHours = paceFor('cloud', { ...defaultCampaignPolicy(), hoursLine: 40 })
    expect(nextSendAt(withHours, { recentSends: [] }, CDMX, sunday3am, fixed(0), 'UTC')).toEqual(at('2026-07-06T16:00:00Z'))
  })

  it("the Cloud API's tier is its daily limit", () => {
    const cloud = paceFor('cloud', { ...defaultCampaignPolicy(), cloud: { tier: 2000, perSecond: 80 } })
    expect(cloud).toEqual({ kind: 'cloud', perSecond: 80, perDay: 2000 })
  })

  it('never, for a client whose zones never share an open minute', () => {
    const saturdayOnly = { ...SAFE, hours: { open: [{ days: ['sat' as const], from: 10 * 60, to: 12 * 60 }] } }
    expect(nextSendAt(saturdayOnly, { recentSends: [] }, timeZonesOf('12125551234'), monday11, fixed(0), 'UTC')).toBeUndefined()
  })
})

describe("the dry run's estimate", () => {
  const mexico = timeZonesOf('5215512345678')
  // Monday 6 July 2026, 09:00 in Mexico City. In July, Mexico's zones span UTC-7 (Tijuana,
  // Hermosillo) to UTC-5 (Cancún): weekdays open from 10:00 in Tijuana (17:00 UTC, 11:00 in Mexico
  // City) to 19:00 in Cancún (00:00 UTC).
  const start = at('2026-07-06T15:00:00Z')

  it('150 Mexican numbers at the safe pace take one day: 149 mean gaps of 30 s after the first at 17:00 UTC', () => {
    // 149 × 30 s = 4,470 s = 74.5 min: 17:00 + 1:14:30 = 18:14:30 UTC, within the 7 hours open.
    // 150 is the daily limit too, so the list fits in exactly one day.
    expect(estimateEnd(SAFE, Array(150).fill(mexico), start, 'UTC')).toEqual(at('2026-07-06T18:14:30Z'))
  })

  it('300 take two: the 151st waits for the first to leave the 24 hours', () => {
    // 151st at Tuesday 17:00 UTC (first + 24 h), then the same 149 gaps.
    expect(estimateEnd(SAFE, Array(300).fill(mexico), start, 'UTC')).toEqual(at('2026-07-07T18:14:30Z'))
  })

  it('on the Cloud API at the 250 tier, 251 people take a day and 50 ms', () => {
    const cloud = paceFor('cloud', defaultCampaignPolicy())
    // No hours: the first goes at once; the 251st 24 h after the first.
    expect(estimateEnd(cloud, Array(251).fill(mexico), start, 'UTC')).toEqual(at('2026-07-07T15:00:00Z'))
    expect(estimateEnd(cloud, Array(250).fill(mexico), start, 'UTC')).toEqual(new Date(start.getTime() + 249 * 50))
  })

  it('no targets end where they start', () => {
    expect(estimateEnd(SAFE, [], start, 'UTC')).toEqual(start)
  })
})

describe('going faster than the safe pace', () => {
  const fast: CampaignPace = { kind: 'linked-device', minGapSeconds: 5, maxGapSeconds: 10, perDay: 150 }

  it('is refused without --faster, naming the setting and the safe value', () => {
    const { refused, warning } = paceCheck(fast, false)
    expect(warning).toBeUndefined()
    expect(refused).toMatch(/gap 5-10 seconds is faster than the safe 15-45 seconds/)
    expect(refused).toMatch(/--faster/)
    expect(refused).not.toMatch(/\n/)
  })

  it('is a warning with --faster', () => {
    const { refused, warning } = paceCheck(fast, true)
    expect(refused).toBeUndefined()
    expect(warning).toMatch(/gap 5-10 seconds is faster than the safe 15-45 seconds/)
  })

  it('names every setting over the safe one', () => {
    expect(paceCheck({ ...SAFE, perDay: 400 }, false).refused).toMatch(/perDay 400 is more than the safe 150/)
    expect(paceCheck({ kind: 'cloud', perSecond: 60, perDay: 250 }, false).refused).toMatch(/cloud perSecond 60 is more than the safe 20/)
  })

  it('says nothing within the safe pace', () => {
    expect(paceCheck(SAFE, false)).toEqual({})
    expect(paceCheck({ ...SAFE, minGapSeconds: 20, maxGapSeconds: 60, perDay: 100 }, false)).toEqual({})
    expect(paceCheck(paceFor('cloud', defaultCampaignPolicy()), false)).toEqual({})
  })
})
