/**
 * How fast a notice campaign may write, and when. A linked device (Baileys) that writes to many
 * people in a burst gets the number banned (reports speak of a few dozen messages), so it writes
 * one message every 15 to 45 seconds, 150 a day, within business hours in each client's own time
 * zone. Meta's Cloud API allows business-initiated messages to as many people a day as the
 * account's messaging tier (250, 2,000, 10,000 or 100,000) and at most 80 messages a second.
 *
 * Pure: every instant is passed in, randomness too.
 */
import { isTimeZone, wallParts } from './time-zone.js'
import { getCountry } from 'countries-and-timezones'
import type { CampaignHours, CampaignPace } from './campaign.js'
import { countryOf } from './language.js'
import type { CampaignPolicy, CloudTier } from './policy.js'

/** A linked device's safe pace: slower than a person answering their chats, well under the burst that gets numbers banned. */
export const SAFE_LINKED_DEVICE = { minGapSeconds: 15, maxGapSeconds: 45, perDay: 150 } as const

/** Below this gap no `--faster` helps: the policy file refuses it. */
export const MIN_GAP_SECONDS = 5
/** A linked device never writes more than this a day: beyond it, the Cloud API is the way. */
export const MAX_LINKED_PER_DAY = 1000

/** Weekdays 10:00–19:00, Saturday 10:00–14:00: when a shop's client expects a shop's message. */
export const DEFAULT_CAMPAIGN_HOURS: CampaignHours = {
  open: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: 10 * 60, to: 19 * 60 },
    { days: ['sat'], from: 10 * 60, to: 14 * 60 },
  ],
}

/** Meta's messaging tiers: business-initiated conversations with this many people in 24 hours. */
export const CLOUD_TIERS: readonly CloudTier[] = [250, 2000, 10000, 100000]
/** Well under Meta's 80 a second, so the bot's own replies still get through during a campaign. */
export const SAFE_CLOUD_PER_SECOND = 20
/** Meta's throughput limit per business number. */
export const MAX_CLOUD_PER_SECOND = 80

/** The policy's `campaign` section when the owner writes none: the safe values. */
export function defaultCampaignPolicy(): CampaignPolicy {
  return {
    hours: { open: DEFAULT_CAMPAIGN_HOURS.open.map((o) => ({ ...o, days: [...o.days] })) },
    gap: { minSeconds: SAFE_LINKED_DEVICE.minGapSeconds, maxSeconds: SAFE_LINKED_DEVICE.maxGapSeconds },
    perDay: SAFE_LINKED_DEVICE.perDay,
    cloud: { tier: 250, perSecond: SAFE_CLOUD_PER_SECOND },
    templates: {},
  }
}

/** The pace for a provider: the terminal rehearses the linked device's; the Cloud API writes as fast as its tier allows. */
export function paceFor(provider: 'console' | 'whatsapp' | 'cloud', policy: CampaignPolicy): CampaignPace {
  if (provider === 'cloud')
    return {
      kind: 'cloud',
      perSecond: policy.cloud.perSecond,
      perDay: policy.cloud.tier,
      // Templates on the official API put no number at risk: hours only when the owner asked for them.
      ...(policy.hoursLine !== undefined ? { hours: policy.hours } : {}),
    }
  return {
    kind: 'linked-device',
    minGapSeconds: policy.gap.minSeconds,
    maxGapSeconds: policy.gap.maxSeconds,
    perDay: policy.perDay,
    hours: policy.hours,
  }
}

/**
 * Above the safe pace only with the owner's explicit `--faster`: without it, `refused` says which
 * setting and the safe value, in one line; with it, `warning` does. Both absent: within the safe pace.
 */
