/**
 * The `campaign` section of policy.yaml as the owner writes it: every field optional at its safe
 * value, values faster than it accepted (the campaign asks for --faster), and every mistake a
 * problem at its line that says how to mend it.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readCampaign } from '../../src/adapters/flow-files/campaign-reader.js'
import { OwnerFile, type Problem } from '../../src/adapters/owner-file.js'
import { DEFAULT_CAMPAIGN_HOURS, defaultCampaignPolicy } from '../../src/domain/campaign-pace.js'

/** Reads `yaml` (a policy.yaml's top level, with or without a campaign section). */
function read(yaml: string) {
  const problems: Problem[] = []
  const file = new OwnerFile('flows/policy.yaml', yaml, problems)
  const top = file.entries(file.doc.contents as never, 'policy.yaml', 1)
  const campaign = readCampaign(
    file,
    top.find((e) => e.key === 'campaign'),
  )
  return { campaign, problems: problems.map((p) => `${p.line}: ${p.message}`) }
}

describe('the campaign section', () => {
  it('absent, is the safe pace', () => {
    const { campaign, problems } = read('version: 1\n')
    expect(problems).toEqual([])
    expect(campaign).toEqual({
      hours: DEFAULT_CAMPAIGN_HOURS,
      gap: { minSeconds: 15, maxSeconds: 45 },
      perDay: 150,
      cloud: { tier: 250, perSecond: 20 },
      templates: {},
    })
  })

  it('with every line under it still commented out, is the safe pace too', () => {
    const { campaign, problems } = read('version: 1\ncampaign:\n#   gap: 15-45 seconds\n')
    expect(problems).toEqual([])
    expect(campaign).toEqual({ ...defaultCampaignPolicy(), line: 2 })
  })

  it('reads the example of policy.yaml', () => {
    const { campaign, problems } = read(
      [
        'campaign:',
        '  hours: { mon-fri: 09:30-18:00, sat: 10:00-13:00 }',
        '  gap: 20-60 seconds',
        '  perDay: 100',
        '  cloud: { tier: 2000, perSecond: 10 }',
        '  templates:',
        '    es: { name: aviso_privacidad, language: es_MX }',
        '    en: { name: privacy_notice, language: en_US }',
        '',
      ].join('\n'),
    )
    expect(problems).toEqual([])
    expect(campaign).toEqual({
      line: 1,
      hours: {
        open: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: 570, to: 1080 },
          { days: ['sat'], from: 600, to: 780 },
        ],
      },
      hoursLine: 2,
      gap: { minSeconds: 20, maxSeconds: 60 },
      perDay: 100,
      cloud: { tier: 2000, perSecond: 10 },
      templates: {
        es: { name: 'aviso_privacidad', language: 'es_MX', line: 7 },
        en: { name: 'privacy_notice', language: 'en_US', line: 8 },
      },
    })
  })

  it('reads the commented-out example of flows/policy.yaml, uncommented, as the safe values with its templates', () => {
    const real = readFileSync(fileURLToPath(new URL('../../flows/policy.yaml', import.meta.url)), 'utf8')
    const block = real.slice(real.indexOf('# campaign:\n'))
    expect(block.split('\n').filter((l) => l.startsWith('# ')).length, 'the example is at the end of the file').toBeGreaterThan(5)
    const { campaign, problems } = read(block.replace(/^# ?/gm, ''))
    expect(problems).toEqual([])
    const { line: _, hoursLine: __, templates, ...pace } = campaign
    const { templates: ___, ...safe } = defaultCampaignPolicy()
    expect(pace).toEqual(safe)
    expect(templates).toEqual({
      es: { name: 'aviso_privacidad', language: 'es_MX', line: 7 },
      en: { name: 'privacy_notice', language: 'en_US', line: 8 },
    })
  })

  it('reads a gap in minutes or one fixed wait, a tier as Meta prints it, and a template by its name alone', () => {
    const { campaign, problems } = read(
      'campaign:\n  gap: 1-2 minutos\n  cloud: { tier: "10,000" }\n  templates: { es: aviso_privacidad }\n',
    )
    expect(problems).toEqual([])
    expect(campaign.gap).toEqual({ minSeconds: 60, maxSeconds: 120 })
    expect(campaign.cloud).toEqual({ tier: 10000, perSecond: 20 })
    expect(campaign.templates).toEqual({ es: { name: 'aviso_privacidad', language: 'es', line: 4 } })
    expect(read('campaign:\n  gap: 30 seconds\n').campaign.gap).toEqual({ minSeconds: 30, maxSeconds: 30 })
  })

  it('accepts values faster than the safe ones: the campaign asks for --faster', () => {
    const { campaign, problems } = read('campaign:\n  gap: 5-10 seconds\n  perDay: 1000\n  cloud: { tier: 100000, perSecond: 80 }\n')
    expect(problems).toEqual([])
    expect(campaign.gap).toEqual({ minSeconds: 5, maxSeconds: 10 })
    expect(campaign.perDay).toBe(1000)
    expect(campaign.cloud).toEqual({ tier: 100000, perSecond: 80 })
  })
})

