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