export function paceCheck(pace: CampaignPace, faster: boolean): { refused?: string; warning?: string } {
  const over: string[] = []
  const safe = SAFE_LINKED_DEVICE
  if (pace.kind === 'linked-device') {
    if (pace.minGapSeconds < safe.minGapSeconds || pace.maxGapSeconds < safe.maxGapSeconds)
      over.push(
        `gap ${pace.minGapSeconds}-${pace.maxGapSeconds} seconds is faster than the safe ${safe.minGapSeconds}-${safe.maxGapSeconds} seconds`,
      )
    if (pace.perDay > safe.perDay) over.push(`perDay ${pace.perDay} is more than the safe ${safe.perDay}`)
  } else if (pace.perSecond > SAFE_CLOUD_PER_SECOND)
    over.push(`cloud perSecond ${pace.perSecond} is more than the safe ${SAFE_CLOUD_PER_SECOND}`)
  if (!over.length) return {}
  const what = `campaign ${over.join(', and ')} (policy.yaml)`
  const risk = pace.kind === 'linked-device' ? 'WhatsApp bans numbers that write in bursts' : "the bot's own replies may be held back"
  return faster
    ? { warning: `--faster: ${what}; ${risk}` }
    : {
        refused: `${what}: ${risk}; to go this fast anyway, run again with --faster, or remove ${over.length > 1 ? 'those lines' : 'the line'} for the safe pace`,
      }
}

const countryZones = new Map<string, readonly string[]>()

/**
 * The IANA time zones a number may be in: every zone of its country (Mexico gives twelve, Spain
 * three with the Canary Islands, the US twenty-nine), since a number does not say which; [] when
 * its country is unknown. `phone` is E.164 digits without "+" (a Cloud API `MX.…` id works too).
 */
export function timeZonesOf(phone: string): readonly string[] {
  const country = countryOf(phone)
  if (!country) return []
  let zones = countryZones.get(country)
  if (!zones) {
    // A zone newer than this Node's time zone data cannot be read: leaving it out beats a crash.
    zones = (getCountry(country)?.timezones ?? []).filter(isTimeZone)
    countryZones.set(country, zones)
  }
  return zones
}

/** True when `at` is within `hours` in every one of `zones` (in `fallbackZone` when there are none). */
export function isOpen(hours: CampaignHours, zones: readonly string[], at: Date, fallbackZone: string): boolean {
  return zonesOr(zones, fallbackZone).every((zone) => openIn(hours, zone, at.getTime()))
}

/**
 * The earliest instant at or after `at` when `isOpen` holds, within 8 days; undefined if none
 * (no hours, or hours too short to be open at once in every zone of a wide country).
 */
export function nextOpening(hours: CampaignHours, zones: readonly string[], at: Date, fallbackZone: string): Date | undefined {
  const t = nextOpeningMs(hours, zonesOr(zones, fallbackZone), at.getTime())
  return t === undefined ? undefined : new Date(t)
}

/**
 * When the next message may go: the gap after the last send (a random one between the pace's
 * bounds on a linked device, 1/perSecond on the Cloud API); never more than `perDay` in any 24
 * hours (`recentSends`: the sends of the last 24 hours, oldest first); then within the pace's
 * hours in the target's zones. Undefined when the target's zones never share an open minute.
 */
export function nextSendAt(
  pace: CampaignPace,
  last: { recentSends: readonly Date[] },
  zones: readonly string[],
  now: Date,
  random: () => number,
  fallbackZone: string,
): Date | undefined {
  const sends = last.recentSends
  const t = earliest(
    pace,
    sends.at(-1)?.getTime(),
    sends.length >= pace.perDay ? sends[sends.length - pace.perDay]!.getTime() : undefined,
    zonesOr(zones, fallbackZone),
    now.getTime(),
    random,
  )
  return t === undefined ? undefined : new Date(t)
}

/**
 * When a campaign to targets in these zones (one list per target, in the plan's order) would send
 * its last message if started at `start`, at the mean gap. Targets whose zones are never open are
 * left out, as the campaign would skip them.
 */
export function estimateEnd(pace: CampaignPace, zonesPerTarget: readonly (readonly string[])[], start: Date, fallbackZone: string): Date {
  const sends: number[] = []
  let now = start.getTime()
  for (const zones of zonesPerTarget) {
    const cap = sends.length >= pace.perDay ? sends[sends.length - pace.perDay] : undefined
    const at = earliest(pace, sends.at(-1), cap, zonesOr(zones, fallbackZone), now, () => 0.5)
    if (at === undefined) continue
    sends.push(at)
    now = at
  }
  return new Date(sends.at(-1) ?? start.getTime())
}

