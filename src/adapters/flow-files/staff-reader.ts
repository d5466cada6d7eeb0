/**
 * Reads the `staff` section of policy.yaml: how long the bot stays quiet in a chat a person took
 * from the business's phone, and the hours the staff answer (told to a contact who asks for a
 * person). Both are optional: without them the pause is twelve hours and no hours are told.
 */
import { isMap } from 'yaml'
import { DEFAULT_STAFF_PAUSE_MS, type BusinessHours, type StaffPolicy } from '../../domain/policy.js'
import type { Entry, OwnerFile } from '../owner-file.js'
import { readDaySpans } from './day-spans.js'
import { isTimeZone } from '../../domain/time-zone.js'

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
  const open: BusinessHours['open'] = readDaySpans(file, fields, '09:00-18:00', (field) => field.key === 'timeZone')
  if (!open.length && fields.length) file.problem(entry.line, `the staff hours name no day: add one, e.g. "mon-fri: 09:00-18:00"`)
  return timeZone && isTimeZone(timeZone) && open.length ? { timeZone, open } : undefined
}
