/**
 * A notice campaign on Meta's Cloud API, end to end: the bot running with its web server, each
 * invitation the approved template the owner names in policy.yaml sent to a fake Graph API on
 * 127.0.0.1 (test/support/fake-graph.ts, Meta's documented success and error bodies in
 * test/fixtures/cloud-api/graph.ts), the clients' taps on the template's quick-reply buttons and
 * the statuses posted as Meta's signed webhooks (test/fixtures/cloud-api/webhooks.ts). A fake
 * clock: the campaign's waits move it.
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseContactList } from '../../src/adapters/contact-list.js'
import type { TemplateBody } from '../../src/adapters/cloud/payloads.js'
import type { PlanRequest } from '../../src/app/campaign-plan.js'
import { CampaignRefused } from '../../src/app/web/campaign-routes.js'
import { ownerProject } from '../cli/run-cli.js'
import { GRAPH_ERRORS } from '../fixtures/cloud-api/graph.js'
import { ERROR_131049, incoming, preference, status, templateButton, webhook } from '../fixtures/cloud-api/webhooks.js'
import { readStore, removeDir, storageFor, tempDir } from '../support/chat.js'
import { openCloudBot, userOf, type CloudBot } from '../support/cloud-chat.js'

const opened: CloudBot[] = []
afterEach(async () => {
  for (const bot of opened.splice(0)) {
    await bot.close().catch(() => {})
    removeDir(bot.dataDir)
  }
})

let now = Date.parse('2026-12-03T16:00:00Z')
const clock = () => new Date(now)
/** Runs while the campaign waits for its next slot (a webhook arriving meanwhile). */
let during: ((signal: AbortSignal) => Promise<void>) | undefined
const campaignWait = async (ms: number, signal: AbortSignal) => {
  now += ms
  const run = during
  during = undefined
  await run?.(signal)
}

/** The owner's project with the campaign section written as README tells: the Spanish template only. */
function project(): string {
  const dir = ownerProject()
  appendFileSync(
    join(dir, 'flows/policy.yaml'),
    ['', 'campaign:', '  templates:', '    es: { name: aviso_privacidad, language: es_MX }', ''].join('\n'),
  )
  return dir
}

async function open(): Promise<CloudBot> {
  during = undefined
  const dir = project()
  const dataDir = tempDir()
  const bot = await openCloudBot({
    dataDir,
    flowsDir: join(dir, 'flows'),
    localesDir: join(dir, 'locales'),
    defaultLanguage: 'es',
    storage: await storageFor(dataDir),
    clock,
    campaignWait,
    random: () => 0.5,
  })
  opened.push(bot)
  return bot
}

const CLIENTS = ['5215512340021', '5215512340022', '5215512340023']

function request(csv: string, overrides: Partial<PlanRequest> = {}): PlanRequest {
  const list = parseContactList(Buffer.from(csv, 'utf8'), 'clientes.csv', { defaultCountry: 'MX' })
  return {
    source: 'clientes.csv',
    clients: list.clients,
    invalid: list.invalid,
    doNotContact: [],
    includeKnown: false,
    faster: false,
    dryRun: false,
    ...overrides,
  }
}
const LIST = `teléfono;nombre\n${CLIENTS.map((p, i) => `+${p};Cliente ${i}`).join('\n')}\n`

const templates = (bot: CloudBot) => bot.graph.sends.filter((s) => s.body.type === 'template')

