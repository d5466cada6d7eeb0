/**
 * Carries out the effects the conversation machine described, on the contact: consent records,
 * the channel, the notice shown, and the texts to reply. Every effect is handled here, and the
 * compiler says so: a new one in the domain's list does not build until it has its case.
 */
import type { Contact, ConsentRecord } from '../domain/consent.js'
import type { Effect } from '../domain/conversation.js'
import type { TermsChange } from '../domain/terms.js'
import type { NewRecord } from '../ports/consent-store.js'
import { type Collection, type ConsentRecords, withdrawnPurposes } from './records.js'

export interface Performed {
  records: NewRecord[]
  /** The proof of an erasure, when the contact asked for one and confirmed it. */
  erasure?: ConsentRecord
  /** The texts to send, as locale keys, in order (`reprompt` already turned into the open question). */
  keys: string[]
  /** What changed since the contact last agreed, for `{{changes}}`. */
  changes: TermsChange[]
  /** The chat was handed to the staff: `asked` when the contact asked for a person, else `message`. */
  handOver?: 'asked' | 'message'
}

export interface EffectContext {
  contact: Contact
  /** The open question after the step, for `reprompt`. */
  prompt: string | undefined
  /** How the message was collected, and its words: the evidence of the records. */
  collection: Collection
  answer: string
  now: Date
}

export function perform(effects: readonly Effect[], records: ConsentRecords, at: EffectContext): Performed {
  const { contact, collection, answer, now } = at
  const done: Performed = { records: [], keys: [], changes: [] }
  for (const effect of effects) {
    switch (effect.type) {
      case 'reply':
        done.keys.push(effect.key)
        break
      case 'reprompt':
        if (at.prompt) done.keys.push(at.prompt)
        break
      case 'recordConsent':
        done.records.push(records.change(contact, effect.given ? 'given' : 'refused', [effect.purpose], collection, now, answer))
        // Agreeing again after a STOP: they talk to the bot again, and may be written to.
        if (effect.given) delete contact.stopped
        break
      case 'withdrawConsent':
        // Recorded even when nothing was given: that the contact said stop is evidence too,
        // and the receipt they are given must name a record.
        done.records.push(records.change(contact, 'withdrawn', withdrawnPurposes(contact, effect.purposes), collection, now, answer))
        // A STOP (every purpose) is also "do not write to me": no campaign does, whatever they had agreed to.
        if (!effect.purposes) contact.stopped = now.toISOString()
        break
      case 'lapseConsent':
        if (effect.purposes.length)
          done.records.push(records.change(contact, 'lapsed', effect.purposes, { method: 'policy-rule', rule: effect.rule }, now))
        break
      case 'setChannel':
        contact.channel = {
          channel: effect.channel,
          ...(effect.handle ? { handle: effect.handle } : {}),
          ...(effect.link ? { link: effect.link } : {}),
          at: now.toISOString(),
        }
        break
      case 'accessData':
        done.records.push(records.record(contact, 'accessed', [], collection, now, answer))
        break
      case 'erase':
        done.erasure = records.erased(contact, collection, now)
        break
      case 'showTerms':
        records.showTerms(contact)
        done.changes.push(...effect.changes)
        break
      case 'handOver':
        // Asking for a person outweighs writing to the team (it also pauses the bot).
        if (done.handOver !== 'asked') done.handOver = effect.reason
        break
      default: {
        const unknown: never = effect
        throw new Error(`no way to perform effect ${JSON.stringify(unknown)}`)
      }
    }
  }
  return done
}
