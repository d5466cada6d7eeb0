/**
 * The ledger records of what happens to a contact, built as ISO/IEC TS 27560 consent records
 * (`consent-record/2`): the record itself, under the exact notice the contact was shown, and
 * beside it the personal details an erasure removes.
 */
import type { Contact, ConsentEvent, ConsentRecord, ConsentState } from '../domain/consent.js'
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import { termsOf } from '../domain/terms.js'
import type { NewRecord, StoredNotice } from '../ports/consent-store.js'
import type { Texts } from '../ports/texts.js'
import { renderNotice } from './notice.js'
import { randomBytesFromPool } from './random-pool.js'

export type Collection = ConsentRecord['collection']

export class ConsentRecords {
  private readonly notices = new Map<Language, { hash: string; notice: StoredNotice }>()

  constructor(
    private readonly policy: Policy,
    texts: Texts,
    languages: readonly Language[],
    private readonly newId: () => string = newReceiptId,
  ) {
    for (const language of languages) {
      const { text, hash } = renderNotice(policy, texts, language)
      this.notices.set(language, { hash, notice: { policyVersion: policy.version, language, text } })
    }
  }

  /** The notices the records refer to, to be kept with them (none when there are no records). */
  noticesFor(contact: Contact, records: NewRecord[]): Record<string, StoredNotice> {
    const notice = this.notices.get(contact.language)!
    return records.length ? { [notice.hash]: notice.notice } : {}
  }

  /** The contact is being shown the current notice: these are the terms they answer to. */
  showTerms(contact: Contact): void {
    contact.policyVersion = this.policy.version
    contact.terms = termsOf(this.policy, this.notices.get(contact.language)!.hash)
  }

  /** A ledger record of an event about this contact, with the personal details kept beside it. */
  record(contact: Contact, event: ConsentEvent, purposes: string[], collection: Collection, now: Date, answer?: string): NewRecord {
    const { policy } = this
    const notice = this.notices.get(contact.language)!
    const record: ConsentRecord = {
      id: this.newId(),
      schema: 'consent-record/2',
      principal: contact.principal,
      controller: { name: policy.controller.name, contact: policy.controller.contact },
      notice: {
        policyVersion: policy.version,
        ...(policy.noticeUrl ? { url: policy.noticeUrl } : {}),
        hash: notice.hash,
        language: contact.language,
      },
      event,
      purposes,
      consents: Object.fromEntries(Object.entries(contact.consents).map(([p, c]) => [p, c.state])),
      personalData: [...policy.collects],
      retention: `${policy.retention.amount} ${policy.retention.unit}`,
      collection,
      at: now.toISOString(),
    }
    return {
      record,
      personal: { salt: randomBytesFromPool(16).toString('hex'), contact: contact.id, ...(answer !== undefined ? { answer } : {}) },
    }
  }

  /** Sets the purposes' state on the contact and returns the record of it (the record sees the new state). */
  change(contact: Contact, state: ConsentState, purposes: string[], collection: Collection, now: Date, answer?: string): NewRecord {
    const id = this.newId()
    for (const purpose of purposes)
      contact.consents[purpose] = { state, at: now.toISOString(), record: id, policyVersion: this.policy.version }
    const entry = this.record(contact, state, purposes, collection, now, answer)
    entry.record.id = id
    return entry
  }

  /** The `merged` record: a `…@lid` contact (`alias`, `principal`) is one person with this one. */
  merged(contact: Contact, alias: string, principal: string, collection: Collection, now: Date): NewRecord {
    const entry = this.record(contact, 'merged', [], collection, now)
    entry.record.merged = { principal }
    entry.personal!.alias = alias
    return entry
  }

  /** The proof of an erasure: it names the contact only by pseudonym and keeps no state of theirs. */
  erased(contact: Contact, collection: Collection, now: Date): ConsentRecord {
    const { record } = this.record(contact, 'erased', [], collection, now)
    record.consents = {}
    return record
  }
}

/**
 * What a withdrawal takes back: every consent given, or, when the flow names purposes ("no more
 * offers": marketing), those of them not already refused or withdrawn: one never answered is
 * recorded as withdrawn too, so the objection is on record before the question is ever asked.
 */
export function withdrawnPurposes(contact: Contact, purposes: readonly string[] | undefined): string[] {
  if (!purposes)
    return Object.entries(contact.consents)
      .filter(([, c]) => c.state === 'given')
      .map(([p]) => p)
  return purposes.filter((p) => contact.consents[p]?.state !== 'refused' && contact.consents[p]?.state !== 'withdrawn')
}

/** The receipt id of the contact's latest consent event. */
export function latestReceipt(contact: Contact): string {
  const latest = Object.values(contact.consents)
    .sort((a, b) => a.at.localeCompare(b.at))
    .at(-1)
  return latest?.record ?? ''
}

const RECEIPT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford's base32: no I, L, O, U to misread

/** A short id a contact can read out or type: `K7QM-3XD9-2F` (50 random bits). */
export function newReceiptId(): string {
  const bytes = randomBytesFromPool(12)
  const chars = [...bytes.subarray(0, 10)].map((b) => RECEIPT_ALPHABET[b & 31]).join('')
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 10)}`
}

/** The pseudonym that stands for a contact on their ledger records. */
export function newPrincipal(): string {
  return `p-${randomBytesFromPool(9).toString('base64url')}`
}
