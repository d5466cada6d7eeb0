/**
 * The lapse sweep: consents asked for and left unanswered longer than the policy allows
 * (`lapseUnansweredAfterDays`) are recorded as lapsed. Each contact is handled in their queue,
 * so the sweep never races a message of theirs.
 */
import type { Contact } from '../domain/consent.js'
import { stepConversation, type ConversationMachine, type ConversationSnapshot } from '../domain/conversation.js'
import type { Policy } from '../domain/policy.js'
import { unansweredTooLong } from '../domain/terms.js'
import type { ConsentStore } from '../ports/consent-store.js'
import { contactRef, type Logger } from './logger.js'
import type { ConsentRecords } from './records.js'

export interface LapseDeps {
  policy: Policy
  store: ConsentStore
  records: ConsentRecords
  log: Logger
  clock: () => Date
  /** Runs work in a contact's queue (the engine's: one contact's work never overlaps). */
  enqueue: (contactId: string, work: () => Promise<void>) => Promise<void>
  /** The conversation machine: it says which consents lapse (the `lapse` event). */
  machine: ConversationMachine
  /** The stored conversation as a snapshot; undefined when its step is gone from the flow. */
  restore: (persisted: unknown, contactId: string) => ConversationSnapshot | undefined
}

/**
 * Marks as lapsed the consents asked for and left unanswered longer than the policy allows
 * (`lapseUnansweredAfterDays`). Returns how many contacts it recorded a lapse for.
 */
export async function lapseUnanswered(deps: LapseDeps): Promise<number> {
  const { policy } = deps
  if (!policy.lapseUnansweredAfterDays) return 0
  const now = deps.clock()
  const due: string[] = []
  for await (const { contact, conversation } of deps.store.scan()) {
    if (conversation && unansweredTooLong(policy, conversation.updatedAt, now)) due.push(contact.id)
  }
  let lapsed = 0
  await Promise.all(due.map((id) => deps.enqueue(id, async () => void ((await lapse(deps, id, now)) && lapsed++))))
  return lapsed
}

async function lapse(deps: LapseDeps, contactId: string, now: Date): Promise<boolean> {
  const { policy } = deps
  const stored = await deps.store.load(contactId)
  if (!stored.contact || !stored.conversation || !unansweredTooLong(policy, stored.conversation.updatedAt, now)) return false
  const snapshot = deps.restore(stored.conversation.snapshot, contactId)
  if (!snapshot) return false
  // Only what is still open: a purpose not answered under the current policy, not lapsed already.
  // The machine says what the open question asks (a flow rule); the record says what is still open.
  const { effects } = stepConversation(deps.machine, snapshot, { type: 'lapse' })
  const asked = effects.flatMap((e) => (e.type === 'lapseConsent' ? e.purposes : []))
  const open = asked.filter((p) => {
    const consent = stored.contact!.consents[p]
    return !consent || (consent.policyVersion !== policy.version && consent.state !== 'lapsed')
  })
  if (open.length === 0) return false
  const contact: Contact = { ...stored.contact, consents: { ...stored.contact.consents } }
  // The first message kept for the staff, from someone who never finished the questions and was
  // never passed to them: nobody will read it now, so it is not kept either.
  if (contact.handover?.message !== undefined && contact.handover.waitingSince === undefined) {
    const { message: _dropped, ...rest } = contact.handover
    if (Object.keys(rest).length) contact.handover = rest
    else delete contact.handover
  }
  const record = deps.records.change(contact, 'lapsed', open, { method: 'policy-rule', rule: 'lapseUnansweredAfterDays' }, now)
  // The conversation stays where it was: a late answer still counts, as a new record.
  await deps.store.commit({
    contact,
    conversation: stored.conversation,
    records: [record],
    notices: deps.records.noticesFor(contact, [record]),
  })
  deps.log.info('consent.lapsed', { contact: contactRef(contactId), purposes: open })
  return true
}
