/**
 * Every receipt `npm run receipt` prints is a valid Kantara Consent Receipt v1.1: checked against
 * the specification's own JSON schema (vendored in vendor/kantara/, see its README) with Ajv, for a
 * record of every event type the real bot writes; and `--format dpv` prints each as DPV JSON-LD.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv-draft-04'
import { beforeAll, describe, expect, it } from 'vitest'
import { DPV_CONTEXT } from '../../src/app/receipt-dpv.js'
import type { ConsentEvent } from '../../src/domain/consent.js'
import { KANTARA_PII_CATEGORIES, KANTARA_PURPOSE_CATEGORIES, kantaraCode } from '../../src/domain/kantara.js'
import { MX, openTestBot, readDatabase, removeDir, type TestBot, US } from '../support/chat.js'
import { ownerProject, ROOT, runCli } from './run-cli.js'

const VENDOR = join(ROOT, 'vendor/kantara')
/** The schema file opens with two `//` comment lines (as published): JSON.parse needs them gone. */
const schemaText = readFileSync(join(VENDOR, 'kantara-consent-receipt-v1_1-schema.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')
const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(schemaText))
const problems = () => (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)

const EVENTS: ConsentEvent[] = ['given', 'refused', 'withdrawn', 'lapsed', 'accessed', 'erased', 'merged']
const LID = '123456789012345@lid'
const ES_CONTACT = '34699887766'

/** One ledger record id for each event type, written by the real bot through its chats and rules. */
let bot: TestBot
const idOf = new Map<ConsentEvent, string>()

beforeAll(async () => {
  let now = new Date('2026-11-02T10:00:00Z')
  bot = await openTestBot({ clock: () => now })
  const mx = bot.chat(MX)
  for (const body of ['hola', 'Sí, acepto', 'no', 'whatsapp']) await mx.say(body) // given, refused
  await mx.say('mis datos') // accessed
  await mx.say('baja') // withdrawn
  const es = bot.chat(ES_CONTACT)
  for (const body of ['hola', 'sí']) await es.say(body) // asked about offers, and silent
  now = new Date(now.getTime() + 31 * 86_400_000)
  expect(await bot.bot.engine.lapseUnanswered()).toBe(1) // lapsed
  await bot.chat(LID).say('hola')
  await bot.chat(LID).say('sí')
  for (const body of ['hi', 'yes']) await bot.chat(US).say(body)
  await bot.bot.engine.link(LID, US) // merged
  await bot.bot.engine.settled()
  for (const body of ['borrar', 'sí']) await es.say(body) // erased
  await bot.close()
  for (const record of readDatabase(bot.dataDir).ledger) if (!idOf.has(record.event)) idOf.set(record.event, record.id)
  return () => removeDir(bot.dataDir)
}, 60_000)

async function receipt(event: ConsentEvent, ...args: string[]) {
  const run = await runCli('receipt.ts', [idOf.get(event)!, '--data-dir', bot.dataDir, ...args], ownerProject())
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout)
}

describe('the Kantara Consent Receipt v1.1 JSON schema', () => {
  it("accepts the specification's own example (the validator reads the schema as its authors meant)", () => {
    const example = JSON.parse(readFileSync(join(VENDOR, 'kantara-consent-receipt-v1_1-example.json'), 'utf8'))
    expect(validate(example), problems().join('\n')).toBe(true)
    expect(validate({ ...example, jurisdiction: undefined })).toBe(false)
  })

  it('the real bot wrote a record of every event type', () => {
    expect([...idOf.keys()].sort()).toEqual([...EVENTS].sort())
  })

  it.each(EVENTS)('a receipt of a %s record is valid, with categories from the specification lists', async (event) => {
    const printed = await receipt(event)
    expect(validate(printed), `${event}:\n${problems().join('\n')}`).toBe(true)
    expect(printed).toMatchObject({
      consentReceiptID: idOf.get(event),
      jurisdiction: 'MX',
      piiControllers: [
        {
          piiController: 'Tienda Ejemplo',
          email: 'privacidad@tienda.example',
          phone: '+52 55 1234 5678',
          address: {
            streetAddress: 'Av. Juárez 10, Col. Centro',
            addressLocality: 'Ciudad de México',
            postalCode: '06000',
            addressCountry: 'MX',
          },
        },
      ],
      // What the owner reads beyond Kantara stays beside its fields.
      event,
      ledger: { chainIntactUpToHere: true },
    })
    expect(printed.notice.text).toMatch(/Tienda Ejemplo/)
    const purposeCodes = KANTARA_PURPOSE_CATEGORIES.map((c) => kantaraCode(KANTARA_PURPOSE_CATEGORIES, c))
    const piiCodes = KANTARA_PII_CATEGORIES.map((c) => kantaraCode(KANTARA_PII_CATEGORIES, c))
    for (const purpose of printed.services[0].purposes) {
      expect(purpose.purposeCategory.length).toBeGreaterThan(0)
      for (const c of purpose.purposeCategory) expect(purposeCodes).toContain(c)
      expect(purpose.piiCategory).toEqual(['2 - Contact', '4 - Communications/Social'])
      for (const c of purpose.piiCategory) expect(piiCodes).toContain(c)
    }
    const categoryOf: Record<string, string[]> = { service: ['1 - Core Function'], marketing: ['6 - Marketing'] }
    for (const purpose of printed.services[0].purposes) expect(purpose.purposeCategory).toEqual(categoryOf[purpose.purposeId])
  })
})

