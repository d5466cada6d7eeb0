/**
 * The engine: for each inbound message, load the contact, step their conversation, carry out
 * the effects the machine described, persist, then reply.
 *
 * Messages of one contact are handled one at a time, in arrival order, exactly once; different
 * contacts do not wait for each other. Everything a step changed is on disk before any reply of
 * that step is sent, so a confirmation never announces something that could still be lost.
 *
 * Who wrote (their queue, their contact with their two addresses as one) is people.ts; the sweep
 * that records unanswered consents as lapsed is lapse.ts; the per-contact queues are queues.ts.
 */
import type { Contact } from '../domain/consent.js'
import {
  buildConversationMachine,
  currentChoices,
  openQuestion,
  expectedIntents,
  FIRST_MESSAGE,
  newConversation,
  stepThrough,
  type ConversationEvent,
  type ConversationMachine,
  type ConversationSnapshot,
  type Effect,
} from '../domain/conversation.js'
import { isPaused } from '../domain/handover.js'
import type { BusinessFlow } from '../domain/flow.js'
import { countryOf, guessLanguage, LANGUAGES, type Language } from '../domain/language.js'
import { RECENT_MESSAGE_IDS, storeFaultReason, type ConsentStore, type NewRecord, type StoredConversation } from '../ports/consent-store.js'
import type { DeliveryStatus, Inbound, PreferenceChange } from '../ports/inbound-source.js'
import { NotSent, type Messenger } from '../ports/messenger.js'
import type { StaffMessage, StaffNotifier } from '../ports/staff.js'
import type { Texts } from '../ports/texts.js'
import { perform } from './effects.js'
import { addressesOf, isNumberless, type Stored } from './identity.js'
import { lapseUnanswered as sweepUnanswered } from './lapse.js'
import { contactRef, silentLogger, type Logger } from './logger.js'
import { People } from './people.js'
import { ContactQueues } from './queues.js'
import { DEFAULT_RATE_LIMIT, RateLimiter, type FloodEnded, type RateLimit } from './rate-limit.js'
import { MessageReader } from './read.js'
import { ConsentRecords, latestReceipt, newPrincipal, newReceiptId } from './records.js'
import { ReplyChoices } from './reply-choices.js'
import { ReplyTexts } from './reply-texts.js'
import { Deliveries } from './deliveries.js'
import { Invitations, type InvitationOutcome, type InvitationRequest } from './invitations.js'
import { messengerOutreach } from './messenger-outreach.js'
import type { Outreach } from '../ports/outreach.js'
import { Preferences } from './preferences.js'
import { PatientWrites, type StoreFault } from './patient-writes.js'
import { StaffChats } from './staff-chats.js'

export type { Inbound } from '../ports/inbound-source.js'
export type { StoreFault } from './patient-writes.js'
export { newReceiptId } from './records.js'

export interface EngineDeps {
  business: BusinessFlow
  texts: Texts
  store: ConsentStore
  messenger: Messenger
  defaultLanguage: Language
  clock?: () => Date
  newId?: () => string
  logger?: Logger
  /** Per-contact limit on inbound messages (default: 20 in a burst, refilled in 10 s); false: none. */
  rateLimit?: RateLimit | false
  /** The number the message source knows for a `…@lid` (Baileys' LID mapping), for a LID that writes alone. */
  numberOf?: (lid: string) => Promise<string | undefined>
  /**
   * Waits before a change the store could not write (a full or read-only disk) is tried again:
   * attempt 0, 1, 2… (default: 0.5 s doubling up to 30 s). Resolves at once once `stopped` aborts.
   */
  retryDelay?: (attempt: number, stopped: AbortSignal) => Promise<void>
  /** Messages that may wait for the store at once (default 1000); a message beyond is told it was not saved. */
  maxWaiting?: number
  /** Tells the business's staff when a chat waits for a person (none: the dashboard shows it). */
  staffNotifier?: StaffNotifier
  /** How a campaign's invitations go (the Cloud API: templates); by default as texts through `messenger`. */
  outreach?: Outreach
  /** Told the addresses of a contact about to be erased at their request (the campaigns' suppression list). */
  onErasure?: (addresses: string[]) => Promise<void>
}

