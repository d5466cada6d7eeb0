/**
 * The WhatsApp Cloud API as the bot sees it: an InboundSource fed by Meta's webhook, a Messenger
 * that sends through the Graph API, and the webhook's HTTP handler for the web server to mount
 * (the server takes it as an option; it does not know this adapter).
 *
 * @example
 * const cloud = createCloudWhatsApp({ settings, logger })
 * cloud.inbound.onMessage((inbound) => engine.handle(inbound))
 * await startWebServer({ ...webOptions, webhook: cloud.webhook }, listen)
 * await cloud.messenger.send('16505551234', 'Hola')
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressLink, DeliveryStatus, Inbound, InboundSource, PreferenceChange } from '../../ports/inbound-source.js'
import type { Logger } from '../../ports/logger.js'
import type { Messenger } from '../../ports/messenger.js'
import type { StaffMessage } from '../../ports/staff.js'
import type { Delay } from '../staff-webhook.js'
import { createCloudMessenger } from './cloud-messenger.js'
import { createCloudOutreach, type Templates } from './cloud-outreach.js'
import type { Outreach } from '../../ports/outreach.js'
import { CustomerWindows, type LastInbound } from './customer-window.js'
import { createGraphClient } from './graph-client.js'
import { Listeners } from './listeners.js'
import { RecentIds } from './recent-ids.js'
import type { WebhookEvents } from './webhook-events.js'
import { createWebhookRoute, WEBHOOK_PATH } from './webhook-route.js'

export { GraphError } from './graph-client.js'
export { WEBHOOK_PATH } from './webhook-route.js'

export interface CloudSettings {
  /** A system user's token: sent as a Bearer token to the Graph API, never logged. */
  accessToken: string
  /** The business phone number's id (not the number): where sends go, and which webhooks are the bot's. */
  phoneNumberId: string
  /** Keys the HMAC Meta signs each webhook with. */
  appSecret: string
  /** The string Meta echoes when it verifies the webhook's URL. */
  verifyToken: string
  /** The Graph API's base with its version, e.g. `https://graph.facebook.com/v23.0`. */
  graphUrl: string
}

export interface CloudWhatsAppOptions {
  settings: CloudSettings
  logger: Logger
  /** The bot's clock: when the customer service window of a contact closes. */
  clock?: () => Date
  fetch?: typeof fetch
  /** When a contact last wrote, from the bot's data: their window after a restart. */
  lastInbound?: LastInbound
  /** Waits between tries of a send (tests resolve them at once). */
  delay?: Delay
  random?: () => number
  /** The longest the webhook waits for the listeners before answering Meta (default 5 s). */
  ackWithinMs?: number
}

export interface CloudWebhook {
  path: typeof WEBHOOK_PATH
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>
}

export interface CloudWhatsApp {
  inbound: InboundSource
  messenger: Messenger
  /** A campaign's invitations: the approved templates the owner named, per language. */
  outreach(templates: Templates): Outreach
  webhook: CloudWebhook
  /** Stops taking webhooks (503: Meta delivers them again later) and gives up sends waiting to be tried again. */
  close(): Promise<void>
}

export function createCloudWhatsApp(options: CloudWhatsAppOptions): CloudWhatsApp {
  const { settings, logger } = options
  const clock = options.clock ?? (() => new Date())
  const stop = new AbortController()

  const messages = new Listeners<Inbound>('message', logger)
  const links = new Listeners<AddressLink>('link', logger)
  const statuses = new Listeners<DeliveryStatus>('status', logger)
  const preferences = new Listeners<PreferenceChange>('preference', logger)
  const staff = new Listeners<StaffMessage>('staff_message', logger)

  const windows = new CustomerWindows(options.lastInbound)
  // Meta delivers a webhook again when it did not see it answered: what the engine does not drop
  // by itself (it drops repeated message ids) is dropped here.
  const seen = new RecentIds()
  const linked = new RecentIds()
  // The bot's own wamids: an echo of one is not the staff writing (echoes are the Business app's).
  const sentIds = new RecentIds()

  async function dispatch(events: WebhookEvents): Promise<void> {
    // Who is who first, so a message is filed under the person its link names.
    await Promise.all(events.links.filter((link) => linked.add(`${link.lid}|${link.phone}`)).flatMap((link) => links.emit(link)))
    const handled: Promise<void>[] = []
    for (const inbound of events.messages) {
      windows.heard(inbound.alias ? [inbound.contact, inbound.alias] : [inbound.contact], inbound.sentAt ?? clock().getTime())
      handled.push(...messages.emit(inbound))
    }
    for (const status of events.statuses)
      if (seen.add(`status|${status.messageId}|${status.status}`)) handled.push(...statuses.emit(status))
    for (const change of events.preferences) if (seen.add(`preference|${change.id}`)) handled.push(...preferences.emit(change))
    for (const message of events.staffMessages)
      if (!sentIds.has(message.messageId) && seen.add(`staff|${message.messageId}`)) handled.push(...staff.emit(message))
    await Promise.all(handled)
  }

  const client = createGraphClient({
    graphUrl: settings.graphUrl,
    phoneNumberId: settings.phoneNumberId,
    accessToken: settings.accessToken,
    logger,
    signal: stop.signal,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.delay ? { delay: options.delay } : {}),
    ...(options.random ? { random: options.random } : {}),
  })
  const messenger = createCloudMessenger({ client, windows, logger, clock, onSent: (id) => sentIds.add(id) })
  const handle = createWebhookRoute({
    appSecret: settings.appSecret,
    verifyToken: settings.verifyToken,
    phoneNumberId: settings.phoneNumberId,
    logger,
    dispatch,
    closed: () => stop.signal.aborted,
    ...(options.ackWithinMs !== undefined ? { ackWithinMs: options.ackWithinMs } : {}),
  })

  return {
    inbound: {
      onMessage: (listener) => messages.add(listener),
      onLink: (listener) => links.add(listener),
      onStatus: (listener) => statuses.add(listener),
      onPreference: (listener) => preferences.add(listener),
      onStaffMessage: (listener) => staff.add(listener),
    },
    messenger,
    outreach: (templates) => createCloudOutreach({ client, templates, logger, onSent: (id) => sentIds.add(id) }),
    webhook: { path: WEBHOOK_PATH, handle },
    async close() {
      stop.abort()
    },
  }
}
