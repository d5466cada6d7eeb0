/**
 * `npm start -- --provider cloud` as a business runs it from the README: the real entry point
 * (src/main/start.ts through tsx) in a project folder of its own with the settings in its `.env`,
 * Meta's calls made to its /webhooks/whatsapp over HTTP, its replies sent to a fake Graph API on
 * 127.0.0.1, then SIGTERM. And a setting missing or malformed stops the start with one line and
 * exit code 2. No fixed sleeps: the test waits for the bot's own line, the fake Graph API's sends
 * and the process's exit.
 */
import { createServer as createHttpServer, type ServerResponse } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { SendBody } from '../../src/adapters/cloud/payloads.js'
import { sendResponse } from '../fixtures/cloud-api/graph.js'
import { FILES, openReader } from '../../src/main/store.js'
import { incoming, text, wamid, webhook } from '../fixtures/cloud-api/webhooks.js'
import { MX } from '../support/chat.js'
import { CLOUD_SETTINGS, userOf } from '../support/cloud-chat.js'
import { signedPost } from '../support/cloud-webhook.js'
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js'
import { ownerProject } from './run-cli.js'
import { freePort, start, writeDotEnv } from '../support/bot-process.js'

/** The WHATSAPP_* settings an owner writes in `.env` (the test app's: nothing here is a real secret). */
const SETTINGS = {
  WHATSAPP_ACCESS_TOKEN: CLOUD_SETTINGS.accessToken,
  WHATSAPP_PHONE_NUMBER_ID: CLOUD_SETTINGS.phoneNumberId,
  WHATSAPP_APP_SECRET: CLOUD_SETTINGS.appSecret,
  WHATSAPP_VERIFY_TOKEN: CLOUD_SETTINGS.verifyToken,
}

const graphs: Pick<FakeGraph, 'close'>[] = []
afterEach(async () => {
  for (const graph of graphs.splice(0)) await graph.close()
})

describe('npm start -- --provider cloud, with the settings in .env', () => {
  it('verifies the webhook, answers a signed message through the Graph API, refuses a forged one, and keeps the contact after SIGTERM', async () => {
    const graph = await startFakeGraph()
    graphs.push(graph)
    const project = ownerProject()
    const port = await freePort()
    writeDotEnv(project, { ...SETTINGS, WHATSAPP_GRAPH_URL: graph.url, HTTP_PORT: String(port), DATA_DIR: 'data' })
    const bot = start(['--provider', 'cloud'], project)

    const [, url] = await bot.stdoutMatch(/^Receiving WhatsApp Cloud API messages at (http:\/\/\S+) /m)
    expect(url).toBe(`http://127.0.0.1:${port}/webhooks/whatsapp`)

    // Meta's verification of the callback URL (webhooks/create-webhook-endpoint, "GET requests").
    const verify = (token: string) =>
      fetch(`${url}?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' })}`)
    const verified = await verify(SETTINGS.WHATSAPP_VERIFY_TOKEN)
    expect(verified.status).toBe(200)
    expect(await verified.text()).toBe('1158201444')
    expect((await verify('not-the-verify-token-at-all')).status).toBe(403)

    // A first message, as Meta posts it: acknowledged once handled, with three replies sent.
    const payload = webhook(incoming(userOf(MX), text('hola'), { timestamp: Math.floor(Date.now() / 1000) }))
    const posted = await signedPost(url!, payload, SETTINGS.WHATSAPP_APP_SECRET)
    expect(posted.status).toBe(200)
    const sends = await graph.waitForSends(3)
    expect(sends).toHaveLength(3)
    for (const send of sends) {
      expect(send.authorization).toBe(`Bearer ${SETTINGS.WHATSAPP_ACCESS_TOKEN}`)
      expect(send.phoneNumberId).toBe(SETTINGS.WHATSAPP_PHONE_NUMBER_ID)
      expect(send.recipient).toBe(MX)
      expect(send.status).toBe(200)
    }
    // The greeting and the notice as texts, the question with its buttons.
    expect(sends.map((s) => (s.body as SendBody & { type: string }).type)).toEqual(['text', 'text', 'interactive'])
    expect((sends[0]!.body as { text: { body: string } }).text.body).toMatch(/^¡Hola! 👋 Te escribe el asistente de \*Tienda Ejemplo\*/)
    const question = (sends[2]!.body as { interactive: { type: string; action: { buttons: { reply: { id: string } }[] } } }).interactive
    expect(question.type).toBe('button')
    expect(question.action.buttons.map((b) => b.reply.id)).toEqual(['consent.service|yes', 'consent.service|no', 'consent.service|info'])

    // Signed with another secret: refused, and nothing more is sent.
    const forged = await signedPost(url!, webhook(incoming(userOf(MX), text('sí'))), 'fedcba9876543210fedcba9876543210')
    expect(forged.status).toBe(401)
    expect(graph.sends).toHaveLength(3)

    bot.child.kill('SIGTERM')
    expect(await bot.exited).toBe(143)

    // The contact was kept in the data folder .env names (relative to the project).
    const reader = await openReader(FILES, { dataDir: join(project, 'data') })
    try {
      const data = await reader.read()
      expect(Object.keys(data.contacts)).toEqual([MX])
      expect(data.conversations[MX]).toBeDefined()
    } finally {
      await reader.close()
    }

    // The log (stderr) says what happened without the contact's number or user id, their name, the message or a secret.
    expect(bot.stderr).toMatch(/"event":"cloud\.webhook_verified"/)
    expect(bot.stderr).toMatch(/"event":"message\.handled"/)
    expect(bot.stderr).toMatch(/"event":"cloud\.webhook_unsigned"/)
    for (const secret of [
      MX,
      userOf(MX).userId!,
      'hola',
      'Ana',
      SETTINGS.WHATSAPP_ACCESS_TOKEN,
      SETTINGS.WHATSAPP_APP_SECRET,
      SETTINGS.WHATSAPP_VERIFY_TOKEN,
    ])
      expect(bot.stderr, secret).not.toContain(secret)
    for (const secret of [SETTINGS.WHATSAPP_ACCESS_TOKEN, SETTINGS.WHATSAPP_APP_SECRET, SETTINGS.WHATSAPP_VERIFY_TOKEN])
      expect(bot.stdout, secret).not.toContain(secret)
  })
})

