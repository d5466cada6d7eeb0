/**
 * The staff's opening hours as a contact reads them, in their language: "lunes a viernes,
 * 9:00–18:00; sábado, 10:00–14:00 (hora estándar central)". Day and zone names come from the
 * platform's Intl data, the joining words from the owner's texts (`human.days`).
 */
import type { Language } from '../domain/language.js'
import { WEEKDAYS, type BusinessHours } from '../domain/policy.js'
import type { Texts } from '../ports/texts.js'

const clock = (minutes: number) => `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`

export function describeHours(hours: BusinessHours, language: Language, texts: Texts): string {
  // 2023-01-01 was a Sunday: day i of WEEKDAYS is 2023-01-0(1+i), at noon UTC so no zone moves it.
  const dayName = new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' })
  const name = (day: (typeof WEEKDAYS)[number]) => dayName.format(new Date(Date.UTC(2023, 0, 1 + WEEKDAYS.indexOf(day), 12)))
  const spans = hours.open.map(({ days, from, to }) => {
    const named =
      days.length === 1 ? name(days[0]!) : texts.render(language, 'human.days', { first: name(days[0]!), last: name(days.at(-1)!) })
    return `${named}, ${clock(from)}–${clock(to)}`
  })
  const zone = new Intl.DateTimeFormat(language, { timeZone: hours.timeZone, timeZoneName: 'longGeneric' })
    .formatToParts(new Date(0))
    .find((p) => p.type === 'timeZoneName')?.value
  return `${spans.join('; ')}${zone ? ` (${zone})` : ''}`
}