describe('campaign problems, each at its line with how to mend it', () => {
  const problemOf = (yaml: string) => {
    const { problems } = read(yaml)
    expect(problems).toHaveLength(1)
    return problems[0]!
  }

  it.each([
    [
      'a gap that goes backwards',
      'campaign:\n  gap: 45-15 seconds\n',
      /^2: campaign gap "45-15 seconds" goes backwards: write the shorter wait first, e\.g\. "gap: 15-45 seconds"$/,
    ],
    [
      'a gap under 5 seconds',
      'campaign:\n  perDay: 100\n  gap: 2-10 seconds\n',
      /^3: campaign gap "2-10 seconds" is too fast: the shortest wait must be at least 5 seconds .*"15-45 seconds"$/,
    ],
    ['a gap not understood', 'campaign:\n  gap: a while\n', /^2: campaign gap "a while" is not understood: .* "gap: 15-45 seconds"/],
    ['a gap in hours', 'campaign:\n  gap: 1-2 hours\n', /^2: campaign gap "1-2 hours" is not understood/],
    [
      'perDay 0',
      'campaign:\n  perDay: 0\n',
      /^2: campaign perDay must be a whole number of messages a day from 1 to 1000, e\.g\. "perDay: 150"/,
    ],
    [
      'perDay above 1000',
      'campaign:\n  perDay: 5000\n',
      /^2: campaign perDay 5000 is more than a linked device may write \(1000 a day at most; the safe value is 150\); .*Cloud API/,
    ],
    [
      'a tier Meta does not give',
      'campaign:\n  cloud:\n    tier: 300\n',
      /^3: campaign cloud tier "300" is not one of Meta's messaging limits: .* 250, 2000, 10000, 100000/,
    ],
    [
      'perSecond above 80',
      'campaign:\n  cloud: { perSecond: 100 }\n',
      /^2: campaign cloud perSecond "100" must be from 1 to 80 .* the safe value is 20$/,
    ],
    [
      'perSecond below 1',
      'campaign:\n  cloud:\n    tier: 250\n    perSecond: 0.5\n',
      /^4: campaign cloud perSecond "0.5" must be from 1 to 80/,
    ],
    [
      'a template without name',
      'campaign:\n  templates:\n    es: { language: es_MX }\n',
      /^3: the es template needs its name as WhatsApp Manager shows it, e\.g\. "es: \{ name: aviso_privacidad, language: es_MX \}"$/,
    ],
    [
      'a template name Meta would not have',
      'campaign:\n  templates:\n    es:\n      name: Aviso Privacidad\n',
      /^4: template name "Aviso Privacidad" cannot be one of Meta's: .*lowercase letters, digits and _/,
    ],
    [
      'a template language unlike es or es_MX',
      'campaign:\n  templates:\n    en:\n      name: privacy_notice\n      language: english\n',
      /^5: template language "english" is not a language code as Meta writes it: .* e\.g\. en or en_US$/,
    ],
    [
      'a template for a language the bot does not speak',
      'campaign:\n  templates:\n    pt: { name: aviso, language: pt_BR }\n',
      /^3: "pt" is not a language the bot speaks: give a template for es, en, e\.g\. "es: /,
    ],
    [
      'a template language key misspelt',
      'campaign:\n  templates:\n    esp: { name: aviso }\n',
      /^3: "esp" is not a language the bot speaks \(did you mean "es"\?\)/,
    ],
    [
      'an unknown field',
      'campaign:\n  perday: 100\n',
      /^2: unknown field "perday" in campaign \(did you mean "perDay"\?\); known fields: hours, gap, perDay, cloud, templates$/,
    ],
    ['an unknown cloud field', 'campaign:\n  cloud: { tier: 250, rate: 20 }\n', /^2: unknown field "rate" in campaign cloud/],
    [
      'an unknown template field',
      'campaign:\n  templates:\n    es:\n      name: aviso\n      lang: es_MX\n',
      /^5: unknown field "lang" in template es; known fields: name, language$/,
    ],
    [
      'a time zone in the hours',
      'campaign:\n  hours:\n    timeZone: America/Mexico_City\n    mon-fri: 10:00-19:00\n',
      /^3: campaign hours have no time zone: each client is written to in their own, read from their number; remove "timeZone"$/,
    ],
    ['a day unknown', 'campaign:\n  hours: { lun-vie: 10:00-19:00 }\n', /^2: "lun-vie" is not a day or a range of days: write mon, tue/],
    [
      'a day given twice',
      'campaign:\n  hours:\n    mon-fri: 10:00-19:00\n    fri: 10:00-14:00\n',
      /^4: fri already has its hours above; give each day once$/,
    ],
    [
      'hours not understood',
      'campaign:\n  hours:\n    mon-fri: 19:00-10:00\n',
      /^3: the hours of mon-fri "19:00-10:00" are not understood: .*"10:00-19:00"$/,
    ],
    ['hours naming no day', 'campaign:\n  hours: {}\n', /^2: the campaign hours name no day, so no message would ever go: add one/],
    [
      'campaign not a section',
      'campaign: fast\n',
      /^1: write campaign as a section, e\.g\. "campaign: \{ gap: 15-45 seconds \}", or remove the line$/,
    ],
  ])('%s', (_, yaml, pattern) => {
    expect(problemOf(yaml)).toMatch(pattern)
  })

  it('a wrong value keeps the safe one, so nothing faster slips through', () => {
    const { campaign } = read('campaign:\n  gap: 2-10 seconds\n  perDay: 5000\n  cloud: { tier: 300, perSecond: 100 }\n')
    expect(campaign.gap).toEqual({ minSeconds: 15, maxSeconds: 45 })
    expect(campaign.perDay).toBe(150)
    expect(campaign.cloud).toEqual({ tier: 250, perSecond: 20 })
  })
})
