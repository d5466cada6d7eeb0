/**
 * Posting a Cloud API webhook the way Meta does (webhooks/create-webhook-endpoint): the JSON body
 * with `Content-Type: application/json` and `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
 * exact bytes sent, keyed with the app secret>`.
 *
 * @example
 * const response = await signedPost(`${web.url}/webhooks/whatsapp`, webhook(incoming(SHEENA, text('Hola'))), APP_SECRET)
 * expect(response.status).toBe(200)
 */
import { createHmac } from 'node:crypto'

/** The header value for these bytes: `sha256=<hex>`. */
export function signatureHeader(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`
}

export interface PostOptions {
  /** Overrides the signature (a wrong one); `null` sends none. */
  signature?: string | null
  headers?: Record<string, string>
}

/** POSTs these exact bytes, signed (unless told otherwise). */
export function postRaw(url: string, rawBody: string | Buffer, appSecret: string, options: PostOptions = {}): Promise<Response> {
  const signature = options.signature === undefined ? signatureHeader(rawBody, appSecret) : options.signature
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(signature !== null ? { 'X-Hub-Signature-256': signature } : {}),
      ...options.headers,
    },
    body: rawBody,
  })
}

/** POSTs `payload` as JSON, signed with `appSecret`: what Meta sends for a webhook event. */
export function signedPost(url: string, payload: unknown, appSecret: string, options: PostOptions = {}): Promise<Response> {
  return postRaw(url, JSON.stringify(payload), appSecret, options)
}