export class ConsentEngine {
  private readonly machine: ConversationMachine
  private readonly reader: MessageReader
  private readonly records: ConsentRecords
  private readonly replies: ReplyTexts
  private readonly choices: ReplyChoices
  private readonly deliveries: Deliveries
  private readonly preferences: Preferences
  private readonly invitations: Invitations
  private readonly queues: ContactQueues
  private readonly people: People
  private readonly staff: StaffChats
  private readonly clock: () => Date
  private readonly log: Logger
  private readonly limiter?: RateLimiter
  private readonly writes: PatientWrites
  private notSaved = 0

  constructor(private readonly deps: EngineDeps) {
    const { business, texts } = deps
    this.machine = buildConversationMachine(business.flow, business.policy)
    this.reader = new MessageReader(business, texts)
    this.records = new ConsentRecords(business.policy, texts, LANGUAGES, deps.newId ?? newReceiptId)
    this.replies = new ReplyTexts(business.policy, texts)
    this.choices = new ReplyChoices(business.policy, texts)
    this.clock = deps.clock ?? (() => new Date())
    this.log = deps.logger ?? silentLogger
    this.queues = new ContactQueues(this.log)
    this.writes = new PatientWrites({
      clock: this.clock,
      log: this.log,
      ...(deps.retryDelay ? { retryDelay: deps.retryDelay } : {}),
      ...(deps.maxWaiting !== undefined ? { maxWaiting: deps.maxWaiting } : {}),
    })
    this.people = new People({
      store: deps.store,
      records: this.records,
      log: this.log,
      clock: this.clock,
      numberOf: deps.numberOf,
      enqueue: (contactId, work) => this.queues.enqueue(contactId, work),
    })
    const newConversationOf = (contact: Contact) => ({
      flowVersion: business.flowVersion,
      snapshot: this.machine.getPersistedSnapshot(newConversation(this.machine, { language: contact.language })),
      updatedAt: this.clock().toISOString(),
    })
    this.deliveries = new Deliveries({ store: deps.store, people: this.people, log: this.log })
    this.preferences = new Preferences({
      policy: business.policy,
      store: deps.store,
      people: this.people,
      records: this.records,
      log: this.log,
      clock: this.clock,
      newContact: (id, now) => this.newContact(id, id, undefined, now),
      newConversation: newConversationOf,
    })
    this.staff = new StaffChats({
      policy: business.policy,
      store: deps.store,
      ...(deps.staffNotifier ? { notifier: deps.staffNotifier } : {}),
      log: this.log,
      clock: this.clock,
      enqueue: (contactId, work) => this.queues.enqueue(contactId, work),
      personOf: (address) => this.people.personOf(address),
      newContact: (id, now) => this.newContact(id, id, undefined, now),
      newConversation: newConversationOf,
    })
    this.invitations = new Invitations({
      business,
      store: deps.store,
      outreach: deps.outreach ?? messengerOutreach(deps.messenger),
      machine: this.machine,
      records: this.records,
      replies: this.replies,
      choices: this.choices,
      log: this.log,
      clock: this.clock,
      enqueue: (contactId, work) => this.inQueue(contactId, work),
      newContact: (id, now, language) => ({ ...this.newContact(id, id, undefined, now), ...(language ? { language } : {}) }),
      phoneOf: (id) => this.phoneOf({ contact: id }),
      restore: (persisted, contactId) => this.restore(persisted, contactId),
    })
    if (deps.rateLimit !== false) {
      const ended = ({ contact, dropped }: FloodEnded) => this.log.info('rate_limit.ended', { contact: contactRef(contact), dropped })
      this.limiter = new RateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, () => this.clock().getTime(), ended)
    }
  }

  /** Queues a message; resolves once it has been handled and answered (errors are answered, not thrown). */
  handle(inbound: Inbound): Promise<void> {
    const person = this.people.personOf(inbound)
    // Over the rate limit: one note, then silence; a dropped message is not loaded, stored or logged.
    // Except a request to stop or to erase: it is read just enough to find it, and honoured.
    let admission = this.limiter?.admit(person) ?? 'handle'
    if (admission !== 'handle' && inbound.text !== undefined && this.reader.isOptOut(inbound.text)) admission = 'handle'
    if (admission === 'drop') return Promise.resolve()
    const work = admission === 'note' ? () => this.slowDown(inbound) : () => this.process(inbound, person)
    return this.queues.enqueue(person, work, (error) => this.fail(inbound, error))
  }

  /**
   * A `…@lid` and a phone number are one person (the provider's LID mapping): their contacts
   * become one, filed under the number, and the merge is recorded. Runs in the number's queue.
   */
  link(lid: string, number: string): Promise<void> {
    return this.people.link(lid, number)
  }

  /**
   * Contacts known only by a `…@lid` whose number the source now knows (a data folder from
   * before, or a mapping learned while the bot was off) are merged into the number's contact.
   * Returns how many were linked.
   */
  mergeSplitContacts(numberOf: (lid: string) => Promise<string | undefined>): Promise<number> {
    return this.people.mergeSplitContacts(numberOf)
  }

  /**
   * A person wrote to a contact from the business's phone: the bot pauses in that chat (the
   * policy's `staff.pause` after their last message), answering only the contact's commands.
   */
  staffReplied(message: StaffMessage): Promise<void> {
    return this.staff.staffReplied(message)
  }

  /**
   * The contact changed a preference in WhatsApp itself ("Stop promotions"): every optional
   * purpose is withdrawn and recorded, and nobody is told (preferences.ts).
   */
  preferenceChanged(change: PreferenceChange): Promise<void> {
    return this.preferences.changed(change)
  }

  /**
   * A campaign writes first to a client the business already has: the notice and the first
   * question, in their queue, if they may still be written to (invitations.ts).
   */
  invite(request: InvitationRequest): Promise<InvitationOutcome> {
    return this.invitations.invite(request)
  }

  /** Whether a campaign's invitation to this number was saved (before it went). */
  wasInvited(phone: string, campaign: string): Promise<boolean> {
    return this.invitations.wasInvited(phone, campaign)
  }

  /** The provider reports what became of a message the bot sent: kept on the recipient's contact (deliveries.ts). */
  delivered(status: DeliveryStatus): Promise<void> {
    return this.deliveries.recorded(status)
  }

  /**
   * When the contact behind an address last wrote (ms since the epoch), as stored; undefined for
   * someone unknown. The Cloud API lets the bot send free text only within 24 hours of it.
   */
  async lastInbound(address: string): Promise<number | undefined> {
    const { contact } = await this.deps.store.load(address)
    return contact ? Date.parse(contact.lastSeen) : undefined
  }

  /**
   * Resolves once the notes to the staff under way have been delivered or given up, and what
   * became of them is stored (the bot is stopping: close the notifier first, so retries give up).
   */
  staffNotesSettled(): Promise<void> {
    return this.staff.notesSettled()
  }

  /** Chats waiting for a person whose staff were never told (the bot stopped first, a target was down): told now. */
  tellStaffOfWaitingChats(): Promise<number> {
    return this.staff.tellUntold()
  }

  /** Staff pause the bot in a chat by hand (dashboard, command line); false: no such contact. */
  pauseChat(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean> {
    return this.staff.pause(contactId, by)
  }

  /** Staff give a chat back to the bot: no pause, nothing waiting; false: no such contact. */
  resumeChat(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean> {
    return this.staff.resume(contactId, by)
  }

  /** The one note a contact over the rate limit gets, in their language. Nothing is stored. */
  private async slowDown(inbound: Inbound): Promise<void> {
    this.log.warn('message.rate_limited', { contact: contactRef(inbound.contact) })
    const stored = await this.deps.store.load(inbound.contact)
    const language = stored.contact?.language ?? guessLanguage(inbound.contact, this.deps.defaultLanguage)
    await this.deps.messenger.send(inbound.contact, this.replies.plain(language, 'errors.slowDown'))
  }

  /** How many messages were not saved (their contact was told so): a piped run then exits non-zero. */
  get unsaved(): number {
    return this.notSaved
  }

  /**
   * While the store refuses writes (a full, read-only or failing disk): since when, why, and how
   * many messages wait; undefined once a write succeeds again. Read-only: the dashboard shows it.
   */
  storeFault(): StoreFault | undefined {
    return this.writes.current()
  }

  /** Messages waiting for the store make one last attempt, then give up (the bot is stopping). */
  stopRetrying(): void {
    this.writes.stop()
  }

  /** Resolves once every message received so far has been handled and answered. */
  settled(): Promise<void> {
    return this.queues.settled()
  }

  /**
   * Marks as lapsed the consents asked for and left unanswered longer than the policy allows
   * (`lapseUnansweredAfterDays`). Goes through each contact's queue, so it never races a message
   * of theirs. Returns how many contacts it recorded a lapse for.
   */
  lapseUnanswered(): Promise<number> {
    return sweepUnanswered({
      policy: this.deps.business.policy,
      store: this.deps.store,
      records: this.records,
      log: this.log,
      clock: this.clock,
      enqueue: (contactId, work) => this.queues.enqueue(contactId, work),
      machine: this.machine,
      restore: (persisted, contactId) => this.restore(persisted, contactId),
    })
  }

  /** Runs `work` in the contact's queue and gives its result, or its error (a queue's own failures are only logged). */
  private inQueue<T>(contactId: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.queues.enqueue(
        contactId,
        async () => resolve(await work()),
        async (error) => reject(error),
      )
    })
  }

  /** One message: load the person → read their words → step the conversation → record → commit → reply. */
  private async process(inbound: Inbound, person: string): Promise<void> {
    const now = this.clock()
    const loaded = await this.load(inbound, person, now)
    if (!loaded) return
    const { contact, stored, identity } = loaded
    const restored = stored.conversation ? this.restore(stored.conversation.snapshot, inbound.contact) : undefined
    const current = restored ?? newConversation(this.machine, { language: contact.language, ...this.phoneOf(inbound) })
    const events = this.reader.read(inbound, current, contact, stored.conversation, now)
    if (events === 'stale') {
      // Sent before the newest message already handled, and not among the latest ids.
      this.log.info('message.stale', { contact: contactRef(person) })
      return
    }
    // The step this contact stood on is gone (the owner changed the flow): say so, then start over.
    if (stored.conversation && !restored) events.unshift({ type: 'restarted' })
    // The reason they wrote ("how much is shipping?") is kept for the staff, whatever comes first.
    if (current.value === FIRST_MESSAGE && inbound.text !== undefined && !events.some((e) => e.type === 'command'))
      contact.handover = { ...contact.handover, message: inbound.text }
    const { snapshot, effects } = this.step(current, events, contact, now)

    contact.language = snapshot.context.language
    const collection = { method: 'whatsapp-chat' as const, messageId: inbound.messageId }
    const context = { contact, prompt: snapshot.context.prompt, collection, answer: inbound.text ?? '', now }
    const { records: stepRecords, erasure, keys, changes, handOver } = perform(effects, this.records, context)
    const waiting = handOver && !erasure ? this.staff.handOver(contact, handOver, now, inbound.text) : undefined
    const receipt = erasure?.id ?? stepRecords.at(-1)?.record.id ?? latestReceipt(contact)
    const replies = this.replies.replies(keys, { contact, context: snapshot.context, choices: currentChoices(snapshot), receipt, changes })
    // The merge of the person's two addresses, if this message revealed it, comes first.
    const records = [...identity.records, ...stepRecords]
    const change = {
      contact,
      conversation: this.persisted(snapshot, now, stored.conversation, inbound),
      records,
      notices: this.records.noticesFor(contact, records),
      ...(identity.replaces ? { replaces: identity.replaces } : {}),
    }
    if (erasure) {
      // Nothing of the contact is kept: what the step recorded, if anything, is erased with the rest,
      // and the proof that the erasure was asked for and done is all that remains.
      if (records.length) await this.durably(inbound, contact.language, () => this.deps.store.commit(change))
      // On the campaigns' suppression list first: a later list with their number never reaches them.
      if (this.deps.onErasure) await this.deps.onErasure([contact.id, ...(contact.lid ? [contact.lid] : [])])
      await this.durably(inbound, contact.language, () => this.deps.store.erase(contact.id, erasure))
    } else {
      await this.durably(inbound, contact.language, () => this.deps.store.commit(change))
    }
    this.log.info('message.handled', {
      contact: contactRef(inbound.contact),
      kind: inbound.kind,
      step: JSON.stringify(snapshot.value),
      records: [...records.map(({ record: r }) => `${r.event}:${r.purposes.join('+')}`), ...(erasure ? ['erased'] : [])],
      replies: replies.length,
    })
    // While a question is open, the last reply (the question, or the hint to it) comes with its
    // answers to tap, where the provider shows them.
    const choices = openQuestion(snapshot) !== undefined && replies.length ? this.choices.of(snapshot, contact.language) : undefined
    for (const [i, text] of replies.entries()) {
      const sending =
        choices && i === replies.length - 1
          ? this.deps.messenger.send(inbound.contact, text, choices)
          : this.deps.messenger.send(inbound.contact, text)
      // A provider that may not reply now (the Cloud API, a message redelivered after its 24-hour
      // window): what the message did is saved; the replies are not sent, and the log says why.
      const sent = await sending.then(
        () => true,
        (error: unknown) => {
          if (!(error instanceof NotSent)) throw error
          this.log.warn('reply.not_sent', { contact: contactRef(inbound.contact), reason: error.reason })
          return false
        },
      )
      if (!sent) break
    }
    this.staff.notify(waiting, contact.id)
  }

  /**
   * Steps the conversation, unless a person is handling the chat: while the bot is paused there,
   * only a command is acted on (an opt-out is never swallowed), without asking the open question
   * again; a command that opens a question (MENU, CHANGE) gives the chat back to the bot, since
   * the contact turned to it. Anything else is for the staff, and the bot says nothing.
   */
  private step(current: ConversationSnapshot, events: ConversationEvent[], contact: Contact, now: Date) {
    if (!isPaused(contact.handover, now)) return stepThrough(this.machine, current, events)
    if (!events.some((e) => e.type === 'command')) {
      this.log.info('message.for_staff', { contact: contactRef(contact.id) })
      return { snapshot: current, effects: [] as Effect[] }
    }
    const stepped = stepThrough(this.machine, current, events)
    const asks =
      stepped.snapshot.context.aside !== undefined ||
      (stepped.snapshot.context.prompt !== undefined && JSON.stringify(stepped.snapshot.value) !== JSON.stringify(current.value))
    if (asks) {
      const { pausedUntil: _until, pausedBy: _by, ...rest } = contact.handover!
      contact.handover = rest
      this.log.info('staff.pause_ended', { contact: contactRef(contact.id), by: 'contact' })
      return stepped
    }
    return { snapshot: stepped.snapshot, effects: stepped.effects.filter((e) => e.type !== 'reprompt') }
  }

  /**
   * The person who wrote, as stored (their LID's contact folded in), seen now; undefined when the
   * message goes to the number's queue instead or was handled already.
   */
  private async load(
    inbound: Inbound,
    person: string,
    now: Date,
  ): Promise<{ contact: Contact; stored: Partial<Stored>; identity: { replaces?: string; records: NewRecord[] } } | undefined> {
    const { lid, number } = addressesOf(inbound.contact, inbound.alias)
    let stored: Partial<Stored>
    let identity: { replaces?: string; records: NewRecord[] } = { records: [] }
    if (isNumberless(person)) {
      // Only the LID is known here; the store may know its number (then the number's queue it is).
      const known = this.people.knownNumber(person)
      stored = known ? {} : await this.deps.store.load(person)
      const numberOf = known ?? (stored.contact && stored.contact.id !== person ? stored.contact.id : await this.people.askNumber(person))
      if (numberOf) {
        this.people.remember(person, numberOf)
        await this.queues.enqueue(numberOf, () => this.process(inbound, numberOf))
        return undefined
      }
    } else {
      const found = await this.people.identify(person, lid, now, { method: 'whatsapp-chat', messageId: inbound.messageId })
      stored = found.stored ?? {}
      identity = found
    }
    if (stored.conversation?.recentMessageIds?.includes(inbound.messageId)) {
      // WhatsApp redelivers a message after a reconnect: it was answered already.
      this.log.info('message.duplicate', { contact: contactRef(person) })
      return undefined
    }
    const contact: Contact = stored.contact
      ? { ...stored.contact, consents: { ...stored.contact.consents }, lastSeen: now.toISOString() }
      : this.newContact(person, number ?? person, inbound.text, now)
    if (lid && !isNumberless(person)) contact.lid = lid
    return { contact, stored, identity }
  }

  /** Someone the bot has not met: a new pseudonym, and the language their words (else their number) suggest. */
  private newContact(id: string, number: string, text: string | undefined, now: Date): Contact {
    return {
      id,
      principal: newPrincipal(),
      // What they write says more than where their number is from ("hola" from a +1 number).
      language: this.reader.languageOf(text) ?? guessLanguage(number, this.deps.defaultLanguage),
      firstSeen: now.toISOString(),
      lastSeen: now.toISOString(),
      consents: {},
    }
  }

  private persisted(
    snapshot: ConversationSnapshot,
    now: Date,
    stored: StoredConversation | undefined,
    inbound: Inbound,
  ): StoredConversation {
    const recent = stored?.recentMessageIds ?? []
    const sentAt = Math.max(stored?.lastSentAt ?? 0, inbound.sentAt ?? 0)
    return {
      flowVersion: this.deps.business.flowVersion,
      snapshot: this.machine.getPersistedSnapshot(snapshot),
      updatedAt: now.toISOString(),
      recentMessageIds: [...recent, inbound.messageId].slice(-RECENT_MESSAGE_IDS),
      ...(sentAt > 0 ? { lastSentAt: sentAt } : {}),
    }
  }

  private restore(persisted: unknown, contactId: string): ConversationSnapshot | undefined {
    try {
      const snapshot = this.machine.resolveState(persisted as Parameters<ConversationMachine['resolveState']>[0])
      // Touch the state now: an unknown one throws here, not later inside XState.
      expectedIntents(snapshot)
      return snapshot
    } catch (error) {
      // The owner renamed or removed the step this contact was on: start their conversation again.
      this.log.warn('conversation.restart', { contact: contactRef(contactId), reason: (error as Error).message })
      return undefined
    }
  }

  /** Writes a change, waiting for a disk that refuses it for now (patient-writes.ts); the contact is told once if it waits. */
  private durably(inbound: Inbound, language: Language, write: () => Promise<void>): Promise<void> {
    return this.writes.write(inbound.contact, write, () =>
      this.deps.messenger
        .send(inbound.contact, this.replies.plain(language, 'errors.savingLater'))
        .then(() => undefined)
        .catch((sendError: Error) => this.log.error('reply.failed', { contact: contactRef(inbound.contact), error: sendError?.message })),
    )
  }

  /** The contact's own number and its country, for "same number" and numbers typed without +. */
  private phoneOf(inbound: Pick<Inbound, 'contact' | 'alias'>) {
    const id = addressesOf(inbound.contact, inbound.alias).number ?? inbound.contact
    const country = countryOf(id)
    if (/^\d+$/.test(id)) return { phone: id, ...(country ? { country } : {}) }
    // A business-scoped user id names the country alone: numbers typed without + are read in it.
    return country ? { country } : {}
  }

  private async fail(inbound: Inbound, error: unknown): Promise<void> {
    this.notSaved++
    this.log.error('message.failed', { contact: contactRef(inbound.contact), error: (error as Error)?.message ?? String(error) })
    try {
      const stored = await this.deps.store.load(inbound.contact).catch(() => ({ contact: undefined }))
      const language = stored.contact?.language ?? guessLanguage(inbound.contact, this.deps.defaultLanguage)
      // A change the disk refused is lost: say so, not that the message is safe.
      const key = storeFaultReason(error) ? 'errors.notSaved' : 'errors.sorry'
      await this.deps.messenger.send(inbound.contact, this.replies.plain(language, key))
    } catch (sendError) {
      this.log.error('reply.failed', { contact: contactRef(inbound.contact), error: (sendError as Error)?.message })
    }
  }
}
