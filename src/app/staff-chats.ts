/**
 * The number shared with the business's staff, as the engine runs it: a staff member's message
 * from the phone pauses the bot in that chat; staff pause or resume it by hand (dashboard, command
 * line); a chat handed over is told to the staff. What changes is the contact's `handover`,
 * committed like any change of theirs but with no ledger record: a hand-over is not consent.
 */
import { createHash } from 'node:crypto'
import type { Contact, HandOver } from '../domain/consent.js'
import { hasServiceConsent, pausedByStaff, resumed, staffReplied, told, waitForStaff } from '../domain/handover.js'
import type { Policy } from '../domain/policy.js'
import type { ConsentStore, StoredConversation } from '../ports/consent-store.js'
import type { StaffMessage, StaffNotifier, WaitingChat } from '../ports/staff.js'
import { contactRef, type Logger } from './logger.js'

export interface StaffChatsDeps {
  policy: Policy
  store: ConsentStore
  notifier?: StaffNotifier
  log: Logger
  clock: () => Date
  /** Runs work in a contact's queue (the engine's: never beside a message of theirs). */
  enqueue: (contactId: string, work: () => Promise<void>) => Promise<void>
  /** The queue (the person's number whenever known) of an address and its alias. */
  personOf: (address: Pick<StaffMessage, 'contact' | 'alias'>) => string
  /** A conversation for a contact the bot has not talked to yet (staff wrote first). */
  newConversation: (contact: Contact) => StoredConversation
  /** A contact the bot has not talked to yet, as the engine would create it. */
  newContact: (id: string, now: Date) => Contact
}

export class StaffChats {
  /** Notes on their way to the staff, with the record that they were told. */
  private readonly notes = new Set<Promise<void>>()

  constructor(private readonly deps: StaffChatsDeps) {}

  /** Resolves once every note under way has been delivered or given up, and its outcome recorded. */
  async notesSettled(): Promise<void> {
    while (this.notes.size) await Promise.all(this.notes)
  }

  /**
   * A person wrote to the contact from the business's phone: the bot pauses in that chat for the
   * policy's pause length after this message. A chat staff start with someone new is kept too,
   * so the bot does not greet over them when the person answers.
   */
  staffReplied(message: StaffMessage): Promise<void> {
    const person = this.deps.personOf(message)
    return this.deps.enqueue(person, async () => {
      const now = this.deps.clock()
      const at = message.sentAt !== undefined && message.sentAt <= now.getTime() ? new Date(message.sentAt) : now
      await this.change(person, now, true, (contact) => staffReplied(contact.handover, at, this.deps.policy.staff.pauseMs))
      this.deps.log.info('staff.replied', { contact: contactRef(person) })
    })
  }

