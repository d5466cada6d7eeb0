import { describe, expect, it } from 'vitest'
import type { DeliveryResult } from '../../src/adapters/staff-webhook.js'
import { createWhatsAppNotifier, type WhatsAppNotifierDeps } from '../../src/adapters/staff-whatsapp.js'
import type { Logger } from '../../src/ports/logger.js'
import type { Messenger } from '../../src/ports/messenger.js'
import type { WaitingChat } from '../../src/ports/staff.js'

const chat: WaitingChat = {
  id: 'wait-1',
  reason: 'asked',
  since: '2026-03-04T10:20:00.000Z',
  principal: 'p-4f2a9c',
  language: 'es',
  serviceConsent: true,
  contact: '5215512345678',
  message: 'Quiero hablar con alguien',
}

/** A test's own wording: the real one comes from the owner's locale texts. */
const format = (waiting: WaitingChat) => `Waiting (${waiting.reason}): ${waiting.contact ?? waiting.principal}`

/** A messenger that fails the first `failures` sends, as WhatsApp does while it reconnects. */
function messenger(failures = 0) {
  const sent: { contact: string; text: string }[] = []
  let calls = 0
  const fake: Messenger = {
    async send(contact, text) {
      calls++
      if (calls <= failures) throw new Error('WhatsApp is not connected')
      sent.push({ contact, text })
    },
  }
  return { fake, sent, calls: () => calls }
}

function notifier(to: string, deps: Partial<WhatsAppNotifierDeps> & Pick<WhatsAppNotifierDeps, 'messenger'>) {
  const events: string[] = []
  const log = (event: string) => events.push(event)
  const logger: Logger = { debug: log, info: log, warn: log, error: log }
  const delays: number[] = []
  let settle!: (result: DeliveryResult) => void
  const settled = new Promise<DeliveryResult>((resolve) => (settle = resolve))
  const staff = createWhatsAppNotifier(to, {
    format,
    logger,
    random: () => 0.5,
    delay: async (ms) => {
      delays.push(ms)
    },
    onSettled: (result) => settle(result),
    ...deps,
  })
  return { staff, settled, delays, events }
}

describe('the staff WhatsApp notifier', () => {
  it('sends the formatted text to the configured number', async () => {
    const whatsapp = messenger()
    const { staff, settled, events } = notifier('34612345678', { messenger: whatsapp.fake })
    staff.notify(chat)
    expect(await settled).toMatchObject({ target: 'whatsapp', delivered: true, attempts: 1 })
    expect(whatsapp.sent).toEqual([{ contact: '34612345678', text: 'Waiting (asked): 5215512345678' }])
    expect(events).toEqual(['staff.notified'])
  })

  it('sends to a group by its jid', async () => {
    const whatsapp = messenger()
    const { staff, settled } = notifier('120363012345678901@g.us', { messenger: whatsapp.fake })
    staff.notify({ ...chat, serviceConsent: false, contact: undefined, message: undefined })
    await settled
    expect(whatsapp.sent).toEqual([{ contact: '120363012345678901@g.us', text: 'Waiting (asked): p-4f2a9c' }])
  })

  it('retries a send that throws (not connected), with backoff', async () => {
    const whatsapp = messenger(2)
    const { staff, settled, delays, events } = notifier('34612345678', { messenger: whatsapp.fake })
    staff.notify(chat)
    expect(await settled).toMatchObject({ delivered: true, attempts: 3 })
    expect(whatsapp.sent).toHaveLength(1)
    // 5 s, then 10 s, each with jitter in [half, whole]; random() = 0.5 puts them at three quarters.
    expect(delays).toEqual([3_750, 7_500])
    expect(events).toEqual(['staff.notify_retry', 'staff.notify_retry', 'staff.notified'])
  })

  it('gives up after its last try', async () => {
    const whatsapp = messenger(Number.POSITIVE_INFINITY)
    const { staff, settled, events } = notifier('34612345678', {
      messenger: whatsapp.fake,
      policy: { attempts: 2, firstDelayMs: 1, maxDelayMs: 1 },
    })
    staff.notify(chat)
    expect(await settled).toMatchObject({ delivered: false, attempts: 2 })
    expect(whatsapp.calls()).toBe(2)
    expect(events).toEqual(['staff.notify_retry', 'staff.notify_failed'])
  })

  it('does not retry a text that cannot be built', async () => {
    const whatsapp = messenger()
    const { staff, settled, delays } = notifier('34612345678', {
      messenger: whatsapp.fake,
      format: () => {
        throw new Error('missing text staff.waiting')
      },
    })
    staff.notify(chat)
    expect(await settled).toMatchObject({ delivered: false, attempts: 1 })
    expect(whatsapp.calls()).toBe(0)
    expect(delays).toEqual([])
  })

  it('close() stops a waiting retry', async () => {
    const whatsapp = messenger(Number.POSITIVE_INFINITY)
    let waiting!: () => void
    const retryWaits = new Promise<void>((resolve) => (waiting = resolve))
    const { staff, settled } = notifier('34612345678', {
      messenger: whatsapp.fake,
      delay: (_ms, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => resolve())
          waiting()
        }),
    })
    staff.notify(chat)
    await retryWaits
    await staff.close!()
    expect(await settled).toMatchObject({ delivered: false, attempts: 1 })
    expect(whatsapp.calls()).toBe(1)
  })
})
