/**
 * The web server with the Cloud API's webhook mounted (`webhook: cloud.webhook`): the route comes
 * before every other, takes Meta's GET and signed POST without the admin token, and the rest of
 * the server keeps its rules. Its log line names the route and status only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createCloudWhatsApp } from '../../src/adapters/cloud/cloud-whatsapp.js'
import { startWebServer, type WebOptions, type WebServer } from '../../src/app/web/server.js'
import type { Inbound } from '../../src/ports/inbound-source.js'
import { recordingLogger, settings, APP_SECRET, VERIFY_TOKEN } from '../adapters/cloud/support.js'
import { signedPost } from '../support/cloud-webhook.js'
import { incoming, SHEENA, text, webhook } from '../fixtures/cloud-api/webhooks.js'

const ADMIN_TOKEN = 'admin-token-for-the-webhook-test-91c2'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

/**
 * The server with only what these requests reach: the webhook, and the routing rules in front of
 * the pages. The pages' data is never read here (a read would throw on these empty stand-ins).
 */
async function server(webhookRoute?: WebOptions['webhook']) {
  const logger = recordingLogger()
  const none = {} as never
  const web: WebServer = await startWebServer(
    {
      reader: none,
      policy: none,
      flow: none,
      texts: none,
      defaultLanguage: 'es',
      adminToken: ADMIN_TOKEN,
      logger,
      ...(webhookRoute ? { webhook: webhookRoute } : {}),
    },
    { port: 0, host: '127.0.0.1' },
  )
  cleanups.push(() => web.close())
  return { web, logger }
}

async function cloudServer() {
  const cloudLogger = recordingLogger()
  const cloud = createCloudWhatsApp({ settings: settings('http://127.0.0.1:9/v23.0'), logger: cloudLogger })
  cleanups.push(() => cloud.close())
  const heard: Inbound[] = []
  cloud.inbound.onMessage((inbound) => void heard.push(inbound))
  const { web, logger } = await server(cloud.webhook)
  return { url: `${web.url}/webhooks/whatsapp`, web, logger, heard }
}

describe('the webhook on the web server', () => {
  it('answers Meta’s verification and takes a signed POST, without the admin token', async () => {
    const { url, heard } = await cloudServer()
    const verified = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=8246`)
    expect(verified.status).toBe(200)
    expect(await verified.text()).toBe('8246')
    const posted = await signedPost(url, webhook(incoming(SHEENA, text('Hola'), { id: 'wamid.WEB' })), APP_SECRET)
    expect(posted.status).toBe(200)
    expect(heard.map((m) => m.messageId)).toEqual(['wamid.WEB'])
  })

  it('refuses what the webhook refuses: an unsigned POST (401), a wrong verify token (403), PUT (405)', async () => {
    const { url, heard } = await cloudServer()
    expect((await signedPost(url, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET, { signature: null })).status).toBe(401)
    expect((await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403)
    expect((await fetch(url, { method: 'PUT' })).status).toBe(405)
    expect(heard).toEqual([])
  })

  it('leaves the other routes as they were: POST elsewhere is 405, an unknown path 404, /admin wants its token', async () => {
    const { web } = await cloudServer()
    expect((await fetch(`${web.url}/webhooks/whatsapp/other`, { method: 'POST', body: '{}' })).status).toBe(405)
    expect((await fetch(`${web.url}/privacy`, { method: 'POST', body: '{}' })).status).toBe(405)
    expect((await fetch(`${web.url}/webhooks`)).status).toBe(404)
    expect((await fetch(`${web.url}/admin`)).status).toBe(401)
  })

  it('logs the route and status, not the query (the verify token) nor anything posted', async () => {
    const { url, logger } = await cloudServer()
    await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=8246`)
    await signedPost(url, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET)
    const lines = logger.lines.filter((l) => l.event === 'http.request')
    expect(lines.map((l) => [l.fields.method, l.fields.route, l.fields.status])).toEqual([
      ['GET', 'webhook', 200],
      ['POST', 'webhook', 200],
    ])
    for (const secret of [VERIFY_TOKEN, '8246', SHEENA.phone!, 'Hola']) expect(logger.text()).not.toContain(secret)
  })

  it('a handler that fails without answering: 500, with its kind in the log', async () => {
    const { web, logger } = await server({
      path: '/webhooks/whatsapp',
      handle: async () => {
        throw new TypeError('boom with 16505551234')
      },
    })
    const response = await fetch(`${web.url}/webhooks/whatsapp`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(500)
    expect(logger.lines.find((l) => l.event === 'http.failed')?.fields).toEqual({ route: 'webhook', error: 'TypeError' })
  })

  it('without a webhook, its path is nothing: 404, and POST 405', async () => {
    const { web } = await server()
    expect((await fetch(`${web.url}/webhooks/whatsapp?hub.mode=subscribe`)).status).toBe(404)
    expect((await fetch(`${web.url}/webhooks/whatsapp`, { method: 'POST', body: '{}' })).status).toBe(405)
  })
})
