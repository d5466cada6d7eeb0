/**
 * Whether a campaign may write to someone the bot already knows. Read off their contact alone
 * (the ledger keeps the history; the contact keeps each purpose's settled answer), so the dry
 * run, the plan and the moment of sending all decide alike.
 */
import type { Contact } from './consent.js'
import type { Policy } from './policy.js'
import { outdatedTerms } from './terms.js'

/**
 * - `new`: unknown to the bot: greeted, told, asked.
 * - `opted-out`: they said STOP, or withdrew a required purpose: never written to.
 * - `answered`: every required purpose has an answer under the current policy that still holds.
 * - `outdated`: they answered under terms that changed or expired: asked again with `--known`.
 * - `unanswered`: the bot met them but they never answered: asked again with `--known`.
 */
export type Eligibility = 'new' | 'opted-out' | 'answered' | 'outdated' | 'unanswered'

export function eligibility(contact: Contact | undefined, policy: Policy, now: Date): Eligibility {
  if (!contact) return 'new'
  const required = policy.purposes.filter((p) => p.required).map((p) => p.id)
  // A withdrawal is the contact saying stop: no policy change makes it a yes to being written to.
  if (contact.stopped !== undefined || required.some((id) => contact.consents[id]?.state === 'withdrawn')) return 'opted-out'
  const answered = required.every((id) => {
    const state = contact.consents[id]?.state
    return state === 'given' || state === 'refused'
  })
  if (!answered) return 'unanswered'
  return outdatedTerms(contact, policy, now).length ? 'outdated' : 'answered'
}
