/**
 * Whole conversations on the Cloud API, the way Meta carries them: each message a contact sends
 * is a webhook built from Meta's documented payloads (test/fixtures/cloud-api/webhooks.ts), signed
 * with the app secret and POSTed to the running bot's /webhooks/whatsapp; each reply the bot sends
 * goes to a fake Graph API on 127.0.0.1 (test/support/fake-graph.ts) that records it. `say()`
 * resolves once the bot has handled the message and answered (the webhook is acknowledged after
 * the batch is handled), with the texts sent back.
 *
 * Since April 2026 every message webhook carries the sender's business-scoped user id beside
 * their number (business-scoped-user-ids): each number here has one, from its country.
 */
import { createHash } from 'node:crypto'
import { createCloudWhatsApp, type CloudWhatsApp } from '../../src/adapters/cloud/cloud-whatsapp.js'
import type { SendBody, WebhookChange, WebhookPayload } from '../../src/adapters/cloud/payloads.js'
import { countryOf, type Language } from '../../src/domain/language.js'
import { silentLogger, type Logger } from '../../src/app/logger.js'
import { startBot, type BotOptions, type RunningBot } from '../../src/main/bot.js'
import {
  audio,
  batch,
  BUSINESS,
  documentFile,
  image,
  incoming,
  location,
  text,
  type Content,
  type User,
} from '../fixtures/cloud-api/webhooks.js'
import { signedPost } from './cloud-webhook.js'
import { startFakeGraph, type FakeGraph, type RecordedSend } from './fake-graph.js'

/** The test app's settings (the formats WHATSAPP_* take; nothing here is a real secret). */
export const CLOUD_SETTINGS = {
  accessToken: 'EAAGtestTOKENforTheFakeGraphApi000000',
  phoneNumberId: BUSINESS.phoneNumberId,
  appSecret: '0123456789abcdef0123456789abcdef',
  verifyToken: 'verify-token-of-the-tests',
} as const

/** The business-scoped user id Meta would give the owner of a number (or of another address): a country, then digits. */
export function userIdOf(address: string, country = countryOf(address) ?? 'US'): string {
  const digits = BigInt(`0x${createHash('sha256').update(address).digest('hex').slice(0, 15)}`).toString()
  return `${country}.${digits}`
}

/** A number's owner as webhooks name them: number, business-scoped user id and profile name. */
export const userOf = (phone: string, name = 'Ana'): User => ({ phone, userId: userIdOf(phone), name })

/** The words of what the bot sent: a text's body, or the body of a message with buttons or a list. */
export function sentText(send: RecordedSend): string {
  const body = send.body as SendBody & { text?: { body: string }; interactive?: { body: { text: string } } }
  return body.text?.body ?? body.interactive?.body.text ?? ''
}

export interface CloudBot {
  bot: RunningBot
  cloud: CloudWhatsApp
  graph: FakeGraph
  /** The bot's webhook: http://127.0.0.1:<port>/webhooks/whatsapp. */
  webhookUrl: string
  dataDir: string
  /** POSTs a webhook signed as Meta signs it; resolves with the response once the bot has handled it. */
  post(payload: WebhookPayload): Promise<Response>
  /** Each text sent to `address` (number or user id), in order, from the `from`th send on. */
  textsTo(address: string, from?: number): string[]
  close(): Promise<void>
}

export interface CloudBotOptions {
  dataDir: string
  flowsDir: string
  localesDir: string
  defaultLanguage: Language
  clock?: () => Date
  logger?: Logger
  storage?: BotOptions['storage']
  staff?: BotOptions['staff']
  /** A campaign's waits and random gaps (a fake clock), as startBot takes them. */
  campaignWait?: BotOptions['campaignWait']
  random?: BotOptions['random']
}

