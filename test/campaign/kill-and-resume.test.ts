/**
 * `npm run campaign` as an owner runs it from the README, beside `npm start -- --provider cloud`,
 * each in a process of its own: the dry run through the running bot, the campaign started, the
 * bot killed with SIGKILL while a template is on its way, started again, and
 * `npm run campaign -- --resume` run to the end. Every client is written to exactly once: nobody
 * twice, nobody skipped. The Graph API is a local server answering Meta's documented body
 * (test/fixtures/cloud-api/graph.ts), holding the answer to the second template until the kill.
 * No fixed sleeps: the test waits for the processes' lines, the sends and the exits.
 */
import { appendFileSync, writeFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { SendBody } from '../../src/adapters/cloud/payloads.js'
import { ownerProject, runCli } from '../cli/run-cli.js'
import { sendResponse } from '../fixtures/cloud-api/graph.js'
import { wamid } from '../fixtures/cloud-api/webhooks.js'
import { freePort, start, writeDotEnv } from '../support/bot-process.js'
import { CLOUD_SETTINGS } from '../support/cloud-chat.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/**
 * A Graph API that answers every send at once but the `hold`th, which it keeps open (the bot
 * waits for Meta's answer) until it is closed; tells when that one has arrived.
 */
async function graphHolding(hold: number) {
  const recipients: string[] = []
  const open: ServerResponse[] = []
  let onHeld!: () => void
  const held = new Promise<void>((resolve) => (onHeld = resolve))
  const waiters: { count: number; resolve: () => void }[] = []
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SendBody
    const recipient = body.to ?? body.recipient ?? ''
    recipients.push(recipient)
    for (const w of waiters.filter((w) => recipients.length >= w.count)) w.resolve()
    if (recipients.length === hold) {
      open.push(response)
      onHeld()
      return
    }
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify(sendResponse(recipient, wamid())))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v23.0`,
    recipients,
    held,
    sends: (count: number) => new Promise<void>((resolve) => (recipients.length >= count ? resolve() : waiters.push({ count, resolve }))),
  }
}

const CLIENTS = ['5215512340031', '5215512340032', '5215512340033', '5215512340034', '5215512340035']

describe('npm run campaign beside the running bot', () => {
  it('a dry run, then the campaign; kill -9 while a template is on its way; --resume writes to the rest, nobody twice, nobody skipped', async () => {
    const graph = await graphHolding(2)
    const project = ownerProject()
    appendFileSync(join(project, 'flows/policy.yaml'), '\ncampaign:\n  templates:\n    es: { name: aviso_privacidad, language: es_MX }\n')
    writeFileSync(
      join(project, 'clientes.csv'),
      `\ufeffnombre;teléfono\r\n${CLIENTS.map((p, i) => `Cliente ${i};+${p}`).join('\r\n')}\r\nSin número;55 12\r\n`,
    )
    const port = await freePort()
    writeDotEnv(project, {
      WHATSAPP_ACCESS_TOKEN: CLOUD_SETTINGS.accessToken,
      WHATSAPP_PHONE_NUMBER_ID: CLOUD_SETTINGS.phoneNumberId,
      WHATSAPP_APP_SECRET: CLOUD_SETTINGS.appSecret,
      WHATSAPP_VERIFY_TOKEN: CLOUD_SETTINGS.verifyToken,
      WHATSAPP_GRAPH_URL: graph.url,
      PROVIDER: 'cloud',
      HTTP_PORT: String(port),
      ADMIN_TOKEN: 'a-long-admin-token-for-the-owner-0123456789',
      DATA_DIR: 'data',
    })
    const bot = start([], project)
    await bot.stdoutMatch(/^Receiving WhatsApp Cloud API messages/m)

    // The dry run, through the running bot (it holds the data folder): who, who not, how long.
    const dry = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--dry-run'], project)
    expect(dry.stderr).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/^clientes\.csv: 6 clients listed$/m)
    expect(dry.stdout).toMatch(/^ {2}5 will be written to$/m)
    expect(dry.stdout).toMatch(/^ +1 {2}not a valid phone number$/m)
    expect(dry.stdout).toMatch(/^ +line 7: /m)
    expect(dry.stdout).toMatch(/^Nothing was sent \(--dry-run\)\.$/m)
    expect(graph.recipients).toEqual([])

    // Started, and left to the bot; the second template's answer never comes: the bot is killed.
    const started = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--detach'], project)
    expect(started.stderr).toBe('')
    const [, id] = /^Campaign (\S+) started/m.exec(started.stdout)!
    await graph.held
    bot.child.kill('SIGKILL')
    expect(await bot.exited).toBe('SIGKILL')
    expect(graph.recipients).toEqual(CLIENTS.slice(0, 2))

    // Started again: the campaign waits for the owner, sending nothing by itself.
    const again = start([], project)
    await again.stdoutMatch(/^Receiving WhatsApp Cloud API messages/m)
    const status = await runCli('campaign.ts', ['--status'], project)
    expect(status.stdout).toMatch(
      new RegExp(`^${id} {2}clientes\\.csv {2}paused: the bot stopped while it ran; npm run campaign -- --resume ${id} continues it$`, 'm'),
    )
    expect(graph.recipients).toHaveLength(2)

    // Resumed to the end: the one whose template was on its way counts as written to (Meta had it).
    const resumed = await runCli('campaign.ts', ['--resume'], project)
    expect(resumed.stderr).toBe('')
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toMatch(new RegExp(`^Campaign ${id} resumed: 3 clients left\\.$`, 'm'))
    expect(resumed.stdout).toMatch(/\[#+\] 5 sent · 0 remaining/)
    expect(resumed.stdout).toMatch(new RegExp(`^Campaign ${id} is done\\.$`, 'm'))
    expect(graph.recipients).toEqual(CLIENTS)
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(143)
  })

  it('refuses to send with the bot stopped, saying to start it; the dry run works without it', async () => {
    const project = ownerProject()
    writeFileSync(join(project, 'clientes.csv'), `phone\n+${CLIENTS[0]}\n`)
    writeDotEnv(project, {
      HTTP_PORT: String(await freePort()),
      ADMIN_TOKEN: 'a-long-admin-token-for-the-owner-0123456789',
      DATA_DIR: 'data',
    })
    const refused = await runCli('campaign.ts', ['--contacts', 'clientes.csv'], project)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /^npm run campaign: the bot does not answer at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it \(npm start/,
    )
    const dry = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--dry-run'], project)
    expect(dry.stderr).toBe('')
    expect(dry.stdout).toMatch(/^ {2}1 will be written to$/m)
    expect(dry.stdout).toMatch(/Pace: a message every 15–45 s, at most 150 a day, only within business hours/)
  })

  it('a pace above the safe one in policy.yaml is refused without --faster, and warned about with it', async () => {
    const project = ownerProject()
    appendFileSync(join(project, 'flows/policy.yaml'), '\ncampaign:\n  gap: 5-10 seconds\n')
    writeFileSync(join(project, 'clientes.csv'), `phone\n+${CLIENTS[0]}\n`)
    writeDotEnv(project, { DATA_DIR: 'data' })
    const refused = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--dry-run'], project)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /^npm run campaign: campaign gap 5-10 seconds is faster than the safe 15-45 seconds \(policy\.yaml\): WhatsApp bans numbers that write in bursts; to go this fast anyway, run again with --faster/,
    )
    const faster = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--dry-run', '--faster'], project)
    expect(faster.code).toBe(0)
    expect(faster.stdout).toMatch(/^ {2}Warning: --faster: campaign gap 5-10 seconds is faster than the safe 15-45 seconds/m)
    expect(faster.stdout).toMatch(/Pace: a message every 5–10 s/)
  })

  it('a list that cannot be read is told as file:line, with how to mend it (exit 2)', async () => {
    const project = ownerProject()
    writeFileSync(join(project, 'clientes.csv'), 'nombre,correo\nAna,ana@example.com\n')
    const run = await runCli('campaign.ts', ['--contacts', 'clientes.csv', '--dry-run'], project)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^npm run campaign: clientes\.csv:1: .*phone/)
  })
})