const DAY_MS = 24 * 60 * 60 * 1000
const MINUTE_MS = 60 * 1000
/** How far ahead an opening is looked for: a week, and a day for the time zones' spread. */
const HORIZON_MS = 8 * DAY_MS

function earliest(
  pace: CampaignPace,
  previous: number | undefined,
  oldestInCap: number | undefined,
  zones: readonly string[],
  now: number,
  random: () => number,
): number | undefined {
  let t = now
  if (previous !== undefined) {
    const gapMs =
      pace.kind === 'linked-device'
        ? (pace.minGapSeconds + random() * (pace.maxGapSeconds - pace.minGapSeconds)) * 1000
        : 1000 / pace.perSecond
    t = Math.max(t, previous + Math.round(gapMs))
  }
  // A rolling day, not a calendar one: the number is judged on its last 24 hours.
  if (oldestInCap !== undefined) t = Math.max(t, oldestInCap + DAY_MS)
  return pace.hours ? nextOpeningMs(pace.hours, zones, t) : t
}

function zonesOr(zones: readonly string[], fallbackZone: string): readonly string[] {
  return zones.length ? zones : [fallbackZone]
}

function nextOpeningMs(hours: CampaignHours, zones: readonly string[], from: number): number | undefined {
  if (!hours.open.some((o) => o.days.length && o.from < o.to)) return undefined
  // Each closed zone moves the candidate to its own next opening; nothing between is open in that zone, so no shared minute is skipped.
  let t = from
  while (t <= from + HORIZON_MS) {
    const closed = zones.find((zone) => !openIn(hours, zone, t))
    if (closed === undefined) return t
    const next = openingIn(hours, closed, t)
    if (next === undefined) return undefined
    t = next > t ? next : t + MINUTE_MS
  }
  return undefined
}

function openIn(hours: CampaignHours, zone: string, t: number): boolean {
  const wall = wallClock(zone, t)
  const day = WEEKDAY[new Date(wall).getUTCDay()]!
  const minute = (wall - startOfDay(wall)) / MINUTE_MS
  return hours.open.some((o) => o.days.includes(day) && o.from <= minute && minute < o.to)
}

/** The next instant after `t` when `zone` opens (its local `from` on the first day with one). */
function openingIn(hours: CampaignHours, zone: string, t: number): number | undefined {
  const wall = wallClock(zone, t)
  const today = startOfDay(wall)
  for (let d = 0; d <= 8; d++) {
    const day = today + d * DAY_MS
    const weekday = WEEKDAY[new Date(day).getUTCDay()]!
    const opens = hours.open
      .filter((o) => o.days.includes(weekday) && o.from < o.to)
      .map((o) => day + o.from * MINUTE_MS)
      .filter((w) => w > wall)
    if (opens.length) return instantOf(zone, Math.min(...opens), t)
  }
  return undefined
}

/**
 * The first instant whose wall clock in `zone` reads `wall` or later. Usually the wall clock
 * less its offset; when `wall` falls in a daylight-saving gap (it never happens there), the end
 * of the gap.
 */
function instantOf(zone: string, wall: number, near: number): number {
  const first = wall - offset(zone, near)
  const second = wall - offset(zone, first)
  if (wallClock(zone, second) === wall) return second
  let lo = Math.min(first, second)
  let hi = Math.max(first, second)
  if (wallClock(zone, lo) >= wall) return lo
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS
    if (wallClock(zone, mid) >= wall) hi = mid
    else lo = mid
  }
  return hi
}

const WEEKDAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const

function startOfDay(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS
}

function offset(zone: string, t: number): number {
  return wallClock(zone, t) - t
}

/** The wall clock in `zone` at `t`, as milliseconds of a UTC date that reads the same. */
function wallClock(zone: string, t: number): number {
  const part = wallParts(zone, t)
  const ms = ((t % 1000) + 1000) % 1000
  return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second) + ms
}