export async function openCloudBot(options: CloudBotOptions): Promise<CloudBot> {
  const graph = await startFakeGraph()
  const clock = options.clock ?? (() => new Date())
  let running: RunningBot | undefined
  const cloud = createCloudWhatsApp({
    settings: { ...CLOUD_SETTINGS, graphUrl: graph.url },
    logger: options.logger ?? silentLogger,
    clock,
    lastInbound: async (address) => running?.engine.lastInbound(address),
    // Meta's rate limits are waited out at once: no test waits for real time.
    delay: async () => {},
  })
  const bot = await startBot({
    flowsDir: options.flowsDir,
    localesDir: options.localesDir,
    dataDir: options.dataDir,
    defaultLanguage: options.defaultLanguage,
    inbound: cloud.inbound,
    messenger: cloud.messenger,
    // As npm start -- --provider cloud wires them: a campaign's invitations are approved templates.
    outreach: cloud.outreach,
    campaignProvider: 'cloud',
    webhook: cloud.webhook,
    http: { port: 0, host: '127.0.0.1' },
    ...(options.campaignWait ? { campaignWait: options.campaignWait } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.staff ? { staff: options.staff } : {}),
  })
  running = bot
  if (!bot.web) throw new Error('the bot did not serve its webhook')
  const webhookUrl = `${bot.web.url}${cloud.webhook.path}`
  return {
    bot,
    cloud,
    graph,
    webhookUrl,
    dataDir: options.dataDir,
    async post(payload) {
      const response = await signedPost(webhookUrl, payload, CLOUD_SETTINGS.appSecret)
      await bot.settled()
      return response
    },
    textsTo: (address, from = 0) =>
      graph.sends
        .slice(from)
        .filter((s) => s.recipient === address && s.status === 200)
        .map(sentText),
    async close() {
      await cloud.close()
      await bot.close()
      await graph.close()
    },
  }
}

/** What a message sent through BuilderBot's test provider is on the Cloud API: the same text, or the media its marker stands for. */
function contentOf(body: string): Content {
  if (body.startsWith('_event_media__')) return image()
  if (body.startsWith('_event_voice_note__')) return audio(true)
  if (body.startsWith('_event_location__')) return location(19.4326, -99.1332)
  if (body.startsWith('_event_document__')) return documentFile('pedido.pdf')
  return text(body)
}

/**
 * One contact's chat with a Cloud bot: what they send is posted as Meta would; what comes back is
 * read from the fake Graph API. A `…@lid` (a WhatsApp sender with no number, on Baileys) is on the
 * Cloud API a contact who took a username: Meta gives their business-scoped user id alone, from
 * a country whose language the bot does not speak (Brazil), so nothing about them says theirs.
 */
export class CloudChat {
  private readonly user: User
  /** Where the bot's replies go: the number, or the user id of a contact without one. */
  readonly address: string

  constructor(
    private readonly cloud: CloudBot,
    private readonly clock: () => Date,
    readonly from: string,
    name: string,
  ) {
    this.user = from.endsWith('@lid') ? { userId: userIdOf(from, 'BR'), username: '@ana.cliente', name } : userOf(from, name)
    this.address = this.user.phone ?? this.user.userId!
  }

  /** Sends one text message and returns the bot's replies to it. */
  say(body: string): Promise<string[]> {
    return this.exchange([this.message(contentOf(body))])
  }

  /** Sends what BuilderBot's test provider would carry as `payload` (its body: a text or a media marker). */
  send(payload: Record<string, unknown>): Promise<string[]> {
    return this.say(String(payload.body ?? ''))
  }

  /** Several messages at once, in one webhook as Meta batches them, and all the replies. */
  burst(bodies: string[]): Promise<string[]> {
    return this.exchange(bodies.map((body) => this.message(contentOf(body))))
  }

  /** A message of this contact with any content (a tapped button, a list row), and the replies to it. */
  tap(content: Content): Promise<string[]> {
    return this.exchange([this.message(content)])
  }

  private message(content: Content): WebhookChange {
    // Meta stamps the message with when it was sent: the bot's clock, which tests may move.
    return incoming(this.user, content, { timestamp: Math.floor(this.clock().getTime() / 1000) })
  }

  private async exchange(changes: WebhookChange[]): Promise<string[]> {
    const before = this.cloud.graph.sends.length
    const response = await this.cloud.post(batch(changes))
    if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`)
    return this.cloud.textsTo(this.address, before)
  }
}
