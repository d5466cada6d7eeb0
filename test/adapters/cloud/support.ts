/** What the Cloud API tests share: a logger that keeps its lines, and the settings of a test bot. */
import type { Logger } from '../../../src/ports/logger.js'
import { BUSINESS } from '../../fixtures/cloud-api/webhooks.js'

// Shaped as the config wants them (src/app/cloud-config.ts): 32 hex digits, 16 characters or more.
export const APP_SECRET = '0f3c9a2e51b7d6a48c1e5f2b9d7a3c60'
export const VERIFY_TOKEN = 'verify-token-7c1e-b2a9f4'
export const ACCESS_TOKEN = 'EAAJB-test-token-1d2c3b4a'

export const settings = (graphUrl: string) => ({
  accessToken: ACCESS_TOKEN,
  phoneNumberId: BUSINESS.phoneNumberId,
  appSecret: APP_SECRET,
  verifyToken: VERIFY_TOKEN,
  graphUrl,
})

export interface LogLine {
  level: string
  event: string
  fields: Record<string, unknown>
}

export function recordingLogger(): Logger & { lines: LogLine[]; events(): string[]; text(): string } {
  const lines: LogLine[] = []
  const at =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, event, fields })
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    events: () => lines.map((line) => line.event),
    /** Every line as JSON: to check what never reaches the log. */
    text: () => lines.map((line) => JSON.stringify(line)).join('\n'),
  }
}
