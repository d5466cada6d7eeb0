/**
 * The Messages API bodies for one text and its answers, within Meta's limits:
 * - text (messages/text-messages): at most 4096 characters, so a longer text goes as several,
 *   cut at a line break; links are not previewed (a consent notice is not an advert);
 * - reply buttons (messages/interactive-reply-buttons-messages): at most 3, a body of 1024
 *   characters, titles of 20 (unique), ids of 256;
 * - a list (messages/interactive-list-messages): at most 10 rows, a body of 4096, a button label
 *   and a section title of 20 and 24, row titles of 24, descriptions of 72, ids of 200.
 * A title too long is cut with "…": the id is the answer, the title only its label. When the
 * answers cannot be shown (an id too long, too many, a body too long, labels that collide once
 * cut), the text goes alone: it names the answers in words (ports/messenger.ts).
 * The recipient is `to` for a phone number and `recipient` for a business-scoped user id
 * (business-scoped-user-ids, "Send message requests").
 */
import type { Choice, Choices } from '../../ports/messenger.js'
import { isBsuid, isPhone } from './addresses.js'
import type { InteractiveBody, SendBody, TextBody } from './payloads.js'

export const LIMITS = {
  text: 4096,
  buttons: 3,
  buttonBody: 1024,
  buttonTitle: 20,
  buttonId: 256,
  rows: 10,
  listBody: 4096,
  listButton: 20,
  sectionTitle: 24,
  rowTitle: 24,
  rowId: 200,
  rowDescription: 72,
} as const

/** A Cloud API address could not be made of this one (a `…@lid`, a name). */
export class NotACloudAddress extends Error {
  override readonly name = 'NotACloudAddress'
  constructor() {
    super('not a phone number nor a business-scoped user id: the Cloud API cannot send to it')
  }
}

type Target = { to: string } | { recipient: string }

export function targetOf(address: string): Target {
  if (isPhone(address)) return { to: address }
  if (isBsuid(address)) return { recipient: address }
  throw new NotACloudAddress()
}

const codePoints = (text: string) => Array.from(text)

/** At most `max` characters: a longer label keeps its start (without a space left hanging) and ends with "…". */
export function cut(text: string, max: number): string {
  const points = codePoints(text.trim())
  return points.length <= max
    ? points.join('')
    : `${points
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`
}

/** Pieces of at most `max` characters, each ending where a line ends when one can (never inside a character). */
export function splitText(text: string, max: number = LIMITS.text): string[] {
  const parts: string[] = []
  let rest = text
  while (codePoints(rest).length > max) {
    const head = codePoints(rest).slice(0, max).join('')
    const lineEnd = head.lastIndexOf('\n')
    const at = lineEnd > 0 ? lineEnd : head.length
    parts.push(rest.slice(0, at))
    rest = rest.slice(at).replace(/^\n/, '')
  }
  parts.push(rest)
  return parts
}

const uniqueBy = (options: Choice[], key: (option: Choice) => string) => new Set(options.map(key)).size === options.length

function buttons(body: string, options: Choice[]): InteractiveBody['interactive'] | undefined {
  if (options.length === 0 || options.length > LIMITS.buttons || codePoints(body).length > LIMITS.buttonBody) return undefined
  if (options.some((o) => o.id === '' || o.id.length > LIMITS.buttonId || o.title.trim() === '')) return undefined
  const labelled = options.map((o) => ({ ...o, title: cut(o.title, LIMITS.buttonTitle) }))
  // Meta refuses two buttons with one label; two labels cut to the same text would be that.
  if (!uniqueBy(labelled, (o) => o.id) || !uniqueBy(labelled, (o) => o.title)) return undefined
  return {
    type: 'button',
    body: { text: body },
    action: { buttons: labelled.map((o) => ({ type: 'reply' as const, reply: { id: o.id, title: o.title } })) },
  }
}

function list(body: string, button: string, options: Choice[]): InteractiveBody['interactive'] | undefined {
  if (options.length === 0 || options.length > LIMITS.rows || codePoints(body).length > LIMITS.listBody) return undefined
  if (button.trim() === '' || options.some((o) => o.id === '' || o.id.length > LIMITS.rowId || o.title.trim() === '')) return undefined
  if (!uniqueBy(options, (o) => o.id)) return undefined
  const rows = options.map((o) => ({
    id: o.id,
    title: cut(o.title, LIMITS.rowTitle),
    ...(o.description?.trim() ? { description: cut(o.description, LIMITS.rowDescription) } : {}),
  }))
  const label = cut(button, LIMITS.listButton)
  // One section, titled like the button that opens it: Meta wants a title, and there is nothing to group.
  return { type: 'list', body: { text: body }, action: { button: label, sections: [{ title: cut(button, LIMITS.sectionTitle), rows }] } }
}

/** What to post for `text` (and its answers) to `address`, in order. */
export function sendBodies(address: string, text: string, choices?: Choices): SendBody[] {
  const target = targetOf(address)
  const base = { messaging_product: 'whatsapp' as const, recipient_type: 'individual' as const, ...target }
  const interactive =
    choices?.kind === 'buttons'
      ? buttons(text, choices.options)
      : choices?.kind === 'list'
        ? list(text, choices.button, choices.options)
        : undefined
  if (interactive) return [{ ...base, type: 'interactive', interactive }]
  return splitText(text).map((part): TextBody => ({ ...base, type: 'text', text: { body: part, preview_url: false } }))
}
