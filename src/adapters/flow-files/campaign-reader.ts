/**
 * Reads the `campaign` section of policy.yaml: when and how fast `npm run campaign` writes to the
 * clients the business already has, and the Cloud API's templates. Every field is optional and
 * defaults to the safe pace. Values faster than it are accepted here: the campaign itself refuses
 * them without `--faster`. Only what no flag may unlock is a problem: a gap under 5 seconds,
 * more than 1000 a day, more than Meta's 80 a second.
 */
import { isMap, isScalar } from 'yaml'
import {
  CLOUD_TIERS,
  defaultCampaignPolicy,
  MAX_CLOUD_PER_SECOND,
  MAX_LINKED_PER_DAY,
  MIN_GAP_SECONDS,
  SAFE_CLOUD_PER_SECOND,
  SAFE_LINKED_DEVICE,
} from '../../domain/campaign-pace.js'
import type { CampaignHours } from '../../domain/campaign.js'
import { isLanguage, LANGUAGES } from '../../domain/language.js'
import type { CampaignPolicy, CloudTier } from '../../domain/policy.js'
import type { Entry, OwnerFile } from '../owner-file.js'
import { readDaySpans } from './day-spans.js'

const SAFE_GAP = `${SAFE_LINKED_DEVICE.minGapSeconds}-${SAFE_LINKED_DEVICE.maxGapSeconds} seconds`
const HOURS_EXAMPLE = '"hours: { mon-fri: 10:00-19:00, sat: 10:00-14:00 }"'
const TEMPLATE_EXAMPLE = '"es: { name: aviso_privacidad, language: es_MX }"'

const SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  seg: 1,
  segundo: 1,
  segundos: 1,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  minuto: 60,
  minutos: 60,
}

export function readCampaign(file: OwnerFile, entry: Entry | undefined): CampaignPolicy {
  const campaign = defaultCampaignPolicy()
  if (!entry) return campaign
  campaign.line = entry.line
  // "campaign:" with every line under it still commented out: the safe values, as if absent.
  if (!entry.value || (isScalar(entry.value) && entry.value.value === null)) return campaign
  if (!isMap(entry.value)) {
    file.problem(entry.line, `write campaign as a section, e.g. "campaign: { gap: ${SAFE_GAP} }", or remove the line`)
    return campaign
  }
  const fields = file.entries(entry.value, 'campaign', entry.line)
  file.onlyKnownKeys(fields, ['hours', 'gap', 'perDay', 'cloud', 'templates'], 'campaign')
  const field = (key: string) => fields.find((f) => f.key === key)

  const hours = field('hours')
  if (hours) {
    campaign.hoursLine = hours.line
    campaign.hours = readHours(file, hours) ?? campaign.hours
  }
  const gap = field('gap')
  if (gap) campaign.gap = readGap(file, gap) ?? campaign.gap
  const perDay = field('perDay')
  if (perDay) campaign.perDay = readPerDay(file, perDay) ?? campaign.perDay
  const cloud = field('cloud')
  if (cloud) readCloud(file, cloud, campaign.cloud)
  const templates = field('templates')
  if (templates) readTemplates(file, templates, campaign.templates)
  return campaign
}

