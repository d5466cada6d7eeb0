/**
 * Meta signs every webhook POST: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
 * keyed with the app secret>` (webhooks/create-webhook-endpoint). Only a body that carries the
 * right signature is read; the comparison takes the same time whatever the signature says.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i

/** The header value Meta would send for this body: `sha256=<hex>`. */
export function signatureOf(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`
}

/** Whether `header` is the signature of `rawBody` under `appSecret`. A missing, repeated or malformed header is not. */
export function verifySignature(rawBody: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== 'string') return false
  const given = SIGNATURE.exec(header.trim())
  if (!given) return false
  // Both are 32 bytes here (the pattern fixes the length), as timingSafeEqual requires.
  const expected = createHmac('sha256', appSecret).update(rawBody).digest()
  return timingSafeEqual(Buffer.from(given[1]!, 'hex'), expected)
}
