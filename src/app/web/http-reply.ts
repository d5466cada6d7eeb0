/**
 * What the web server answers with: a status, a type, a body and headers, and the headers every
 * answer carries. Pages load nothing from anywhere, and a form may post only back to this server.
 */

/** Pages may use their own inline styles and data: images, and post forms to this server only. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
} as const

export interface Reply {
  status: number
  type: string
  body: string | Buffer
  headers?: Record<string, string>
}

export const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  type: 'text/plain; charset=utf-8',
  body: `${body}\n`,
  ...(headers ? { headers } : {}),
})

export const NOT_FOUND = text(404, 'Not found')

/** A named answer: the name is what the log shows of the request (never its query or body). */
export interface Routed {
  name: string
  reply: Reply
}