function readGap(file: OwnerFile, entry: Entry): CampaignPolicy['gap'] | undefined {
  const text = file.text(entry.value, 'campaign gap', entry.line) ?? ''
  // "15-45 seconds", "1-2 minutos", or one fixed wait, "30 seconds"; seconds when no unit is written.
  const match = /^(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*([a-z]*)$/i.exec(text.trim())
  const unit = match && SECONDS[(match[3] || 's').toLowerCase()]
  if (!match || !unit) {
    file.problem(
      entry.line,
      `campaign gap "${text}" is not understood: write the shortest and longest wait between two messages, e.g. "gap: ${SAFE_GAP}" (the safe value)`,
    )
    return undefined
  }
  const minSeconds = Number(match[1]) * unit
  const maxSeconds = Number(match[2] ?? match[1]) * unit
  if (minSeconds > maxSeconds) {
    file.problem(entry.line, `campaign gap "${text}" goes backwards: write the shorter wait first, e.g. "gap: ${SAFE_GAP}"`)
    return undefined
  }
  if (minSeconds < MIN_GAP_SECONDS) {
    file.problem(
      entry.line,
      `campaign gap "${text}" is too fast: the shortest wait must be at least ${MIN_GAP_SECONDS} seconds (WhatsApp bans numbers that write in bursts); the safe gap is "${SAFE_GAP}"`,
    )
    return undefined
  }
  return { minSeconds, maxSeconds }
}

function readPerDay(file: OwnerFile, entry: Entry): number | undefined {
  const text = file.text(entry.value, 'campaign perDay', entry.line) ?? ''
  const n = Number(text)
  if (Number.isInteger(n) && n >= 1 && n <= MAX_LINKED_PER_DAY) return n
  file.problem(
    entry.line,
    n > MAX_LINKED_PER_DAY
      ? `campaign perDay ${text} is more than a linked device may write (${MAX_LINKED_PER_DAY} a day at most; the safe value is ${SAFE_LINKED_DEVICE.perDay}); to write to more people a day, use Meta's Cloud API (--provider cloud) and its "cloud: { tier: … }"`
      : `campaign perDay must be a whole number of messages a day from 1 to ${MAX_LINKED_PER_DAY}, e.g. "perDay: ${SAFE_LINKED_DEVICE.perDay}" (the safe value), or remove the line`,
  )
  return undefined
}

function readCloud(file: OwnerFile, entry: Entry, cloud: CampaignPolicy['cloud']): void {
  if (!entry.value || !isMap(entry.value)) {
    file.problem(
      entry.line,
      `write the campaign's Cloud API pace as a section, e.g. "cloud: { tier: 250, perSecond: ${SAFE_CLOUD_PER_SECOND} }"`,
    )
    return
  }
  const fields = file.entries(entry.value, 'campaign cloud', entry.line)
  file.onlyKnownKeys(fields, ['tier', 'perSecond'], 'campaign cloud')
  const tier = fields.find((f) => f.key === 'tier')
  if (tier) {
    const text = file.text(tier.value, 'campaign cloud tier', tier.line) ?? ''
    // As WhatsApp Manager prints it: "2,000" or "2K" are the same tier.
    const plain = text.replace(/[\s,._]/g, '').replace(/k$/i, '000')
    const known = CLOUD_TIERS.find((t) => String(t) === plain)
    if (known) cloud.tier = known as CloudTier
    else
      file.problem(
        tier.line,
        `campaign cloud tier "${text}" is not one of Meta's messaging limits: write your account's, as WhatsApp Manager shows it: ${CLOUD_TIERS.join(', ')} (people a day)`,
      )
  }
  const perSecond = fields.find((f) => f.key === 'perSecond')
  if (perSecond) {
    const text = file.text(perSecond.value, 'campaign cloud perSecond', perSecond.line) ?? ''
    const n = Number(text)
    if (text !== '' && n >= 1 && n <= MAX_CLOUD_PER_SECOND) cloud.perSecond = n
    else
      file.problem(
        perSecond.line,
        `campaign cloud perSecond "${text}" must be from 1 to ${MAX_CLOUD_PER_SECOND} messages a second (Meta's limit is ${MAX_CLOUD_PER_SECOND}); the safe value is ${SAFE_CLOUD_PER_SECOND}`,
      )
  }
}

function readTemplates(file: OwnerFile, entry: Entry, templates: CampaignPolicy['templates']): void {
  if (!entry.value || !isMap(entry.value)) {
    file.problem(entry.line, `write the campaign templates one per language, e.g. "templates: { ${TEMPLATE_EXAMPLE.slice(1, -1)} }"`)
    return
  }
  for (const item of file.entries(entry.value, 'campaign templates', entry.line)) {
    if (!isLanguage(item.key)) {
      // "esp", "ES", "es_MX", "english": a language code's first letters, not a spelling, are the clue.
      const hint = LANGUAGES.find((l) => item.key.toLowerCase().startsWith(l))
      file.problem(
        item.line,
        `"${item.key}" is not a language the bot speaks${hint ? ` (did you mean "${hint}"?)` : ''}: give a template for ${LANGUAGES.join(', ')}, e.g. ${TEMPLATE_EXAMPLE}`,
      )
      continue
    }
    // "es: aviso_privacidad" is the name alone, in Meta's code for the language itself.
    const fields = item.value && isMap(item.value) ? file.entries(item.value, `template ${item.key}`, item.line) : []
    file.onlyKnownKeys(fields, ['name', 'language'], `template ${item.key}`)
    const nameEntry = fields.find((f) => f.key === 'name')
    const name = isMap(item.value)
      ? nameEntry && file.text(nameEntry.value, 'template name', nameEntry.line)
      : file.text(item.value, 'template name', item.line)
    if (!name) {
      file.problem(item.line, `the ${item.key} template needs its name as WhatsApp Manager shows it, e.g. ${TEMPLATE_EXAMPLE}`)
      continue
    }
    if (!/^[a-z0-9_]+$/.test(name)) {
      file.problem(
        nameEntry?.line ?? item.line,
        `template name "${name}" cannot be one of Meta's: those are lowercase letters, digits and _, e.g. aviso_privacidad; copy it from WhatsApp Manager`,
      )
      continue
    }
    const languageEntry = fields.find((f) => f.key === 'language')
    const language = (languageEntry && file.text(languageEntry.value, 'template language', languageEntry.line)) ?? item.key
    if (!/^[a-z]{2}(_[A-Z]{2})?$/.test(language)) {
      file.problem(
        languageEntry?.line ?? item.line,
        `template language "${language}" is not a language code as Meta writes it: two lowercase letters, optionally _ and the country, e.g. ${item.key} or ${item.key === 'en' ? 'en_US' : 'es_MX'}`,
      )
      continue
    }
    templates[item.key] = { name, language, line: item.line }
  }
}

/** Days and their hours, as staff hours are written, with no time zone: each client's own is used. */
function readHours(file: OwnerFile, entry: Entry): CampaignHours | undefined {
  if (!entry.value || !isMap(entry.value)) {
    file.problem(entry.line, `write the campaign hours as a section, e.g. ${HOURS_EXAMPLE}`)
    return undefined
  }
  const fields = file.entries(entry.value, 'campaign hours', entry.line)
  const open: CampaignHours['open'] = readDaySpans(file, fields, '10:00-19:00', (field) => {
    if (field.key !== 'timeZone') return false
    file.problem(
      field.line,
      `campaign hours have no time zone: each client is written to in their own, read from their number; remove "timeZone"`,
    )
    return true
  })
  if (!open.length && !fields.some((f) => f.key !== 'timeZone'))
    file.problem(entry.line, `the campaign hours name no day, so no message would ever go: add one, e.g. ${HOURS_EXAMPLE}`)
  return open.length ? { open } : undefined
}