describe('a campaign on the Cloud API', () => {
  it("sends each client the owner's approved template, 20 a second; a tap on its button is their answer; statuses count as delivered and read", async () => {
    const bot = await open()
    const summary = await bot.bot.campaigns.plan(request(LIST))
    await bot.bot.campaignRunner.finished()
    const sent = templates(bot)
    expect(sent.map((s) => s.recipient)).toEqual(CLIENTS)
    // messages/template-messages: the template by name and language code, no parameters.
    expect(sent[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CLIENTS[0],
      type: 'template',
      template: { name: 'aviso_privacidad', language: { code: 'es_MX' } },
    } satisfies TemplateBody)
    // Nothing but the templates: no free text outside the 24-hour window.
    expect(bot.graph.sends).toHaveLength(3)
    const stored = await readStore(bot.dataDir)
    const times = CLIENTS.map((p) => Date.parse(stored.contacts[p]!.invited!.at))
    expect(times[1]! - times[0]!).toBe(50)
    expect(times[2]! - times[1]!).toBe(50)

    // The first client's phone reports the template delivered and read, then they tap "Sí".
    const ana = userOf(CLIENTS[0]!)
    await bot.post(webhook(status(ana, sent[0]!.wamid!, 'delivered', { timestamp: Math.floor(now / 1000) })))
    await bot.post(webhook(status(ana, sent[0]!.wamid!, 'read', { timestamp: Math.floor(now / 1000) })))
    now += 60_000
    await bot.post(webhook(incoming(ana, templateButton('Sí', 'Sí'), { timestamp: Math.floor(now / 1000) })))
    // The conversation goes on: the next question, now as free text with its buttons (the window is open).
    expect(bot.textsTo(CLIENTS[0]!, 3).join('\n')).toMatch(/enviarte ofertas/)
    expect((await readStore(bot.dataDir)).contacts[CLIENTS[0]!]!.consents.service).toMatchObject({ state: 'given' })
    const progress = (await bot.bot.campaigns.get(summary.id!))!
    expect(progress.figures).toEqual({ delivered: 1, read: 1, answered: 1, given: 1, refused: 0, noAnswer: 2 })
  })

  it("stops on Meta's spam limit (131048), keeps the client not reached, and resumes without writing to anyone twice", async () => {
    const bot = await open()
    bot.graph.failNext(GRAPH_ERRORS[131048], { recipient: CLIENTS[1] })
    const summary = await bot.bot.campaigns.plan(request(LIST))
    await bot.bot.campaignRunner.finished()
    let progress = (await bot.bot.campaigns.get(summary.id!))!
    expect(progress.status).toMatchObject({ status: 'paused', reason: expect.stringMatching(/spam reports \(131048\).*--resume/) })
    expect(progress.counts).toMatchObject({ sent: 1, planned: 2 })

    await bot.bot.campaigns.resume(summary.id!)
    await bot.bot.campaignRunner.finished()
    progress = (await bot.bot.campaigns.get(summary.id!))!
    expect(progress.status.status).toBe('done')
    expect(
      templates(bot)
        .filter((s) => s.status === 200)
        .map((s) => s.recipient),
    ).toEqual(CLIENTS)
  })

  it('stops when Meta reports the marketing limit (131049) in a failed status while it waits for its next slot', async () => {
    const bot = await open()
    during = async (signal) => {
      // Meta's status for the first template: failed, 131049. The campaign's wait is cut short.
      const first = bot.graph.sends[0]!
      void bot.post(webhook(status(userOf(CLIENTS[0]!), first.wamid!, 'failed', { error: ERROR_131049 })))
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    }
    const summary = await bot.bot.campaigns.plan(request(LIST))
    await bot.bot.campaignRunner.finished()
    await bot.bot.settled()
    const progress = (await bot.bot.campaigns.get(summary.id!))!
    expect(progress.status).toMatchObject({ status: 'paused', reason: expect.stringMatching(/marketing-message limit .*\(131049\)/) })
    expect(templates(bot)).toHaveLength(1)
    expect(progress.counts).toMatchObject({ sent: 1, planned: 2 })
    // What Meta said of the message is kept on the contact, as for any message.
    expect((await readStore(bot.dataDir)).contacts[CLIENTS[0]!]!.deliveries).toMatchObject([{ status: 'failed', error: { code: 131049 } }])
  })

  it('never writes to a client who chose "Stop promotions" in WhatsApp, though the bot never met them', async () => {
    const bot = await open()
    await bot.post(webhook(preference(userOf(CLIENTS[1]!), 'stop')))
    const summary = await bot.bot.campaigns.plan(request(LIST, { dryRun: true }))
    expect(summary.toMessage).toBe(2)
    expect(summary.skipped['opted-out']).toBe(1)
  })

  it('refuses a list with clients in a language that has no approved template, naming policy.yaml', async () => {
    const bot = await open()
    const refused = bot.bot.campaigns.plan(request(`phone,language\n+14155552671,en\n+${CLIENTS[0]},es\n`))
    await expect(refused).rejects.toThrow(CampaignRefused)
    await expect(refused).rejects.toThrow(/flows\/policy\.yaml names no approved template for en/)
    expect(bot.graph.sends).toEqual([])
  })
})
