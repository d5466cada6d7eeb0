/**
 * Opening hours as the owner writes them in policy.yaml, day by day (`mon-fri: 09:00-18:00`,
 * `sat: 10:00-14:00`): read alike for the staff's hours and a campaign's, each bad line a
 * problem at its line with how to write it.
 */
import { WEEKDAYS, type Weekday } from '../../domain/policy.js'
import type { Entry, OwnerFile } from '../owner-file.js'

export interface DaySpan {
  days: Weekday[]
  /** Minutes after midnight. */
  from: number
  to: number
}

/**
 * The spans of `fields`, skipping those `skip` takes (a key the caller reads itself, such as
 * `timeZone`). `sample` is the span the problem messages give as an example.
 */
export function readDaySpans(file: OwnerFile, fields: Entry[], sample: string, skip: (field: Entry) => boolean): DaySpan[] {
  const open: DaySpan[] = []
  const seen = new Set<Weekday>()
  for (const field of fields) {
    if (skip(field)) continue
    const days = readDays(field.key)
    if (!days) {
      file.problem(
        field.line,
        `"${field.key}" is not a day or a range of days: write mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri`,
      )
      continue
    }
    const repeated = days.filter((d) => seen.has(d))
    if (repeated.length) file.problem(field.line, `${repeated.join(', ')} already has its hours above; give each day once`)
    for (const d of days) seen.add(d)
    const text = file.text(field.value, field.key, field.line) ?? ''
    const span = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim())
    const from = span ? Number(span[1]) * 60 + Number(span[2]) : Number.NaN
    const to = span ? Number(span[3]) * 60 + Number(span[4]) : Number.NaN
    if (!span || Number(span[2]) > 59 || Number(span[4]) > 59 || !(from < to) || to > 24 * 60) {
      file.problem(field.line, `the hours of ${field.key} "${text}" are not understood: write opening and closing time, e.g. "${sample}"`)
      continue
    }
    open.push({ days, from, to })
  }
  return open
}

/** `mon`, or a range `mon-fri` (wrapping past Sunday: `fri-mon`). */
export function readDays(key: string): Weekday[] | undefined {
  const [first, last, ...more] = key
    .toLowerCase()
    .split('-')
    .map((d) => d.trim())
  const start = WEEKDAYS.indexOf(first as Weekday)
  const end = last === undefined ? start : WEEKDAYS.indexOf(last as Weekday)
  if (start < 0 || end < 0 || more.length) return undefined
  const days: Weekday[] = []
  for (let d = start; ; d = (d + 1) % 7) {
    days.push(WEEKDAYS[d]!)
    if (d === end) return days
  }
}