/**
 * A Graph API that holds its answers until told: a send is on its way for as long as the test
 * wants. Records what it answered (200 with a wamid) and what the bot gave up on first.
 */
async function holdingGraph() {
  const held: { response: ServerResponse; recipient: string }[] = []
  const answered: string[] = []
  let released = false
  let onFirst!: () => void
  const first = new Promise<void>((resolve) => (onFirst = resolve))
  const answer = ({ response, recipient }: { response: ServerResponse; recipient: string }) => {
    if (response.destroyed) return // the bot cancelled the send
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify(sendResponse(recipient, wamid())))
    answered.push(recipient)
  }
  const server = createHttpServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SendBody
    const send = { response, recipient: body.to ?? body.recipient ?? '' }
    onFirst()
    if (released) answer(send)
    else held.push(send)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const graph = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v23.0`,
    /** Resolves once the first send has arrived (and is held). */
    first,
    answered,
    /** Answers what is held, and every send from now on at once. */
    release() {
      released = true
      for (const send of held.splice(0)) answer(send)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  graphs.push(graph)
  return graph
}

describe('npm start -- --provider cloud, stopped', () => {
  // The stop signal must not cancel what is in hand: the message is saved as handled, so a
  // webhook Meta delivers again is a duplicate, and a reply cut off would never be sent.
  it('by SIGTERM while a reply is on its way: the replies in hand are still sent before it exits', async () => {
    const graph = await holdingGraph()
    const project = ownerProject()
    const port = await freePort()
    writeDotEnv(project, { ...SETTINGS, WHATSAPP_GRAPH_URL: graph.url, HTTP_PORT: String(port), DATA_DIR: 'data' })
    const bot = start(['--provider', 'cloud'], project)
    const [, url] = await bot.stdoutMatch(/^Receiving WhatsApp Cloud API messages at (http:\/\/\S+) /m)

    const payload = webhook(incoming(userOf(MX), text('hola'), { timestamp: Math.floor(Date.now() / 1000) }))
    // The bot answers Meta once its replies are sent: this POST is still open when the stop comes.
    const posted = signedPost(url!, payload, SETTINGS.WHATSAPP_APP_SECRET).then(
      (response) => response.status,
      () => 'cut',
    )
    await graph.first
    bot.child.kill('SIGTERM')
    // Closing the web server (the first thing bot.close() does, after the stop handler's own
    // work) cuts the open POST: from then on the Graph API answers.
    expect(await posted).toBe('cut')
    graph.release()
    expect(await bot.exited).toBe(143)
    expect(graph.answered).toEqual([MX, MX, MX])
    expect(bot.stderr).not.toMatch(/"event":"(message|reply)\.failed"/)
  })
})

describe('npm start -- --provider cloud, a setting missing or wrong', () => {
  /** Runs the start to its end with these settings in the environment; the data folder is the project's. */
  async function refused(env: Record<string, string | undefined>) {
    const project = ownerProject()
    const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined))
    const bot = start(['--provider', 'cloud', '--data-dir', join(project, 'data')], project, defined)
    const code = await bot.exited
    return { code, stdout: bot.stdout, stderr: bot.stderr }
  }

  it('no WHATSAPP_APP_SECRET: one line naming it and where to find it, exit code 2', async () => {
    const run = await refused({ ...SETTINGS, WHATSAPP_APP_SECRET: undefined })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'The bot did not start: --provider cloud needs WHATSAPP_APP_SECRET in .env or the environment: the app secret that signs every webhook (App settings → Basic → App secret)\n',
    )
  })

  it('a phone number where the phone number id goes: the line says it is the id, not the number', async () => {
    const run = await refused({ ...SETTINGS, WHATSAPP_PHONE_NUMBER_ID: '+15550783881' })
    expect(run.code).toBe(2)
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^The bot did not start: WHATSAPP_PHONE_NUMBER_ID must be the number's id in digits .* not the phone number itself; not "\+15550783881"$/,
      ),
    ])
  })

  it('HTTP_PORT taken by another program: the bot says the webhook could not listen, and stops (exit 1)', async () => {
    const other = createServer()
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    graphs.push({ close: () => new Promise<void>((resolve) => other.close(() => resolve())) })
    const port = (other.address() as AddressInfo).port
    const run = await refused({ ...SETTINGS, HTTP_PORT: String(port) })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/"event":"http\.unavailable"/)
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      `The bot did not start: the Cloud API delivers messages to the web server's /webhooks/whatsapp, which could not listen on port ${port} (see the log above): set HTTP_PORT to a free one.`,
    )
  })

  it('HTTP_PORT=0: the webhook needs the web server, so the bot does not start deaf', async () => {
    const run = await refused({ ...SETTINGS, HTTP_PORT: '0' })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      "The bot did not start: --provider cloud receives messages at the web server's /webhooks/whatsapp: set HTTP_PORT to a port (default 3210), not 0 or --no-http\n",
    )
  })
})
