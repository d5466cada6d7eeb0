/**
 * A campaign's invitation: the bot writes first, to a client the business already has, after a
 * policy change. It is the conversation's own start (greeting, notice, first question), or for a
 * known contact whose consent is outdated the flow's "what changed, do you agree again" step, so
 * the client's answer flows through the normal conversation like any other.
 *
 * It runs in the contact's queue, so it never races a message of theirs, and it decides again at
 * the moment of sending whether the client may be written to: someone who wrote STOP since the
 * plan was made is not.
 *
 * The conversation is saved before the message goes (as for every reply): the answer that comes
 * back is read against the question asked. The contact is marked `invited` by the campaign in the
 * same write, which is how a campaign resumed after a crash tells "written to" from "not yet".
 */
import type { Contact } from '../domain/consent.js'
import { eligibility } from '../domain/campaign-eligibility.js'
import type { SkipReason } from '../domain/campaign.js'
import {
  type ConversationInput,
  type ConversationMachine,
  type ConversationSnapshot,
  newConversation,
  openQuestion,
  stepThrough,
} from '../domain/conversation.js'
import type { BusinessFlow } from '../domain/flow.js'
import type { Language } from '../domain/language.js'
import { outdatedTerms } from '../domain/terms.js'
import type { ConsentStore, StoredConversation } from '../ports/consent-store.js'
import type { Outreach } from '../ports/outreach.js'
import { perform } from './effects.js'
import { numberForms } from './identity.js'
import { contactRef, type Logger } from './logger.js'
import type { ConsentRecords } from './records.js'
import { latestReceipt } from './records.js'
import type { ReplyChoices } from './reply-choices.js'
import type { ReplyTexts } from './reply-texts.js'

export interface InvitationRequest {
  campaign: string
  /** The client's number: digits with the country code. */
  phone: string
  /** The language the owner's list gives, else the one their number suggests. */
  language?: Language
  /** Known contacts whose consent is outdated (or never answered) are written to. */
  includeKnown: boolean
}

export type InvitationOutcome = { sent: true; contact: string; messageIds: string[] } | { skipped: SkipReason }

export interface InvitationsDeps {
  business: BusinessFlow
  store: ConsentStore
  outreach: Outreach
  machine: ConversationMachine
  records: ConsentRecords
  replies: ReplyTexts
  choices: ReplyChoices
  log: Logger
  clock: () => Date
  enqueue: <T>(contactId: string, work: () => Promise<T>) => Promise<T>
  newContact: (id: string, now: Date, language?: Language) => Contact
  phoneOf: (id: string) => Omit<ConversationInput, 'language'>
  restore: (persisted: unknown, contactId: string) => ConversationSnapshot | undefined
}

export class Invitations {
  constructor(private readonly deps: InvitationsDeps) {}

  /** Writes to the client if they may be written to; says what was done. Rejects (NotSent…) when the provider will not carry it. */
  async invite(request: InvitationRequest): Promise<InvitationOutcome> {
    const address = await this.addressOf(request.phone)
    if (address === null) {
      this.deps.log.info('campaign.not_on_whatsapp', { contact: contactRef(request.phone) })
      return { skipped: 'not-on-whatsapp' }
    }
    return this.deps.enqueue(address, () => this.inviteNow(address, request))
  }

  /** Whether the campaign's invitation to this number was saved (a campaign resumed after a crash asks). */
  async wasInvited(phone: string, campaign: string): Promise<boolean> {
    for (const form of numberForms(phone)) {
      const { contact } = await this.deps.store.load(form)
      if (contact) return contact.invited?.campaign === campaign
    }
    return false
  }

  /**
   * The address the client is kept under: the one a stored contact of theirs has (they wrote
   * before), else the one WhatsApp gives when asked (its own form: a Mexican mobile with the "1"
   * after 52), else that form guessed; so that their answer finds the conversation the invitation
   * started. Null: WhatsApp says the number has no account.
   */
  private async addressOf(phone: string): Promise<string | null> {
    const forms = numberForms(phone)
    for (const form of forms) if ((await this.deps.store.load(form)).contact) return form
    if (this.deps.outreach.reach) return this.deps.outreach.reach(phone)
    return forms.find((f) => f.startsWith('521')) ?? phone
  }

  private async inviteNow(address: string, request: InvitationRequest): Promise<InvitationOutcome> {
    const { business, store, log } = this.deps
    const now = this.deps.clock()
    const stored = await store.load(address)
    const known = stored.contact
    const standing = eligibility(known, business.policy, now)
    if (standing === 'opted-out') return { skipped: 'opted-out' }
    if (standing === 'answered') return { skipped: 'answered' }
    // Invited by this very campaign and never answered: the invitation did not go (the provider
    // refused it, or the bot stopped before it went) and the campaign asks again.
    const retried = known?.invited?.campaign === request.campaign && standing === 'unanswered'
    if (standing !== 'new' && !retried && !request.includeKnown) return { skipped: 'known' }

    const contact: Contact = known ? { ...known, consents: { ...known.consents } } : this.deps.newContact(address, now, request.language)
    const stepped = this.opening(contact, stored.conversation, standing === 'outdated', now)
    if (!stepped) return { skipped: 'known' }
    const { snapshot, effects } = stepped
    contact.language = snapshot.context.language
    contact.invited = { campaign: request.campaign, at: now.toISOString() }
    const collection = { method: 'whatsapp-chat' as const }
    const context = { contact, prompt: snapshot.context.prompt, collection, answer: '', now }
    const { records, keys, changes } = perform(effects, this.deps.records, context)
    const texts = this.deps.replies.replies(keys, {
      contact,
      context: snapshot.context,
      choices: [],
      receipt: latestReceipt(contact),
      changes,
    })
    const conversation: StoredConversation = {
      ...(stored.conversation ?? {}),
      flowVersion: business.flowVersion,
      snapshot: this.deps.machine.getPersistedSnapshot(snapshot),
      updatedAt: now.toISOString(),
    }
    await store.commit({ contact, conversation, records, notices: this.deps.records.noticesFor(contact, records) })
    const choices = openQuestion(snapshot) !== undefined ? this.deps.choices.of(snapshot, contact.language) : undefined
    const messageIds = await this.deps.outreach.invite(address, { texts, language: contact.language, ...(choices ? { choices } : {}) })
    log.info('campaign.invited', { contact: contactRef(address), known: standing !== 'new', texts: texts.length })
    return { sent: true, contact: address, messageIds }
  }

  /**
   * Where the invitation leaves the conversation, and what it says: a known contact whose terms
   * changed is told what changed and asked again (the flow's `reconsent` step); anyone else starts
   * from the beginning. Undefined: the flow has no way to ask this contact again.
   */
  private opening(contact: Contact, stored: StoredConversation | undefined, outdated: boolean, now: Date) {
    const { machine, business } = this.deps
    const input = { language: contact.language, ...this.deps.phoneOf(contact.id) }
    if (outdated) {
      if (!business.flow.reconsent) return undefined
      const current = (stored && this.deps.restore(stored.snapshot, contact.id)) ?? newConversation(machine, input)
      return stepThrough(machine, current, [{ type: 'reconsent', changes: outdatedTerms(contact, business.policy, now) }])
    }
    return stepThrough(machine, newConversation(machine, input), [{ type: 'answer', text: '' }])
  }
}