  /** Staff pause the bot in a chat by hand. False: no such contact. */
  pause(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean> {
    const person = this.deps.personOf({ contact: contactId })
    return this.inQueue(person, async () => {
      const now = this.deps.clock()
      const done = await this.change(person, now, false, (c) => pausedByStaff(c.handover, now, this.deps.policy.staff.pauseMs, by))
      if (done) this.deps.log.info('staff.paused', { contact: contactRef(person), by })
      return done
    })
  }

  /** Staff give a chat back to the bot: no pause, nothing waiting. False: no such contact. */
  resume(contactId: string, by: 'dashboard' | 'cli'): Promise<boolean> {
    const person = this.deps.personOf({ contact: contactId })
    return this.inQueue(person, async () => {
      const done = await this.change(person, this.deps.clock(), false, (c) => resumed(c.handover))
      if (done) this.deps.log.info('staff.resumed', { contact: contactRef(person), by })
      return done
    })
  }

  /**
   * The contact's chat waits for a person after this message (`reason`); `message` is what they
   * wrote for the staff, kept only with service consent (or before it is asked: their first
   * message, dropped once the questions are done without it). Returns the chat to tell the staff
   * of, once the change is committed, or nothing when it waited already.
   */
  handOver(contact: Contact, reason: 'asked' | 'message', now: Date, message: string | undefined): WaitingChat | undefined {
    const consent = hasServiceConsent(contact, this.deps.policy)
    // A fresh object: changed here, never the contact's own.
    const { handover, notify } = waitForStaff(contact.handover, reason, now, this.deps.policy.staff.pauseMs, message)
    // Without service consent nothing they wrote is kept for the staff (their first message included).
    if (handover && !consent) delete handover.message
    setHandover(contact, handover)
    return notify ? this.waitingChat(contact) : undefined
  }

  /**
   * Tells the staff, after the change is on disk, and records on the contact that they were told
   * once every target has it; a wait not told by then (the bot stopped, a target gave up) is told
   * again at the next start (`tellUntold`). A bug in a notifier must not lose the reply.
   */
  notify(chat: WaitingChat | undefined, contactId: string): void {
    const notifier = this.deps.notifier
    if (!chat || !notifier) return
    const note: Promise<void> = Promise.resolve()
      .then(() => notifier.notify(chat))
      .then((delivered) => {
        if (!delivered) return
        const person = this.deps.personOf({ contact: contactId })
        return this.deps.enqueue(person, async () => {
          await this.change(person, this.deps.clock(), false, (c) => told(c.handover, chat.since, this.deps.clock()))
        })
      })
      .catch((error: unknown) => this.deps.log.error('staff.notify_failed', { error: (error as Error)?.message ?? String(error) }))
      .finally(() => this.notes.delete(note))
    this.notes.add(note)
  }

  /** Waits the staff were never told of (the bot stopped first, a target was down): told now. Returns how many. */
  async tellUntold(): Promise<number> {
    if (!this.deps.notifier) return 0
    const untold: { id: string; chat: WaitingChat }[] = []
    for await (const { contact } of this.deps.store.scan()) {
      const chat = contact.handover?.waitingSince && !contact.handover.told ? this.waitingChat(contact) : undefined
      if (chat) untold.push({ id: contact.id, chat })
    }
    for (const { id, chat } of untold) this.notify(chat, id)
    if (untold.length) this.deps.log.info('staff.told_again', { chats: untold.length })
    return untold.length
  }

  /** The chat as the staff are told of it: the contact's number and words only with service consent. */
  private waitingChat(contact: Contact): WaitingChat | undefined {
    const handover = contact.handover
    if (!handover?.waitingSince) return undefined
    const consent = hasServiceConsent(contact, this.deps.policy)
    return {
      // One wait, one id (the same when told again after a restart), naming nobody.
      id: createHash('sha256').update(`${contact.principal}\u0000${handover.waitingSince}`).digest('hex').slice(0, 32),
      reason: handover.reason ?? 'message',
      since: handover.waitingSince,
      principal: contact.principal,
      language: contact.language,
      serviceConsent: consent,
      ...(consent ? { contact: contact.id } : {}),
      ...(consent && handover.message !== undefined ? { message: handover.message } : {}),
    }
  }

  private inQueue<T>(person: string, work: () => Promise<T>): Promise<T> {
    let result!: T
    return this.deps.enqueue(person, async () => void (result = await work())).then(() => result)
  }

  /** Loads the contact, applies `update` to their hand-over and commits it; false when there is no such contact (and `create` is off). */
  private async change(person: string, now: Date, create: boolean, update: (contact: Contact) => HandOver | undefined): Promise<boolean> {
    const stored = await this.deps.store.load(person)
    if (!stored.contact && !create) return false
    const contact: Contact = stored.contact ? { ...stored.contact } : this.deps.newContact(person, now)
    setHandover(contact, update(contact))
    await this.deps.store.commit({
      contact,
      conversation: stored.conversation ?? this.deps.newConversation(contact),
      records: [],
      notices: {},
    })
    return true
  }
}

function setHandover(contact: Contact, handover: HandOver | undefined): void {
  if (handover) contact.handover = handover
  else delete contact.handover
}
