/**
 * Copies of one contact the real engine made: the same conversation, the same records, with
 * what is the contact's own made afresh. The template is kept as JSON text cut where those
 * values stand, so a copy is the pieces joined around its own values, then parsed.
 *
 * What is per contact (found by comparing two contacts the engine made, `differences` below):
 *
 * - the address: `contact.id`, `personal.contact` on each record, the conversation's `phone`,
 *   and the message ids (`seed-<address>-<step>`, on the records and in `recentMessageIds`);
 * - the pseudonym (`principal`: on the contact and on each record), as `newPrincipal()` makes it;
 * - each record's id (also the receipt id, named by `consents.<purpose>.record`), as
 *   `newReceiptId()` makes it;
 * - each record's `personal.salt` (16 random bytes, hex), as ConsentRecords makes it;
 * - the times (ISO 8601), moved together so the copy answered just now.
 */
import type { Contact } from '../src/domain/consent.js'
import { randomBytesFromPool } from '../src/app/random-pool.js'
import { newPrincipal, newReceiptId } from '../src/app/records.js'
import type { NewRecord, StoredConversation } from '../src/ports/consent-store.js'

/** A contact's whole state after the conversation: what one `store.commit` writes (without the notices). */
export interface Seeded {
  contact: Contact
  conversation: StoredConversation
  records: NewRecord[]
}

/** What is the contact's own. */
export interface Own {
  id: string
  principal: string
  /** One per record, in order. */
  recordIds: string[]
  salts: string[]
}

const TIME = /"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"/g
/** A value inside a longer run of letters or digits (a hash, say) is not that value. */
const alone = (values: string[]) =>
  new RegExp(`(?<![0-9A-Za-z])(?:${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![0-9A-Za-z])`, 'g')

/** The values of a contact the engine made. */
export function ownOf({ contact, records }: Seeded): Own {
  if (records.some((r) => r.personal?.contact !== contact.id))
    throw new Error(`the template's records do not all name ${contact.id} in their personal details`)
  return {
    id: contact.id,
    principal: contact.principal,
    recordIds: records.map((r) => r.record.id),
    salts: records.map((r) => r.personal!.salt),
  }
}

/** Fresh values for the contact at `id`, made as the engine makes them. */
export function freshOwn(id: string, records: number): Own {
  return {
    id,
    principal: newPrincipal(),
    recordIds: Array.from({ length: records }, () => newReceiptId()),
    salts: Array.from({ length: records }, () => randomBytesFromPool(16).toString('hex')),
  }
}

const valuesOf = (own: Own) => [own.id, own.principal, ...own.recordIds, ...own.salts]

export class Template {
  private readonly own: Own
  private readonly text: string
  /** The template's newest time (ms). */
  readonly latest: number

  constructor(seeded: Seeded) {
    this.own = ownOf(seeded)
    this.text = JSON.stringify(seeded)
    const values = valuesOf(this.own)
    if (new Set(values).size !== values.length) throw new Error('the template contact has two equal ids, salts or pseudonyms')
    for (const value of values) {
      if (!/^[\w-]+$/.test(value)) throw new Error(`the template's value ${value} would need escaping in JSON`)
      if (!this.text.match(alone([value]))) throw new Error(`the template's value ${value} is not in its text`)
    }
    this.latest = Math.max(...[...this.text.matchAll(TIME)].map((m) => Date.parse(m[1]!)))
  }

  /** The template with its times moved by `shiftMs`, ready to copy. */
  at(shiftMs: number): Copier {
    const moved = this.text.replace(TIME, (_, time: string) => `"${new Date(Date.parse(time) + shiftMs).toISOString()}"`)
    return new Copier(moved, valuesOf(this.own))
  }

  /**
   * What differs between the template and another contact the engine made, once the other's own
   * values are put in the template and the times are set aside: nothing, or the copies would
   * not look like contacts the engine made.
   */
  differences(other: Seeded): string | undefined {
    if (other.records.length !== this.own.recordIds.length)
      return `the template has ${this.own.recordIds.length} records and another contact ${other.records.length}`
    const copy = JSON.stringify(this.at(0).copy(ownOf(other))).replace(TIME, '"<time>"')
    const real = JSON.stringify(other).replace(TIME, '"<time>"')
    if (copy === real) return undefined
    let i = 0
    while (copy[i] === real[i]) i++
    return `copy …${copy.slice(Math.max(0, i - 80), i + 80)}… and engine …${real.slice(Math.max(0, i - 80), i + 80)}…`
  }
}

/** The template's text cut at its own values: a copy joins the pieces around other values. */
export class Copier {
  private readonly pieces: string[] = []
  /** For each gap between pieces, which of the values goes there (index into `valuesOf`). */
  private readonly slots: number[] = []

  constructor(text: string, values: string[]) {
    const index = new Map(values.map((v, i) => [v, i]))
    let from = 0
    for (const match of text.matchAll(alone(values))) {
      this.pieces.push(text.slice(from, match.index))
      this.slots.push(index.get(match[0])!)
      from = match.index + match[0].length
    }
    this.pieces.push(text.slice(from))
  }

  copy(own: Own): Seeded {
    const values = valuesOf(own)
    let text = this.pieces[0]!
    for (let i = 0; i < this.slots.length; i++) text += values[this.slots[i]!]! + this.pieces[i + 1]!
    return JSON.parse(text) as Seeded
  }
}
