/** Meta's X-Hub-Signature-256 (webhooks/create-webhook-endpoint): the HMAC of the exact bytes, and nothing like it. */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signatureOf, verifySignature } from '../../../src/adapters/cloud/signature.js'
import { incoming, SHEENA, text, webhook } from '../../fixtures/cloud-api/webhooks.js'
import { APP_SECRET } from './support.js'

const body = Buffer.from(JSON.stringify(webhook(incoming(SHEENA, text('Hola')))))
const hex = createHmac('sha256', APP_SECRET).update(body).digest('hex')

describe('the webhook signature', () => {
  it('is sha256= and the hex HMAC-SHA256 of the raw body under the app secret', () => {
    expect(signatureOf(body, APP_SECRET)).toBe(`sha256=${hex}`)
    expect(verifySignature(body, `sha256=${hex}`, APP_SECRET)).toBe(true)
    // Hex digits in capitals are the same bytes.
    expect(verifySignature(body, `sha256=${hex.toUpperCase()}`, APP_SECRET)).toBe(true)
  })

  it('fails for another body, another secret, a cut, a longer or a malformed header, or none', () => {
    const flipped = `sha256=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`
    const refused = [
      [Buffer.from(`${body.toString()} `), `sha256=${hex}`, APP_SECRET],
      [body, `sha256=${hex}`, `${APP_SECRET}x`],
      [body, flipped, APP_SECRET],
      [body, `sha256=${hex.slice(0, 63)}`, APP_SECRET],
      [body, `sha256=${hex}00`, APP_SECRET],
      [body, hex, APP_SECRET],
      [body, `sha1=${hex}`, APP_SECRET],
      [body, `sha256=${'z'.repeat(64)}`, APP_SECRET],
      [body, [`sha256=${hex}`, `sha256=${hex}`], APP_SECRET],
      [body, undefined, APP_SECRET],
      [body, '', APP_SECRET],
    ] as const
    for (const [raw, header, secret] of refused) expect(verifySignature(raw, header as never, secret)).toBe(false)
  })
})
