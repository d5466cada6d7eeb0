/**
 * Reads the `staff` section of policy.yaml: how long the bot stays quiet in a chat a person took
 * from the business's phone, and the hours the staff answer (told to a contact who asks for a
 * person). Both are optional: without them the pause is twelve hours and no hours are told.
 */
import { isMap } from 'yaml'
import { DEFAULT_STAFF_PAUSE_MS, WEEKDAYS, type BusinessHours, type StaffPolicy, type Weekday } from '../../domain/policy.js'
import type { Entry, OwnerFile } from '../owner-file.js'

const PAUSE_EXAMPLE = '"pause: 12 hours" (minutes, hours or days)'
const HOURS_EXAMPLE = '"hours: { timeZone: America/Mexico_City, mon-fri: 09:00-18:00, sat: 10:00-14:00 }"'

const UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  minuto: 60_000,
  minutos: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  hora: 3_600_000,
  horas: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
  dia: 86_400_000,
  dias: 86_400_000,
  día: 86_400_000,
  días: 86_400_000,
}

export function readStaff(file: OwnerFile, entry: Entry | undefined): StaffPolicy {
  if (!entry) return { pauseMs: DEFAULT_STAFF_PAUSE_MS }
  const staff: StaffPolicy = { pauseMs: DEFAULT_STAFF_PAUSE_MS, line: entry.line }
  if (!entry.value || !isMap(entry.value)) {
    file.problem(entry.line, `write staff as a section, e.g. "staff: { pause: 12 hours }", or remove the line`)
    return staff
  }
  const fields = file.entries(entry.value, 'staff', entry.line)
  file.onlyKnownKeys(fields, ['pause', 'hours'], 'staff')
  const pause = fields.find((f) => f.key === 'pause')
  if (pause) {
    const text = file.text(pause.value, 'pause', pause.line) ?? ''
    const match = /^(\d+)\s*([a-zíá]+)$/i.exec(text.trim())
    const unit = match && UNITS[match[2]!.toLowerCase()]
    const ms = unit ? Number(match![1]) * unit : 0
    if (ms >= 60_000 && ms <= 30 * 86_400_000) staff.pauseMs = ms
    else
      file.problem(
        pause.line,
        `staff pause "${text}" is not understood: write how long the bot stays quiet after a person writes from the business's phone, between 1 minute and 30 days, e.g. ${PAUSE_EXAMPLE}`,
      )
  }
  const hours = fields.find((f) => f.key === 'hours')
  if (hours) {
    const read = readHours(file, hours)
    if (read) staff.hours = read
  }
  return staff
}

function readHours(file: OwnerFile, entry: Entry): BusinessHours | undefined {
  if (!entry.value || !isMap(entry.value)) {
    file.problem(entry.line, `write the staff hours as a section, e.g. ${HOURS_EXAMPLE}`)
    return undefined
  }
  const fields = file.entries(entry.value, 'hours', entry.line)
  const zoneEntry = fields.find((f) => f.key === 'timeZone')
  const timeZone = zoneEntry && file.text(zoneEntry.value, 'timeZone', zoneEntry.line)
  if (!zoneEntry) file.problem(entry.line, `the staff hours need "timeZone: <zone>", e.g. ${HOURS_EXAMPLE}`)
  else if (!timeZone || !isTimeZone(timeZone))
    file.problem(zoneEntry.line, `"${timeZone ?? ''}" is not a time zone: write one such as America/Mexico_City or Europe/Madrid`)
  const open: BusinessHours['open'] = []
  const seen = new Set<Weekday>()
  for (const field of fields) {
    if (field.key === 'timeZone') continue
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
    const from = span ? Number(span[1]) * 60 + Number(span[2]) : NaN
    const to = span ? Number(span[3]) * 60 + Number(span[4]) : NaN
    if (!span || Number(span[2]) > 59 || Number(span[4]) > 59 || !(from < to) || to > 24 * 60) {
      file.problem(field.line, `the hours of ${field.key} "${text}" are not understood: write opening and closing time, e.g. "09:00-18:00"`)
      continue
    }
    open.push({ days, from, to })
  }
  if (!open.length && fields.length) file.problem(entry.line, `the staff hours name no day: add one, e.g. "mon-fri: 09:00-18:00"`)
  return timeZone && isTimeZone(timeZone) && open.length ? { timeZone, open } : undefined
}

/** `mon`, or a range `mon-fri` (wrapping past Sunday: `fri-mon`). */
function readDays(key: string): Weekday[] | undefined {
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

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
