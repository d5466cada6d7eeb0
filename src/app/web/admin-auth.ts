/**
 * Who may use /admin: the owner's token (in the query, or `Authorization: Bearer`), compared in
 * constant time; and, for the forms that change something, proof that the request comes from the
 * dashboard itself and not from another site the owner has open.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { clientAddress, type WrongTokens } from './wrong-tokens.js'

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

export interface Authorized {
  ok: boolean
  /** The token came in the query (a page opened from a link), not in a header. */
  viaQuery: boolean
  /** The token came in `Authorization: Bearer` and the request carries no cookie: a script, not a browser. */
  script: boolean
}

export class AdminAuth {
  // Only a digest of the token is kept; comparing digests keeps lengths equal for timingSafeEqual.
  private readonly tokenDigest: Buffer
  /** The dashboard's forms carry it; bound to the token, so it changes when the token does. */
  readonly csrf: string
  private readonly csrfDigest: Buffer

  constructor(
    token: string,
    private readonly wrongTokens: WrongTokens,
  ) {
    this.tokenDigest = digest(token)
    this.csrf = createHmac('sha256', token).update('csrf:v1').digest('hex')
    this.csrfDigest = digest(this.csrf)
  }

  authorized(request: IncomingMessage, url: URL): Authorized {
    const header = request.headers.authorization
    const bearer = header && /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim()
    const given = bearer || url.searchParams.get('token')
    if (!given) return { ok: false, viaQuery: false, script: false }
    const ok = timingSafeEqual(digest(given), this.tokenDigest)
    if (ok) this.wrongTokens.succeeded(clientAddress(request))
    else this.wrongTokens.failed(clientAddress(request))
    return { ok, viaQuery: !bearer, script: Boolean(bearer) && request.headers.cookie === undefined }
  }

  /** Whether a form's `csrf` field is the dashboard's, in constant time. */
  csrfMatches(given: string | undefined): boolean {
    return given !== undefined && timingSafeEqual(digest(given), this.csrfDigest)
  }
}

/**
 * Whether a request that changes something may come from where it says: a browser names the page
 * that sent it (`Sec-Fetch-Site`, on https and on this computer; `Origin` everywhere), and only
 * this server's own pages may post. A request naming neither is a script's (curl, the CLI).
 *
 * `Sec-Fetch-Site: same-origin` is believed over a differing `Origin`: behind a proxy the Host the
 * server sees is not the one the browser used. `same-site` (another port of this computer, another
 * subdomain) is another site's page all the same.
 */
export function fromOwnPage(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  const origin = request.headers.origin
  if (origin === undefined) return true
  const host = request.headers.host
  // "null": a sandboxed page, a data: URL, or a page that hides where it is: never the dashboard.
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)
}
