/**
 * The Cloud API's settings (`--provider cloud`), from the environment or `.env` only: the access
 * token and the app secret would show in the process list as flags. Each is checked at start,
 * and a missing or malformed one stops it with one line saying where to find the right value.
 */
import { ConfigError } from './config-error.js'

export interface CloudConfig {
  /** A system user's permanent token (Business settings → System users), sent as a Bearer token. */
  accessToken: string
  /** The id of the business's number in the Cloud API (not the number itself). */
  phoneNumberId: string
  /** The Meta app's secret: every webhook POST is signed with it (X-Hub-Signature-256). */
  appSecret: string
  /** The string the owner typed in the app's webhook settings; Meta sends it back to verify the URL. */
  verifyToken: string
  /** The Graph API's base address, version included (a proxy, or a test server). */
  graphUrl: string
}

/** The Graph API version the bot's requests and payloads follow. */
export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com/v23.0'

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]'])
const WHERE = 'Meta for Developers → your app → WhatsApp → API Setup'

export function parseCloud(env: NodeJS.ProcessEnv): CloudConfig {
  const read = (name: string) => env[name]?.trim() || undefined
  const required = (name: string, what: string) => {
    const value = read(name)
    if (value === undefined) throw new ConfigError(`--provider cloud needs ${name} in .env or the environment: ${what}`)
    return value
  }
  const accessToken = required('WHATSAPP_ACCESS_TOKEN', `the access token (a system user's permanent token; ${WHERE})`)
  if (!/^[\w.|-]{20,}$/.test(accessToken))
    throw new ConfigError(
      `WHATSAPP_ACCESS_TOKEN does not look like a Meta access token (at least 20 letters and digits, no spaces or quotes): copy it again from ${WHERE}`,
    )
  const phoneNumberId = required('WHATSAPP_PHONE_NUMBER_ID', `the "Phone number ID" shown under the number (${WHERE})`)
  if (!/^\d{5,20}$/.test(phoneNumberId))
    throw new ConfigError(
      `WHATSAPP_PHONE_NUMBER_ID must be the number's id in digits as ${WHERE} shows it (e.g. 106540352242922), not the phone number itself; not "${phoneNumberId}"`,
    )
  const appSecret = required('WHATSAPP_APP_SECRET', 'the app secret that signs every webhook (App settings → Basic → App secret)')
  if (!/^[0-9a-f]{32}$/i.test(appSecret))
    throw new ConfigError('WHATSAPP_APP_SECRET must be the 32 hexadecimal characters of App settings → Basic → App secret (press "Show")')
  const verifyToken = required(
    'WHATSAPP_VERIFY_TOKEN',
    `the verify token you type in the app's webhook settings (WhatsApp → Configuration); make one with: node -e "console.log(crypto.randomBytes(24).toString('base64url'))"`,
  )
  if (verifyToken.length < 16 || /\s/.test(verifyToken))
    throw new ConfigError(
      `WHATSAPP_VERIFY_TOKEN must be at least 16 characters without spaces (${verifyToken.length} now): make one with node -e "console.log(crypto.randomBytes(24).toString('base64url'))" and type the same in the app's webhook settings`,
    )
  const graphText = read('WHATSAPP_GRAPH_URL') ?? DEFAULT_GRAPH_URL
  const graph = URL.canParse(graphText) ? new URL(graphText) : undefined
  if (!graph || (graph.protocol !== 'https:' && graph.protocol !== 'http:') || graph.username || graph.search || graph.hash)
    throw new ConfigError(
      `WHATSAPP_GRAPH_URL must be the Graph API's address with its version, like ${DEFAULT_GRAPH_URL}; not "${graphText}"`,
    )
  // The token travels in every request: in clear only to this computer (a test server, a local proxy).
  if (graph.protocol === 'http:' && !LOOPBACK.has(graph.hostname))
    throw new ConfigError(
      `WHATSAPP_GRAPH_URL must start with https:// (plain http:// only to localhost or 127.0.0.1), not http://${graph.host}/…`,
    )
  return { accessToken, phoneNumberId, appSecret, verifyToken, graphUrl: graph.href.replace(/\/+$/, '') }
}
