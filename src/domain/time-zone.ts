/** Time zones as the owner writes them (policy.yaml, `--tz`) and as a campaign reads a client's. */

/** Whether `zone` is a time zone this machine knows (an IANA name like `America/Mexico_City`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone.trim() !== ''
  } catch {
    return false
  }
}

/** A moment's date and time as a wall clock in `zone` shows it (hours 0–23). */
export interface WallParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const formats = new Map<string, Intl.DateTimeFormat>()

/** What a wall clock in `zone` shows at `t` (ms since the epoch). */
export function wallParts(zone: string, t: number): WallParts {
  let format = formats.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formats.set(zone, format)
  }
  const part: Record<string, number> = {}
  for (const p of format.formatToParts(t)) if (p.type !== 'literal') part[p.type] = Number(p.value)
  return part as unknown as WallParts
}
