import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookNotifier } from '../../src/adapters/staff-webhook.js'
import { createWhatsAppNotifier } from '../../src/adapters/staff-whatsapp.js'
import { parseConfig } from '../../src/app/config.js'
import { createStaffNotifier, type StaffNotifierDeps } from '../../src/app/staff-notifier.js'
import { silentLogger } from '../../src/ports/logger.js'
import type { Messenger } from '../../src/ports/messenger.js'
import type { WaitingChat } from '../../src/ports/staff.js'

const chat: WaitingChat = {
  id: 'wait-1',
  reason: 'message',
  since: '2026-03-04T10:20:00.000Z',
  principal: 'p-4f2a9c',
  language: 'en',
  serviceConsent: false,
}
const SECRET = 'a-secret-of-the-inbox-0123'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})

/** An inbox on 127.0.0.1 answering every post with `status`; collects the bodies. */
async function inbox(status = 200) {
  const bodies: unknown[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
    res.writeHead(status).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`, bodies }
}

function deps(): StaffNotifierDeps & { sent: { contact: string; text: string }[] } {
  const sent: { contact: string; text: string }[] = []
  const messenger: Messenger = {
    async send(contact, text) {
      sent.push({ contact, text })
    },
  }
  return {
    sent,
    messenger,
    format: (waiting) => `waiting: ${waiting.principal}`,
    logger: silentLogger,
    targets: { webhook: createWebhookNotifier, whatsapp: createWhatsAppNotifier },
    delay: async () => {},
  }
}

describe('createStaffNotifier', () => {
  it('is undefined when no target is configured', () => {
    expect(createStaffNotifier(undefined, deps())).toBeUndefined()
    expect(createStaffNotifier({}, deps())).toBeUndefined()
  })

  it('tells both the webhook and the WhatsApp number, as the config reads them', async () => {
    const hook = await inbox()
    const config = parseConfig(
      [],
      { STAFF_WEBHOOK_URL: hook.url, STAFF_WEBHOOK_SECRET: SECRET, STAFF_WHATSAPP: '+34 612 34 56 78' },
      '/srv/bot',
    )
    if (config === 'help') throw new Error('expected a Config')
    const d = deps()
    const staff = createStaffNotifier(config.staff, d)!
    staff.notify(chat)
    // The first try of each is under way once notify returns: close() waits for them.
    await staff.close!()
    expect(hook.bodies).toEqual([expect.objectContaining({ event: 'chat.waiting', chat })])
    expect(d.sent).toEqual([{ contact: '34612345678', text: 'waiting: p-4f2a9c' }])
  })

  it('a target that fails holds up no other', async () => {
    const hook = await inbox(400)
    const d = deps()
    const staff = createStaffNotifier({ webhook: { url: hook.url, secret: SECRET }, whatsapp: '120363012345678901@g.us' }, d)!
    staff.notify(chat)
    await staff.close!()
    expect(hook.bodies).toHaveLength(1)
    expect(d.sent).toEqual([{ contact: '120363012345678901@g.us', text: 'waiting: p-4f2a9c' }])
  })

  it('tells only the targets configured', async () => {
    const d = deps()
    let webhooks = 0
    const staff = createStaffNotifier(
      { whatsapp: '34612345678' },
      {
        ...d,
        targets: {
          ...d.targets,
          webhook: (...args) => {
            webhooks++
            return createWebhookNotifier(...args)
          },
        },
      },
    )!
    staff.notify(chat)
    await staff.close!()
    expect(webhooks).toBe(0)
    expect(d.sent).toHaveLength(1)
  })
})
