/**
 * Reads `flows/policy.yaml`: the controller, the notice, the retention, the data collected, the
 * purposes and the channels offered. Every mistake becomes a problem at its line.
 */
import { isMap, type Node } from 'yaml'
import { CHANNELS, type Channel, type OfferedChannel, type Policy, type Purpose, type RetentionUnit } from '../../domain/policy.js'
import type { OwnerFile } from '../owner-file.js'
import { IDENTIFIER } from './identifier.js'

export function readPolicy(file: OwnerFile): Policy {
  const top = file.entries(file.doc.contents as Node, 'policy.yaml', 1)
  file.onlyKnownKeys(
    top,
    [
      'version',
      'controller',
      'noticeUrl',
      'retention',
      'collects',
      'purposes',
      'channels',
      'consentValidForDays',
      'lapseUnansweredAfterDays',
    ],
    'policy.yaml',
  )
  const field = (key: string) => top.find((e) => e.key === key)
  const required = (key: string, what: string) => {
    const entry = field(key)
    if (!entry) file.problem(1, `"${key}" is missing: add ${what}`)
    return entry
  }

  const versionEntry = required('version', 'a line like "version: 2026-11-01" (change it whenever the policy changes)')
  const version = versionEntry ? (file.text(versionEntry.value, 'version', versionEntry.line) ?? '') : ''

  const controllerEntry = required('controller', 'the business name and a privacy contact: "controller: { name: …, contact: … }"')
  const controller = { name: '', contact: '' }
  if (controllerEntry) {
    const entries = file.entries(controllerEntry.value, 'controller', controllerEntry.line)
    file.onlyKnownKeys(entries, ['name', 'contact'], 'controller')
    for (const key of ['name', 'contact'] as const) {
      const entry = entries.find((e) => e.key === key)
      const value = entry && file.text(entry.value, `controller ${key}`, entry.line)
      if (!value)
        file.problem(
          controllerEntry.line,
          `controller needs a ${key}${key === 'contact' ? ' (an email address or phone where contacts can ask about their data)' : ''}`,
        )
      else controller[key] = value
    }
  }

  let noticeUrl: string | undefined
  const urlEntry = field('noticeUrl')
  if (urlEntry) {
    noticeUrl = file.text(urlEntry.value, 'noticeUrl', urlEntry.line)
    if (noticeUrl && !isWebLink(noticeUrl))
      file.problem(urlEntry.line, `noticeUrl must be a web address starting with https:// (or remove the line)`)
  }

  let retention: Policy['retention'] = { amount: 0, unit: 'years' }
  const retentionEntry = required('retention', 'how long data is kept, e.g. "retention: 2 years"')
  if (retentionEntry) {
    const text = file.text(retentionEntry.value, 'retention', retentionEntry.line) ?? ''
    const parsed = parseRetention(text)
    if (parsed) retention = parsed
    else
      file.problem(
        retentionEntry.line,
        `retention "${text}" is not understood: write a number and days, months or years, e.g. "retention: 2 years"`,
      )
  }

  const collects: string[] = []
  const collectsEntry = required('collects', 'the kinds of data collected, e.g. "collects: [phone, name, messages]"')
  if (collectsEntry) {
    for (const item of file.texts(collectsEntry.value, 'collects', collectsEntry.line)) {
      if (IDENTIFIER.test(item)) collects.push(item)
      else
        file.problem(
          collectsEntry.line,
          `"${item}" in collects must be one word (letters, digits, _); its text goes in locales under data.${item}`,
        )
    }
  }

  const purposes: Purpose[] = []
  const purposesEntry = required('purposes', 'at least one purpose, e.g. "purposes: { service: { required: true } }"')
  if (purposesEntry) {
    for (const entry of file.entries(purposesEntry.value, 'purposes', purposesEntry.line)) {
      if (!IDENTIFIER.test(entry.key)) file.problem(entry.line, `purpose "${entry.key}" must be one word (letters, digits, _)`)
      const fields = file.entries(entry.value, `purpose ${entry.key}`, entry.line)
      file.onlyKnownKeys(fields, ['required'], `purpose ${entry.key}`)
      const req = fields.find((f) => f.key === 'required')
      const value = req && file.text(req.value, 'required', req.line)
      if (value !== 'true' && value !== 'false') {
        file.problem(
          req?.line ?? entry.line,
          `purpose ${entry.key} needs "required: true" (needed for the chat itself) or "required: false" (optional, asked separately)`,
        )
      }
      purposes.push({ id: entry.key, required: value === 'true', line: entry.line })
    }
    if (purposes.length === 0) file.problem(purposesEntry.line, 'declare at least one purpose')
  }

  const channels: OfferedChannel[] = []
  const channelsEntry = required('channels', 'the channels offered, e.g. "channels: { whatsapp: {}, email: {} }"')
  if (channelsEntry) {
    for (const entry of file.entries(channelsEntry.value, 'channels', channelsEntry.line)) {
      if (!(CHANNELS as readonly string[]).includes(entry.key)) {
        file.problem(entry.line, `"${entry.key}" is not a channel the bot knows; use one of: ${CHANNELS.join(', ')}`)
        continue
      }
      const fields = entry.value && isMap(entry.value) ? file.entries(entry.value, `channel ${entry.key}`, entry.line) : []
      if (entry.value && !isMap(entry.value) && file.text(entry.value, entry.key, entry.line) !== '') {
        file.problem(entry.line, `write channel ${entry.key} as "${entry.key}: {}" or "${entry.key}: { link: https://… }"`)
      }
      file.onlyKnownKeys(fields, ['link'], `channel ${entry.key}`)
      const linkEntry = fields.find((f) => f.key === 'link')
      const link = linkEntry && file.text(linkEntry.value, 'link', linkEntry.line)
      if (linkEntry && (!link || !isWebLink(link)))
        file.problem(linkEntry.line, `the link of ${entry.key} must be a web address starting with https://`)
      channels.push({ channel: entry.key as Channel, ...(link ? { link } : {}), line: entry.line })
    }
    if (channels.length === 0) file.problem(channelsEntry.line, 'offer at least one channel (whatsapp: {} keeps contacts here)')
  }

  const days = (key: 'consentValidForDays' | 'lapseUnansweredAfterDays', meaning: string) => {
    const entry = field(key)
    if (!entry) return {}
    const n = Number(file.text(entry.value, key, entry.line))
    if (Number.isInteger(n) && n > 0) return { [key]: n }
    file.problem(entry.line, `${key} must be a whole number of days (${meaning}), e.g. "${key}: 365", or remove the line`)
    return {}
  }
  return {
    version,
    controller,
    ...(noticeUrl ? { noticeUrl } : {}),
    retention,
    collects,
    purposes,
    channels,
    ...days('consentValidForDays', 'after that, a contact is asked again'),
    ...days('lapseUnansweredAfterDays', 'a consent question left unanswered that long is recorded as lapsed'),
  }
}

function parseRetention(text: string): Policy['retention'] | undefined {
  const match = /^(\d+)\s*([a-zñáéíóú]+)$/i.exec(text.trim())
  if (!match) return undefined
  const units: Record<string, RetentionUnit> = {
    day: 'days',
    days: 'days',
    dia: 'days',
    dias: 'days',
    día: 'days',
    días: 'days',
    month: 'months',
    months: 'months',
    mes: 'months',
    meses: 'months',
    year: 'years',
    years: 'years',
    ano: 'years',
    anos: 'years',
    año: 'years',
    años: 'years',
  }
  const unit = units[match[2]!.toLowerCase()]
  const amount = Number(match[1])
  return unit && amount > 0 ? { amount, unit } : undefined
}

function isWebLink(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
