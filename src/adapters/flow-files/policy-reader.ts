/**
 * Reads `flows/policy.yaml`: the controller, the notice, the retention, the data collected, the
 * purposes and the channels offered. Every mistake becomes a problem at its line.
 */
import { isMap, type Node } from 'yaml'
import {
  KANTARA_PII_CATEGORIES,
  KANTARA_PURPOSE_CATEGORIES,
  type KantaraPiiCategory,
  type KantaraPurposeCategory,
  kantaraCategory,
} from '../../domain/kantara.js'
import {
  type Authority,
  CHANNELS,
  type Channel,
  type Controller,
  LEGAL_BASES,
  type LegalBasis,
  type OfferedChannel,
  type Policy,
  type PostalAddress,
  type Purpose,
  RECIPIENT_ROLES,
  type Recipient,
  type RecipientRole,
  type RetentionUnit,
  RIGHTS,
  type RightUse,
} from '../../domain/policy.js'
import { nearest, type Entry, type OwnerFile } from '../owner-file.js'
import { readCampaign } from './campaign-reader.js'
import { IDENTIFIER } from './identifier.js'
import { readStaff } from './staff-reader.js'

export function readPolicy(file: OwnerFile): Policy {
  const top = file.entries(file.doc.contents as Node, 'policy.yaml', 1)
  file.onlyKnownKeys(
    top,
    [
      'version',
      'jurisdiction',
      'controller',
      'noticeUrl',
      'retention',
      'collects',
      'purposes',
      'channels',
      'recipients',
      'rights',
      'authority',
      'consentValidForDays',
      'lapseUnansweredAfterDays',
      'staff',
      'campaign',
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

  const jurisdictionEntry = required(
    'jurisdiction',
    'the country whose data protection law applies, e.g. "jurisdiction: MX" or "jurisdiction: ES"',
  )
  let jurisdiction = ''
  if (jurisdictionEntry) {
    const text = file.text(jurisdictionEntry.value, 'jurisdiction', jurisdictionEntry.line) ?? ''
    if (JURISDICTION.test(text)) jurisdiction = text
    else
      file.problem(
        jurisdictionEntry.line,
        `jurisdiction "${text}" is not a country code: write its two capital letters (ISO 3166-1), e.g. "jurisdiction: MX", optionally with a region, e.g. "MX-CMX"`,
      )
  }

  const controllerEntry = required(
    'controller',
    'the business name, a privacy contact, phone and postal address: "controller: { name: …, contact: …, phone: …, address: { … } }"',
  )
  const controller: Controller = { name: '', contact: '', phone: '', address: { street: '', locality: '', country: '' } }
  if (controllerEntry) readController(file, controllerEntry, controller)

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
  const dataCategories: Record<string, KantaraPiiCategory[]> = {}
  const collectsEntry = required(
    'collects',
    'the kinds of data collected, each with its Kantara category, e.g. "collects: { phone: Contact, messages: Communications/Social }"',
  )
  if (collectsEntry) {
    if (collectsEntry.value && !isMap(collectsEntry.value)) {
      // The older form, a plain list: the kinds are still read, so their texts are checked too.
      const kinds = file.texts(collectsEntry.value, 'collects', collectsEntry.line)
      collects.push(...kinds.filter((k) => IDENTIFIER.test(k)))
      file.problem(
        collectsEntry.line,
        `collects needs the Kantara category of each kind of data, e.g. "collects: { ${kinds.map((k) => `${k}: …`).join(', ') || 'phone: Contact'} }"; categories are: ${KANTARA_PII_CATEGORIES.join(', ')}`,
      )
    }
    for (const entry of collectsEntry.value && isMap(collectsEntry.value)
      ? file.entries(collectsEntry.value, 'collects', collectsEntry.line)
      : []) {
      if (!IDENTIFIER.test(entry.key)) {
        file.problem(
          entry.line,
          `"${entry.key}" in collects must be one word (letters, digits, _); its text goes in locales under data.${entry.key}`,
        )
        continue
      }
      collects.push(entry.key)
      dataCategories[entry.key] = categories(file, entry, KANTARA_PII_CATEGORIES, `the data ${entry.key}`, 'Contact')
    }
  }

  const purposes: Purpose[] = []
  const purposesEntry = required('purposes', 'at least one purpose, e.g. "purposes: { service: { required: true } }"')
  if (purposesEntry) {
    for (const entry of file.entries(purposesEntry.value, 'purposes', purposesEntry.line)) {
      if (!IDENTIFIER.test(entry.key)) file.problem(entry.line, `purpose "${entry.key}" must be one word (letters, digits, _)`)
      const fields = file.entries(entry.value, `purpose ${entry.key}`, entry.line)
      file.onlyKnownKeys(fields, ['required', 'category', 'basis'], `purpose ${entry.key}`)
      const req = fields.find((f) => f.key === 'required')
      const value = req && file.text(req.value, 'required', req.line)
      if (value !== 'true' && value !== 'false') {
        file.problem(
          req?.line ?? entry.line,
          `purpose ${entry.key} needs "required: true" (needed for the chat itself) or "required: false" (optional, asked separately)`,
        )
      }
      const categoryEntry = fields.find((f) => f.key === 'category')
      let purposeCategories: KantaraPurposeCategory[] = []
      if (categoryEntry)
        purposeCategories = categories(file, categoryEntry, KANTARA_PURPOSE_CATEGORIES, `purpose ${entry.key}`, 'Core Function')
      else
        file.problem(
          entry.line,
          `purpose ${entry.key} needs its Kantara purpose category for the consent receipt, e.g. "category: ${entry.key === 'marketing' ? 'Marketing' : 'Core Function'}"; categories are: ${KANTARA_PURPOSE_CATEGORIES.join(', ')}`,
        )
      const basis = readBasis(
        file,
        entry,
        fields.find((f) => f.key === 'basis'),
      )
      purposes.push({ id: entry.key, required: value === 'true', categories: purposeCategories, basis, line: entry.line })
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

  const recipients = readRecipients(file, required('recipients', RECIPIENTS_EXAMPLE))
  const rights = readRights(file, required('rights', `how a contact uses each right, e.g. "rights: { access: myData, … }"`))
  const authority = readAuthority(file, required('authority', AUTHORITY_EXAMPLE))

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
    jurisdiction,
    controller,
    ...(noticeUrl ? { noticeUrl } : {}),
    retention,
    collects,
    dataCategories,
    purposes,
    channels,
    recipients,
    rights,
    authority,
    ...days('consentValidForDays', 'after that, a contact is asked again'),
    ...days('lapseUnansweredAfterDays', 'a consent question left unanswered that long is recorded as lapsed'),
    staff: readStaff(file, field('staff')),
    campaign: readCampaign(file, field('campaign')),
  }
}

const RECIPIENTS_EXAMPLE =
  'who else receives the data, at least WhatsApp, which carries every chat: "recipients: { whatsapp: { name: WhatsApp (Meta Platforms), role: processor, country: US } }"'
const AUTHORITY_EXAMPLE =
  'the data protection authority contacts may complain to, with its website: "authority: { name: …, website: https://… }"'

/** A purpose's legal basis, one of LEGAL_BASES; a problem (with the nearest one) when missing or unknown. */
function readBasis(file: OwnerFile, purpose: Entry, entry: Entry | undefined): LegalBasis {
  const example = purpose.key === 'marketing' ? 'consent' : 'contract'
  if (!entry) {
    file.problem(
      purpose.line,
      `purpose ${purpose.key} needs its legal basis for the notice, e.g. "basis: ${example}"; bases are: ${LEGAL_BASES.join(', ')}`,
    )
    return 'consent'
  }
  const text = file.text(entry.value, `the basis of purpose ${purpose.key}`, entry.line) ?? ''
  const basis = LEGAL_BASES.find((b) => b === text.toLowerCase().replace(/[-_\s]+/g, ' '))
  if (basis) return basis
  const hint = nearest(text, LEGAL_BASES)
  file.problem(
    entry.line,
    `"${text}" is not a legal basis${hint ? ` (did you mean "${hint}"?)` : ''} for purpose ${purpose.key}; bases are: ${LEGAL_BASES.join(', ')}`,
  )
  return 'consent'
}

function readRecipients(file: OwnerFile, entry: Entry | undefined): Recipient[] {
  if (!entry) return []
  const recipients: Recipient[] = []
  for (const item of file.entries(entry.value, 'recipients', entry.line)) {
    const fields = file.entries(item.value, `recipient ${item.key}`, item.line)
    file.onlyKnownKeys(fields, ['name', 'role', 'country'], `recipient ${item.key}`)
    const value = (key: string) => {
      const f = fields.find((x) => x.key === key)
      return f ? { text: file.text(f.value, `recipient ${item.key} ${key}`, f.line) ?? '', line: f.line } : undefined
    }
    const name = value('name')
    if (!name?.text) file.problem(item.line, `recipient ${item.key} needs its name, e.g. "name: WhatsApp (Meta Platforms)"`)
    const role = value('role')
    const known = RECIPIENT_ROLES.find((r) => r === role?.text.toLowerCase().replace(/[-_\s]+/g, ' '))
    if (!known) {
      const hint = role && nearest(role.text, RECIPIENT_ROLES)
      file.problem(
        role?.line ?? item.line,
        `recipient ${item.key} needs its role${role ? ` ("${role.text}" is not one${hint ? `; did you mean "${hint}"?` : ''})` : ''}: ${RECIPIENT_ROLES.join(', ')} (a processor handles the data for you, e.g. "role: processor")`,
      )
    }
    const country = value('country')
    if (!country || !/^[A-Z]{2}$/.test(country.text))
      file.problem(
        country?.line ?? item.line,
        `recipient ${item.key} needs the country where it keeps the data as two capital letters (ISO 3166-1), e.g. "country: US"`,
      )
    recipients.push({
      name: name?.text ?? item.key,
      role: (known ?? 'processor') as RecipientRole,
      country: country?.text ?? '',
      line: item.line,
    })
  }
  if (recipients.length === 0) file.problem(entry.line, `list at least WhatsApp, which carries every chat: ${RECIPIENTS_EXAMPLE}`)
  return recipients
}

/** Every right, each with the command that exercises it in the chat, or `contact` (write to the privacy contact). */
function readRights(file: OwnerFile, entry: Entry | undefined): RightUse[] {
  if (!entry) return []
  const rights: RightUse[] = []
  const items = file.entries(entry.value, 'rights', entry.line)
  for (const item of items) {
    const right = RIGHTS.find((r) => r === item.key)
    if (!right) {
      const hint = nearest(item.key, RIGHTS)
      file.problem(item.line, `"${item.key}" is not a right${hint ? ` (did you mean "${hint}"?)` : ''}; rights are: ${RIGHTS.join(', ')}`)
      continue
    }
    const how = file.text(item.value, `right ${item.key}`, item.line)
    if (!how) {
      file.problem(
        item.line,
        `right ${item.key} needs the command that exercises it in the chat (e.g. "${item.key}: myData"), or "contact"`,
      )
      continue
    }
    rights.push({ right, ...(how === 'contact' ? {} : { command: how }), line: item.line })
  }
  const written = new Set(items.map((e) => e.key))
  const absent = RIGHTS.filter((r) => !written.has(r))
  if (absent.length)
    file.problem(
      entry.line,
      `rights needs every right a contact has, with the command of flows/consent.yaml that exercises it or "contact": add ${absent.map((r) => `"${r}: …"`).join(', ')}`,
    )
  return rights
}

function readAuthority(file: OwnerFile, entry: Entry | undefined): Authority {
  const authority: Authority = { name: '', website: '' }
  if (!entry) return authority
  const fields = file.entries(entry.value, 'authority', entry.line)
  file.onlyKnownKeys(fields, ['name', 'website'], 'authority')
  for (const key of ['name', 'website'] as const) {
    const f = fields.find((x) => x.key === key)
    const text = f && file.text(f.value, `authority ${key}`, f.line)
    if (!text) file.problem(entry.line, `authority needs its ${key}: ${AUTHORITY_EXAMPLE}`)
    else if (key === 'website' && !isWebLink(text))
      file.problem(f.line, `the authority's website must be a web address starting with https://`)
    else authority[key] = text
  }
  return authority
}

/** ISO 3166-1 alpha-2, optionally with an ISO 3166-2 region: MX, ES, MX-CMX. */
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

function readController(file: OwnerFile, controllerEntry: Entry, controller: Controller): void {
  const entries = file.entries(controllerEntry.value, 'controller', controllerEntry.line)
  file.onlyKnownKeys(entries, ['name', 'contact', 'email', 'phone', 'address'], 'controller')
  const value = (key: string) => {
    const entry = entries.find((e) => e.key === key)
    return entry && file.text(entry.value, `controller ${key}`, entry.line)
  }
  const needs: Record<'name' | 'contact' | 'phone', string> = {
    name: '',
    contact: ' (an email address or phone where contacts can ask about their data)',
    phone: ' (a phone number for privacy questions, e.g. "phone: +52 55 1234 5678"; a consent receipt names it)',
  }
  for (const key of ['name', 'contact', 'phone'] as const) {
    const text = value(key)
    if (!text) file.problem(controllerEntry.line, `controller needs a ${key}${needs[key]}`)
    else controller[key] = text
  }
  const email = value('email')
  const emailEntry = entries.find((e) => e.key === 'email')
  if (email !== undefined && !EMAIL.test(email))
    file.problem(emailEntry!.line, `controller email "${email}" is not an email address (name@domain), or remove the line`)
  else if (email) controller.email = email
  else if (!EMAIL.test(controller.contact) && controller.contact)
    file.problem(
      controllerEntry.line,
      'controller needs an email for privacy questions ("email: …"): the contact is not one, and a consent receipt names one',
    )

  const addressEntry = entries.find((e) => e.key === 'address')
  const example = 'e.g. "address: { street: Av. Juárez 10, city: Ciudad de México, postalCode: 06000, country: MX }"'
  if (!addressEntry) {
    file.problem(controllerEntry.line, `controller needs its postal address (a consent receipt names it), ${example}`)
    return
  }
  const fields = file.entries(addressEntry.value, 'controller address', addressEntry.line)
  file.onlyKnownKeys(fields, ['street', 'city', 'region', 'postalCode', 'country'], 'controller address')
  const field = (key: string) => {
    const entry = fields.find((f) => f.key === key)
    return entry && file.text(entry.value, `address ${key}`, entry.line)
  }
  const address: PostalAddress = { street: field('street') ?? '', locality: field('city') ?? '', country: field('country') ?? '' }
  for (const [key, text] of [
    ['street', address.street],
    ['city', address.locality],
  ] as const)
    if (!text) file.problem(addressEntry.line, `the controller address needs a ${key}, ${example}`)
  if (!/^[A-Z]{2}$/.test(address.country))
    file.problem(
      fields.find((f) => f.key === 'country')?.line ?? addressEntry.line,
      `the controller address needs its country as two capital letters (ISO 3166-1), e.g. "country: MX"`,
    )
  const region = field('region')
  const postalCode = field('postalCode')
  controller.address = { ...address, ...(region ? { region } : {}), ...(postalCode ? { postalCode } : {}) }
}

/** One Kantara category or a list of them, each from `list`; a problem with the nearest one for any other. */
function categories<T extends string>(file: OwnerFile, entry: Entry, list: readonly T[], what: string, example: string): T[] {
  const found: T[] = []
  const written = file.texts(entry.value, `the category of ${what}`, entry.line)
  if (written.length === 0)
    file.problem(entry.line, `${what} needs its Kantara category, e.g. "${entry.key}: ${example}"; categories are: ${list.join(', ')}`)
  for (const text of written) {
    const category = kantaraCategory(list, text)
    if (category) found.push(category)
    else {
      const hint = nearest(text, list)
      file.problem(
        entry.line,
        `"${text}" is not a Kantara category${hint ? ` (did you mean "${hint}"?)` : ''} for ${what}; categories are: ${list.join(', ')}`,
      )
    }
  }
  return found
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
