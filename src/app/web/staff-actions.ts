/**
 * POST /admin/chats/pause and /admin/chats/resume: the dashboard's buttons (and `npm run staff`
 * while the bot runs) pause or resume the bot in one chat. Resuming also ends the chat's wait for
 * a person, so the dashboard's "Mark as handled" posts here too. The body is a small form,
 * `contact=<id>&csrf=<token>`; the answer is a redirect back to the dashboard, so reloading the
 * page does not send the form again.
 *
 * Who may: the owner's token, as for every admin page; and, since a browser sends a form to any
 * site that asks it to, the form must carry the dashboard's own token (bound to the admin token)
 * and must not come from another site's page. A script that sends the admin token in a header
 * and no cookie (curl, the CLI) is no browser being led astray: it needs no form token.
 */
import type { IncomingMessage } from 'node:http'
import { type AdminAuth, type Authorized, fromOwnPage } from './admin-auth.js'
import { text, type Reply } from './http-reply.js'

/** Pausing and resuming the bot in one chat, as the engine does it (`false`: no such contact). */
export interface ChatSteering {
  pauseChat(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean>
  resumeChat(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean>
}

export const CHAT_ACTIONS: ReadonlyMap<string, 'pause' | 'resume'> = new Map([
  ['/admin/chats/pause', 'pause'],
  ['/admin/chats/resume', 'resume'],
])

/** A form of two short fields fits many times over; anything bigger is not the dashboard's. */
export const MAX_FORM_BYTES = 4096
/** A body up to this size is read to its end (and dropped) before the 413, so the answer reaches the client; a bigger one closes the connection. */
const DRAIN_BYTES = 64 * 1024

const FORM_TYPE = 'application/x-www-form-urlencoded'
/** A contact id as stored: the digits of a phone number, a WhatsApp `…@lid` or a Cloud API business-scoped user id (`US.1349…`). */
const CONTACT_ID = /^(?:\d{5,20}|[\w.:-]{1,64}@lid|[A-Z]{2}\.[A-Za-z0-9.]{1,140})$/

type Body = { ok: true; body: Buffer } | { ok: false; reply: Reply }

const tooLarge = (close: boolean): Reply =>
  text(413, `The form is larger than ${MAX_FORM_BYTES} bytes: send only contact=<id>&csrf=<token>.`, close ? { Connection: 'close' } : {})

/** The request's body, at most MAX_FORM_BYTES; what is larger is read (to a point) and refused. */
function readBody(request: IncomingMessage): Promise<Body> {
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > DRAIN_BYTES) {
    // What has arrived is read and dropped: a socket closed on unread data may lose the answer.
    request.resume()
    return Promise.resolve({ ok: false, reply: tooLarge(true) })
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_FORM_BYTES) chunks.push(chunk)
      else if (size > DRAIN_BYTES) {
        request.removeAllListeners('data')
        resolve({ ok: false, reply: tooLarge(true) })
      }
    })
    request.on('end', () =>
      resolve(size > MAX_FORM_BYTES ? { ok: false, reply: tooLarge(false) } : { ok: true, body: Buffer.concat(chunks) }),
    )
    request.on('error', reject)
  })
}

/** One field of the form: absent, or given once (twice is a malformed form). */
function field(form: URLSearchParams, name: string): string | undefined | 'twice' {
  const values = form.getAll(name)
  return values.length > 1 ? 'twice' : values[0]
}

export interface ChatActionContext {
  request: IncomingMessage
  url: URL
  action: 'pause' | 'resume'
  auth: Authorized
  adminAuth: AdminAuth
  chats: ChatSteering | undefined
}

export async function chatAction({ request, url, action, auth, adminAuth, chats }: ChatActionContext): Promise<Reply> {
  if (!fromOwnPage(request)) return text(403, 'Forbidden: this form may be sent from the dashboard only, not from another site.')
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type !== FORM_TYPE) return text(415, `Send the form as ${FORM_TYPE}: contact=<id>&csrf=<token>.`)
  const read = await readBody(request)
  if (!read.ok) return read.reply
  const form = new URLSearchParams(read.body.toString('utf8'))
  const contact = field(form, 'contact')
  const csrf = field(form, 'csrf')
  const by = field(form, 'by') ?? 'dashboard'
  if (contact === undefined || contact === 'twice' || !CONTACT_ID.test(contact))
    return text(
      400,
      "Bad request: the form needs one contact=<id>, a contact's number in digits (5215512345678), a …@lid or a user id (US.1349…).",
    )
  if (csrf === 'twice') return text(400, 'Bad request: the form has csrf twice.')
  if (by !== 'dashboard' && by !== 'cli') return text(400, 'Bad request: by must be dashboard or cli.')
  // A browser's form must carry the dashboard's token; a script's, when it sends one, the right one.
  if ((!auth.script || csrf !== undefined) && !adminAuth.csrfMatches(csrf))
    return text(403, "Forbidden: the form's token is missing or wrong. Reload the dashboard and try again.")
  if (!chats) return text(501, 'This server cannot pause or resume chats: it was started without the bot to do it.')
  const done = action === 'pause' ? await chats.pauseChat(contact, by) : await chats.resumeChat(contact, by)
  if (!done) return text(404, 'No contact with that number: check it on the dashboard.')
  // Back to the dashboard, as it was opened (its language, and the token if it came in the link).
  const query = new URLSearchParams()
  const language = url.searchParams.get('lang')
  if (language) query.set('lang', language)
  if (auth.viaQuery) query.set('token', url.searchParams.get('token')!)
  const search = query.size ? `?${query}` : ''
  return text(303, action === 'pause' ? 'Paused. Back to /admin.' : 'Resumed. Back to /admin.', { Location: `/admin${search}#staff` })
}