describe('npm run receipt -- <id> --format dpv', () => {
  const STATUS: Partial<Record<ConsentEvent, string>> = {
    given: 'dpv:ConsentGiven',
    refused: 'dpv:ConsentRefused',
    withdrawn: 'dpv:ConsentWithdrawn',
    lapsed: 'dpv:ConsentExpired',
  }

  /** Every key and compact IRI value uses a prefix the context defines (or is a JSON-LD keyword). */
  function undefinedPrefixes(node: unknown, context: Record<string, string>, found: string[] = []): string[] {
    if (Array.isArray(node)) for (const item of node) undefinedPrefixes(item, context, found)
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === '@context') continue
        const prefix = key.split(':')[0]!
        if (!key.startsWith('@') && !(prefix in context)) found.push(key)
        if (
          (key === '@id' || key === '@type') &&
          typeof value === 'string' &&
          /^[a-z]+:[A-Z]/.test(value) &&
          !(value.split(':')[0]! in context)
        )
          found.push(value)
        undefinedPrefixes(value, context, found)
      }
    return found
  }

  it.each(EVENTS)('the %s record is a DPV consent record in JSON-LD', async (event) => {
    const record = await receipt(event, '--format', 'dpv')
    expect(record['@context']).toEqual(DPV_CONTEXT)
    expect(record['@context'].dpv).toBe('https://w3id.org/dpv#')
    expect(record['@type']).toBe('dpv:ConsentRecord')
    expect(record['dct:identifier']).toBe(idOf.get(event))
    expect(record['cb:event']).toBe(event)
    expect(Date.parse(record['dct:created']['@value'])).not.toBeNaN()
    expect(undefinedPrefixes(record, record['@context'])).toEqual([])
    if (STATUS[event]) expect(record['dpv:hasConsentStatus']).toEqual({ '@id': STATUS[event] })
    else expect(record['dpv:hasConsentStatus']).toBeUndefined()
    expect(record['dpv:hasDataSubject']['@id']).toMatch(/^urn:consent-bot:principal:p-/)
    expect(record['dpv:hasDataController']).toMatchObject({ '@type': 'dpv:DataController', 'schema:name': 'Tienda Ejemplo' })
    expect(record['dpv:hasJurisdiction']).toEqual({ '@id': 'loc:MX' })
    expect(record['dpv:hasLegalBasis']['@id']).toMatch(/^dpv:(ExplicitlyExpressed)?Consent$/)
    expect(record['dpv:hasNotice']).toMatchObject({ '@type': 'dpv:ConsentNotice', 'dct:hasVersion': '2026-11-01' })
    const typeOf: Record<string, string[]> = {
      'urn:consent-bot:purpose:service': ['dpv:Purpose', 'dpv:ServiceProvision'],
      'urn:consent-bot:purpose:marketing': ['dpv:Purpose', 'dpv:DirectMarketing'],
    }
    for (const purpose of record['dpv:hasPurpose'] as { '@id': string; '@type': string[] }[])
      expect(purpose['@type']).toEqual(typeOf[purpose['@id']])
    expect(record['dpv:hasPersonalData'].map((d: { '@type': string[] }) => d['@type'])).toContainEqual(['dpv:PersonalData', 'pd:Contact'])
    // Nothing that names the contact: a pseudonym only.
    expect(JSON.stringify(record)).not.toContain(MX)
  })
})
