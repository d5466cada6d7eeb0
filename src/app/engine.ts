/**
 * The engine: for each inbound message, load the contact, step their conversation, carry out
 * the effects the machine described, persist, then reply.
 *
 * Messages of one contact are handled one at a time, in arrival order, exactly once; different
 * contacts do not wait for each other. Everything a step changed is on disk before any reply of
 * that step is sent, so a confirmation never announces something that could still be lost.
 */
import type { Contact, ConsentEvent, ConsentRecord, ConsentState } from '../domain/consent.js'
import { expiredConsents, termsChanges, termsOf, unansweredTooLong, type TermsChange } from '../domain/terms.js'
import {
  buildConversationMachine,
  expectedIntents,
  pendingPurposes,
  startConversation,
  stepConversation,
  type ConversationEvent,
  type ConversationMachine,
  type ConversationSnapshot,
  type Effect,
} from '../domain/conversation.js'
import { CHANNEL_INTENT } from '../domain/flow.js'
import { createRecognizer, tokenize, type Recognizer } from '../domain/intents.js'
import {
  countryOf,
  guessLanguage,
  languageOfTokens,
  LANGUAGES,
  vocabularies,
  type Language,
  type Vocabularies,
} from '../domain/language.js'
import type { Channel } from '../domain/policy.js'
import type { BusinessFlow } from '../domain/flow.js'
import type { ConsentStore, NewRecord, StoredConversation, StoredNotice } from '../ports/consent-store.js'
import type { Inbound } from '../ports/inbound-source.js'
import type { Messenger } from '../ports/messenger.js'
import type { Texts } from '../ports/texts.js'
import { contactRef, silentLogger, type Logger } from './logger.js'
import { ContactTexts } from './contact-texts.js'
import { randomBytesFromPool } from './random-pool.js'
import { addressesOf, isLid, mergeContacts, type Stored } from './identity.js'
import { noticeVars, renderNotice } from './notice.js'
import { DEFAULT_RATE_LIMIT, RateLimiter, type FloodEnded, type RateLimit } from './rate-limit.js'

export type { Inbound } from '../ports/inbound-source.js'

/** How many message ids per contact are remembered to drop redeliveries (older ones: by their time). */
const RECENT_MESSAGE_IDS = 20

/** How many `…@lid` → number pairs are kept in memory for queueing (the store keeps them all). */
const MAX_REMEMBERED_LIDS = 100_000

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
}

export class ConsentEngine {
  private readonly machine: ConversationMachine
  private readonly recognizers = new Map<Language, Recognizer>()
  private readonly notices = new Map<Language, { hash: string; notice: StoredNotice }>()
  private readonly queues = new Map<string, Promise<void>>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly commands: string[]
  /** Commands that withdraw consent or lead to an erasure: read even past the rate limit. */
  private readonly optOutCommands: string[]
  private readonly numbers = new Map<string, string>()
  /** The words that tell a message's language; the command that switches to each language. */
  private readonly vocabularies: Vocabularies
  private readonly switchTo = new Map<Language, string>()
  private readonly channelIntents: string[]
  private readonly clock: () => Date
  private readonly newId: () => string
  private readonly log: Logger
  private readonly limiter?: RateLimiter
  private readonly contactTexts: ContactTexts

  constructor(private readonly deps: EngineDeps) {
    const { business, texts } = deps
    this.machine = buildConversationMachine(business.flow, business.policy)
    this.contactTexts = new ContactTexts(business.policy, texts)
    this.commands = Object.keys(business.flow.commands)
    this.optOutCommands = this.commands.filter((c) => {
      const outcome = business.flow.commands[c]!
      const next = outcome.next ? business.flow.steps[outcome.next] : undefined
      return outcome.withdraw || outcome.right === 'erasure' || Object.values(next?.answers ?? {}).some((a) => a.right === 'erasure')
    })
    this.channelIntents = business.policy.channels.map((c) => `channel:${c.channel}`)
    this.clock = deps.clock ?? (() => new Date())
    this.newId = deps.newId ?? newReceiptId
    this.log = deps.logger ?? silentLogger
    if (deps.rateLimit !== false) {
      const ended = ({ contact, dropped }: FloodEnded) => this.log.info('rate_limit.ended', { contact: contactRef(contact), dropped })
      this.limiter = new RateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, () => this.clock().getTime(), ended)
    }
    for (const [command, outcome] of Object.entries(business.flow.commands))
      if (outcome.language) this.switchTo.set(outcome.language, command)
    // Command words, fillers and phrases found inside messages are pooled across languages
    // ("STOP", "gracias"): only the answers tell.
    const pooled = new Set([...this.commands, 'filler'])
    const answerTokens = (language: Language) =>
      Object.entries(texts.answerWords(language)).flatMap(([intent, words]) =>
        pooled.has(intent) || intent.startsWith('contains:') ? [] : words.flatMap((w) => tokenize(w)),
      )
    this.vocabularies = vocabularies({ es: answerTokens('es'), en: answerTokens('en') })
    for (const language of LANGUAGES) {
      const words = { ...texts.answerWords(language) }
      // A channel can also be picked by its number in the list the contact was shown.
      business.policy.channels.forEach((c, i) => {
        words[`channel:${c.channel}`] = [...(words[`channel:${c.channel}`] ?? []), String(i + 1)]
      })
      this.recognizers.set(language, createRecognizer(words))
      const { text, hash } = renderNotice(business.policy, texts, language)
      this.notices.set(language, { hash, notice: { policyVersion: business.policy.version, language, text } })
    }
  }

  /** Queues a message; resolves once it has been handled and answered (errors are answered, not thrown). */
  handle(inbound: Inbound): Promise<void> {
    const person = this.personOf(inbound)
    // Over the rate limit: one note, then silence; a dropped message is not loaded, stored or logged.
    // Except a request to stop or to erase: it is read just enough to find it, and honoured.
    let admission = this.limiter?.admit(person) ?? 'handle'
    if (admission !== 'handle' && inbound.text !== undefined && this.isOptOut(inbound.text)) admission = 'handle'
    if (admission === 'drop') return Promise.resolve()
    const work = admission === 'note' ? () => this.slowDown(inbound) : () => this.process(inbound, person)
    return this.enqueue(person, work, (error) => this.fail(inbound, error))
  }

  /**
   * A `…@lid` and a phone number are one person (the provider's LID mapping): their contacts
   * become one, filed under the number, and the merge is recorded. Runs in the number's queue.
   */
  link(lid: string, number: string): Promise<void> {
    if (!isLid(lid) || isLid(number) || !/^\d{5,20}$/.test(number)) return Promise.resolve()
    this.remember(lid, number)
    return this.enqueue(number, async () => {
      const now = this.clock()
      const { stored, replaces, records } = await this.identify(number, lid, now, { method: 'policy-rule', rule: 'whatsapp-lid-mapping' })
      if (!stored || (!replaces && stored.contact.lid === lid) || !stored.conversation) return
      const contact = { ...stored.contact, lid }
      await this.deps.store.commit({
        contact,
        conversation: stored.conversation,
        records,
        notices: this.noticeFor(contact, records),
        ...(replaces ? { replaces } : {}),
      })
    })
  }

  /**
   * Contacts known only by a `…@lid` whose number the source now knows (a data folder from
   * before, or a mapping learned while the bot was off) are merged into the number's contact.
   * Returns how many were linked.
   */
  async mergeSplitContacts(numberOf: (lid: string) => Promise<string | undefined>): Promise<number> {
    const lids: string[] = []
    for await (const { contact } of this.deps.store.scan()) if (isLid(contact.id)) lids.push(contact.id)
    let merged = 0
    for (const lid of lids) {
      const number = await numberOf(lid)
      if (!number) continue
      await this.link(lid, number)
      merged++
    }
    if (merged) this.log.info('contacts.linked_at_start', { linked: merged })
    return merged
  }

  /** The queue a message waits in: the person's number whenever it is known, so both addresses share one. */
  private personOf(inbound: Inbound): string {
    const { lid, number } = addressesOf(inbound.contact, inbound.alias)
    if (lid && number) this.remember(lid, number)
    return number ?? (lid && this.numbers.get(lid)) ?? inbound.contact
  }

  /** A `…@lid` → number learned in this run (bounded: the store keeps them for good). */
  private remember(lid: string, number: string): void {
    if (this.numbers.get(lid) === number) return
    if (this.numbers.size >= MAX_REMEMBERED_LIDS) this.numbers.delete(this.numbers.keys().next().value!)
    this.numbers.set(lid, number)
  }

  /**
   * The person's contact as stored, with a contact that the LID had on its own folded in (a
   * `merged` record says so). `lid` undefined: only the number's.
   */
  private async identify(
    number: string,
    lid: string | undefined,
    now: Date,
    collection: ConsentRecord['collection'],
  ): Promise<{ stored?: Stored; replaces?: string; records: NewRecord[] }> {
    const byNumber = await this.deps.store.load(number)
    const mine = byNumber.contact ? (byNumber as Stored) : undefined
    if (!lid || mine?.contact.lid === lid) return { ...(mine ? { stored: mine } : {}), records: [] }
    const byLid = await this.deps.store.load(lid)
    if (!byLid.contact || byLid.contact.id !== lid) return { ...(mine ? { stored: mine } : {}), records: [] }
    const merged = mergeContacts(number, mine, byLid as Stored)
    const record = this.newRecord(merged.contact, 'merged', [], collection, now)
    record.record.merged = { principal: byLid.contact.principal }
    record.personal!.alias = lid
    this.log.info('contact.merged', { contact: contactRef(number) })
    return { stored: merged as Stored, replaces: lid, records: [record] }
  }

  /** The source's word on a LID's number (a valid one only; a failing lookup is no answer). */
  private async askNumber(lid: string): Promise<string | undefined> {
    const number = await this.deps.numberOf?.(lid).catch((error: unknown) => {
      this.log.warn('contact.number_lookup_failed', { error: (error as Error)?.message ?? String(error) })
      return undefined
    })
    return number && /^\d{5,20}$/.test(number) ? number : undefined
  }

  /** Whether a message asks to stop everything or to erase: honoured even past the rate limit. */
  private isOptOut(text: string): boolean {
    return LANGUAGES.some((language) => this.recognizer(language).recognize(text, this.optOutCommands) !== undefined)
  }

  private noticeFor(contact: Contact, records: NewRecord[]): Record<string, StoredNotice> {
    const notice = this.notices.get(contact.language)!
    return records.length ? { [notice.hash]: notice.notice } : {}
  }

  /** Runs `work` after everything already queued for this contact; one contact's work never overlaps. */
  private enqueue(contactId: string, work: () => Promise<void>, onError?: (error: unknown) => Promise<void>): Promise<void> {
    const previous = this.queues.get(contactId) ?? Promise.resolve()
    const fail =
      onError ??
      (async (error: unknown) =>
        this.log.error('contact.work_failed', { contact: contactRef(contactId), error: (error as Error)?.message ?? String(error) }))
    const done = previous.then(work).catch(fail)
    this.queues.set(contactId, done)
    this.inFlight.add(done)
    void done.finally(() => {
      this.inFlight.delete(done)
      if (this.queues.get(contactId) === done) this.queues.delete(contactId)
    })
    return done
  }

  /** The one note a contact over the rate limit gets, in their language. Nothing is stored. */
  private async slowDown(inbound: Inbound): Promise<void> {
    this.log.warn('message.rate_limited', { contact: contactRef(inbound.contact) })
    const stored = await this.deps.store.load(inbound.contact)
    const language = stored.contact?.language ?? guessLanguage(inbound.contact, this.deps.defaultLanguage)
    await this.deps.messenger.send(inbound.contact, this.deps.texts.render(language, 'errors.slowDown'))
  }

  /** Resolves once every message received so far has been handled and answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  /**
   * Marks as lapsed the consents asked for and left unanswered longer than the policy allows
   * (`lapseUnansweredAfterDays`). Goes through each contact's queue, so it never races a message
   * of theirs. Returns how many contacts it recorded a lapse for.
   */
  async lapseUnanswered(): Promise<number> {
    const { policy } = this.deps.business
    if (!policy.lapseUnansweredAfterDays) return 0
    const now = this.clock()
    const due: string[] = []
    for await (const { contact, conversation } of this.deps.store.scan()) {
      if (conversation && unansweredTooLong(policy, conversation.updatedAt, now)) due.push(contact.id)
    }
    let lapsed = 0
    await Promise.all(due.map((id) => this.enqueue(id, async () => void ((await this.lapse(id, now)) && lapsed++))))
    return lapsed
  }

  private async lapse(contactId: string, now: Date): Promise<boolean> {
    const { policy } = this.deps.business
    const stored = await this.deps.store.load(contactId)
    if (!stored.contact || !stored.conversation || !unansweredTooLong(policy, stored.conversation.updatedAt, now)) return false
    const snapshot = this.restore(stored.conversation.snapshot, contactId)
    if (!snapshot) return false
    // Only what is still open: a purpose not answered under the current policy, not lapsed already.
    const open = pendingPurposes(snapshot).filter((p) => {
      const consent = stored.contact!.consents[p]
      return !consent || (consent.policyVersion !== policy.version && consent.state !== 'lapsed')
    })
    if (open.length === 0) return false
    const contact: Contact = { ...stored.contact, consents: { ...stored.contact.consents } }
    const record = this.changeConsent(contact, 'lapsed', open, { method: 'policy-rule', rule: 'lapseUnansweredAfterDays' }, now)
    const notice = this.notices.get(contact.language)!
    // The conversation stays where it was: a late answer still counts, as a new record.
    await this.deps.store.commit({
      contact,
      conversation: stored.conversation,
      records: [record],
      notices: { [notice.hash]: notice.notice },
    })
    this.log.info('consent.lapsed', { contact: contactRef(contactId), purposes: open })
    return true
  }

  private async process(inbound: Inbound, person: string): Promise<void> {
    const now = this.clock()
    const { lid, number } = addressesOf(inbound.contact, inbound.alias)
    let stored: { contact?: Contact; conversation?: StoredConversation }
    let identity: { replaces?: string; records: NewRecord[] } = { records: [] }
    if (isLid(person)) {
      // Only the LID is known here; the store may know its number (then the number's queue it is).
      const known = this.numbers.get(person)
      stored = known ? {} : await this.deps.store.load(person)
      const numberOf = known ?? (stored.contact && stored.contact.id !== person ? stored.contact.id : await this.askNumber(person))
      if (numberOf) {
        this.remember(person, numberOf)
        return this.enqueue(numberOf, () => this.process(inbound, numberOf))
      }
    } else {
      const found = await this.identify(person, lid, now, { method: 'whatsapp-chat', messageId: inbound.messageId })
      stored = found.stored ?? {}
      identity = found
    }
    const recent = stored.conversation?.recentMessageIds ?? []
    if (recent.includes(inbound.messageId)) {
      // WhatsApp redelivers a message after a reconnect: it was answered already.
      this.log.info('message.duplicate', { contact: contactRef(person) })
      return
    }
    const contact: Contact = stored.contact
      ? { ...stored.contact, consents: { ...stored.contact.consents }, lastSeen: now.toISOString() }
      : {
          id: person,
          principal: newPrincipal(),
          // What they write says more than where their number is from ("hola" from a +1 number).
          language: this.languageOf(inbound.text) ?? guessLanguage(number ?? person, this.deps.defaultLanguage),
          firstSeen: now.toISOString(),
          lastSeen: now.toISOString(),
          consents: {},
        }
    if (lid && !isLid(person)) contact.lid = lid

    const restored = stored.conversation ? this.restore(stored.conversation.snapshot, inbound.contact) : undefined
    // A command (STOP above all) is honoured as written, even when the contact is due to be asked
    // again: they are asked on their next message.
    const switched = restored && inbound.text !== undefined ? this.followLanguage(restored, inbound.text) : undefined
    const current = switched?.snapshot ?? restored
    const event = current && inbound.text !== undefined ? this.read(inbound.text, current) : undefined
    if (this.stale(inbound, stored.conversation, contact, event)) {
      // Sent before the newest message already handled, and not seen among the latest ids: a
      // redelivery from long ago. Its answer was read then; read now it could undo a later one.
      this.log.info('message.stale', { contact: contactRef(person) })
      return
    }
    const changes = restored && event?.type !== 'command' ? this.outdated(contact, now) : []
    let { snapshot, effects } = restored
      ? changes.length
        ? stepConversation(this.machine, current!, { type: 'reconsent' })
        : this.continue(current!, event)
      : this.begin(contact, inbound)
    if (switched) effects = [...switched.effects, ...effects]
    if (stored.conversation && !restored) {
      // The step this contact stood on is gone (the owner changed the flow): say so, then start over.
      effects = [{ type: 'reply', key: 'errors.restarted' }, ...effects]
    }
    if (!restored || changes.length) this.showTerms(contact)

    contact.language = snapshot.context.language
    const { records: stepRecords, replies, erasure } = this.apply(effects, contact, snapshot, inbound, now, changes)
    // The merge of the person's two addresses, if this message revealed it, comes first.
    const records = [...identity.records, ...stepRecords]
    const change = {
      contact,
      conversation: this.persisted(snapshot, now, recent, inbound, stored.conversation?.lastSentAt),
      records,
      notices: this.noticeFor(contact, records),
      ...(identity.replaces ? { replaces: identity.replaces } : {}),
    }
    if (erasure) {
      // Nothing of the contact is kept: what the step recorded, if anything, is erased with the rest,
      // and the proof that the erasure was asked for and done is all that remains.
      if (records.length) await this.deps.store.commit(change)
      await this.deps.store.erase(contact.id, erasure)
    } else {
      await this.deps.store.commit(change)
    }
    this.log.info('message.handled', {
      contact: contactRef(inbound.contact),
      kind: inbound.kind,
      step: JSON.stringify(snapshot.value),
      records: [...records.map(({ record: r }) => `${r.event}:${r.purposes.join('+')}`), ...(erasure ? ['erased'] : [])],
      replies: replies.length,
    })
    for (const text of replies) await this.deps.messenger.send(inbound.contact, text)
  }

  private persisted(
    snapshot: ConversationSnapshot,
    now: Date,
    recent: string[],
    inbound: Inbound,
    lastSentAt: number | undefined,
  ): StoredConversation {
    const sentAt = Math.max(lastSentAt ?? 0, inbound.sentAt ?? 0)
    return {
      flowVersion: this.deps.business.flowVersion,
      snapshot: this.machine.getPersistedSnapshot(snapshot),
      updatedAt: now.toISOString(),
      recentMessageIds: [...recent, inbound.messageId].slice(-RECENT_MESSAGE_IDS),
      ...(sentAt > 0 ? { lastSentAt: sentAt } : {}),
    }
  }

  /**
   * A message sent before the newest one handled (WhatsApp's timestamps are whole seconds, so the
   * same second is not older). It is not read as an answer; a request to stop still counts when
   * it was sent after every consent the contact gave, so it can never undo a later yes.
   */
  private stale(
    inbound: Inbound,
    conversation: StoredConversation | undefined,
    contact: Contact,
    event: ConversationEvent | undefined,
  ): boolean {
    const last = conversation?.lastSentAt
    if (inbound.sentAt === undefined || last === undefined || inbound.sentAt >= last) return false
    if (event?.type !== 'command' || !this.optOutCommands.includes(event.command)) return true
    const given = Object.values(contact.consents)
      .filter((c) => c.state === 'given')
      .map((c) => Date.parse(c.at))
    return given.some((at) => at >= inbound.sentAt!)
  }

  /** The contact is being shown the current notice: these are the terms they answer to. */
  private showTerms(contact: Contact): void {
    contact.policyVersion = this.deps.business.policy.version
    contact.terms = termsOf(this.deps.business.policy, this.notices.get(contact.language)!.hash)
  }

  /**
   * Why what the contact agreed to no longer holds, if it does not: the policy has a new version
   * since they were shown it, or a consent is older than the policy allows. Only a contact who
   * answered something is asked again, and only where the flow says where (`reconsent`).
   */
  private outdated(contact: Contact, now: Date): TermsChange[] {
    const { policy, flow } = this.deps.business
    if (!flow.reconsent || Object.keys(contact.consents).length === 0) return []
    const changed = contact.terms ? termsChanges(contact.terms, policy) : []
    return [...changed, ...expiredConsents(contact.consents, policy, now)]
  }

  /**
   * A new conversation. The first message is not an answer to anything, but a command in it
   * counts: "ENGLISH" greets in English, "STOP" is honoured without a greeting.
   */
  private begin(contact: Contact, inbound: Inbound): { snapshot: ConversationSnapshot; effects: Effect[] } {
    const command = inbound.text === undefined ? undefined : this.recognizer(contact.language).recognize(inbound.text, this.commands)
    const outcome = command ? this.deps.business.flow.commands[command] : undefined
    const started = startConversation(this.machine, {
      language: outcome?.language ?? contact.language,
      ...this.phoneOf(addressesOf(inbound.contact, inbound.alias).number ?? inbound.contact),
    })
    if (!command || outcome?.language) return started
    const stepped = stepConversation(this.machine, started.snapshot, { type: 'command', command })
    if (outcome?.next) return stepped
    // e.g. HELP: greeting, question, then the help text; the question is not asked twice.
    return { snapshot: stepped.snapshot, effects: [...started.effects, ...stepped.effects.filter((e) => e.type !== 'reprompt')] }
  }

  /** The language a message is clearly written in, if any. */
  private languageOf(text: string | undefined): Language | undefined {
    return text === undefined || text.length > 1000 ? undefined : languageOfTokens(tokenize(text), this.vocabularies)
  }

  /**
   * A message the contact's language cannot read, clearly written in the other one ("sí" to an
   * English question): the conversation switches language (as ESPAÑOL / ENGLISH would, saying
   * so), and the message is then read in it.
   */
  private followLanguage(snapshot: ConversationSnapshot, text: string): { snapshot: ConversationSnapshot; effects: Effect[] } | undefined {
    // Free text (an address being typed) is no sign of a language.
    if (snapshot.context.pending) return undefined
    const language = this.languageOf(text)
    const command = language && language !== snapshot.context.language ? this.switchTo.get(language) : undefined
    if (!command) return undefined
    const asRead = this.read(text, snapshot)
    if (asRead.type === 'command' || (asRead.type === 'answer' && asRead.intent)) return undefined
    const stepped = stepConversation(this.machine, snapshot, { type: 'command', command })
    // The question is asked (in the new language) by what follows, not twice.
    return { snapshot: stepped.snapshot, effects: stepped.effects.filter((e) => e.type !== 'reprompt') }
  }

  /** `event`: the message as read (undefined when it has no text). */
  private continue(
    snapshot: ConversationSnapshot,
    event: ConversationEvent | undefined,
  ): { snapshot: ConversationSnapshot; effects: Effect[] } {
    if (!event) {
      // Media, a voice note, a location…: the bot cannot read it; say so and repeat the question.
      return { snapshot, effects: [{ type: 'reply', key: 'errors.textOnly' }, { type: 'reprompt' }] }
    }
    return stepConversation(this.machine, snapshot, event)
  }

  /** What the message means at this point of the conversation, as a machine event. */
  private read(text: string, snapshot: ConversationSnapshot): ConversationEvent {
    const expected = expectedIntents(snapshot)
    const candidates = [...this.commands, ...expected.filter((i) => i !== CHANNEL_INTENT)]
    if (expected.includes(CHANNEL_INTENT)) candidates.push(...this.channelIntents)
    const intent = this.recognizer(snapshot.context.language).recognize(text, candidates)
    if (intent && this.commands.includes(intent) && !expected.includes(intent)) return { type: 'command', command: intent }
    if (intent?.startsWith('channel:')) return { type: 'answer', intent: CHANNEL_INTENT, channel: intent.slice(8) as Channel, text }
    return { type: 'answer', ...(intent ? { intent } : {}), text }
  }

  /** A ledger record of an event about this contact, with the personal details kept beside it. */
  private newRecord(
    contact: Contact,
    event: ConsentEvent,
    purposes: string[],
    collection: ConsentRecord['collection'],
    now: Date,
    answer?: string,
  ): NewRecord {
    const { policy } = this.deps.business
    const notice = this.notices.get(contact.language)!
    const record: ConsentRecord = {
      id: this.newId(),
      schema: 'consent-record/2',
      principal: contact.principal,
      controller: { ...policy.controller },
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
  private changeConsent(
    contact: Contact,
    state: ConsentState,
    purposes: string[],
    collection: ConsentRecord['collection'],
    now: Date,
    answer?: string,
  ): NewRecord {
    const id = this.newId()
    for (const purpose of purposes)
      contact.consents[purpose] = { state, at: now.toISOString(), record: id, policyVersion: this.deps.business.policy.version }
    const entry = this.newRecord(contact, state, purposes, collection, now, answer)
    entry.record.id = id
    return entry
  }

  /** Carries out the described effects on the contact; returns the ledger records and reply texts. */
  private apply(effects: Effect[], contact: Contact, snapshot: ConversationSnapshot, inbound: Inbound, now: Date, changes: TermsChange[]) {
    const records: NewRecord[] = []
    const keys: string[] = []
    let erasure: ConsentRecord | undefined
    const inChat = { method: 'whatsapp-chat' as const, messageId: inbound.messageId }
    const answer = inbound.text ?? ''
    // Consents that expired are recorded as lapsed before the contact is asked again.
    const expired = changes.flatMap((c) => (c.kind === 'expired' ? [c.purpose] : []))
    if (expired.length)
      records.push(this.changeConsent(contact, 'lapsed', expired, { method: 'policy-rule', rule: 'consentValidForDays' }, now))
    for (const effect of effects) {
      switch (effect.type) {
        case 'reply':
          keys.push(effect.key)
          break
        case 'reprompt':
          if (snapshot.context.prompt) keys.push(snapshot.context.prompt)
          break
        case 'recordConsent':
          records.push(this.changeConsent(contact, effect.given ? 'given' : 'refused', [effect.purpose], inChat, now, answer))
          break
        case 'withdrawConsent': {
          // Recorded even when nothing was given: that the contact said stop is evidence too,
          // and the receipt they are given must name a record.
          records.push(this.changeConsent(contact, 'withdrawn', withdrawnPurposes(contact, effect.purposes), inChat, now, answer))
          break
        }
        case 'setChannel':
          contact.channel = {
            channel: effect.channel,
            ...(effect.handle ? { handle: effect.handle } : {}),
            ...(effect.link ? { link: effect.link } : {}),
            at: now.toISOString(),
          }
          break
        case 'accessData':
          records.push(this.newRecord(contact, 'accessed', [], inChat, now, answer))
          break
        case 'erase': {
          // The proof names the contact only by pseudonym and keeps no state of theirs.
          erasure = this.newRecord(contact, 'erased', [], inChat, now).record
          erasure.consents = {}
          break
        }
      }
    }
    const receipt = erasure?.id ?? records.at(-1)?.record.id ?? latestReceipt(contact)
    const vars: Record<string, string> = { ...this.noticeVars(contact.language), ...this.contactVars(contact, snapshot, keys), receipt }
    vars.changes = changes.length ? this.contactTexts.changes(contact.language, changes) : ''
    return { records, erasure, replies: keys.map((key) => this.render(contact.language, key, vars)) }
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

  private recognizer(language: Language): Recognizer {
    return this.recognizers.get(language)!
  }

  private phoneOf(contactId: string) {
    const country = countryOf(contactId)
    return /^\d+$/.test(contactId) ? { phone: contactId, ...(country ? { country } : {}) } : {}
  }

  private async fail(inbound: Inbound, error: unknown): Promise<void> {
    this.log.error('message.failed', { contact: contactRef(inbound.contact), error: (error as Error)?.message ?? String(error) })
    try {
      const stored = await this.deps.store.load(inbound.contact).catch(() => ({ contact: undefined }))
      const language = stored.contact?.language ?? guessLanguage(inbound.contact, this.deps.defaultLanguage)
      await this.deps.messenger.send(inbound.contact, this.deps.texts.render(language, 'errors.sorry'))
    } catch (sendError) {
      this.log.error('reply.failed', { contact: contactRef(inbound.contact), error: (sendError as Error)?.message })
    }
  }

  // ---- texts --------------------------------------------------------------------------------

  private readonly noticeVarsCache = new Map<Language, Record<string, string>>()
  private readonly rendered = new Map<string, string>()

  /** A text that uses only the policy's variables reads the same for every contact: rendered once. */
  private render(language: Language, key: string, vars: Record<string, string>): string {
    const id = `${language}\u0000${key}`
    const cached = this.rendered.get(id)
    if (cached !== undefined) return cached
    const text = this.deps.texts.render(language, key, vars)
    const statics = this.noticeVars(language)
    if ([...this.deps.texts.variables(language, key)].every((name) => name in statics)) this.rendered.set(id, text)
    return text
  }

  private noticeVars(language: Language): Record<string, string> {
    let vars = this.noticeVarsCache.get(language)
    if (!vars) this.noticeVarsCache.set(language, (vars = noticeVars(this.deps.business.policy, this.deps.texts, language)))
    return vars
  }

  /**
   * Variables about this contact: the channel being set up or chosen, their answers, what is
   * stored. The composed ones (summary, my data, the purposes list) only when a text uses them.
   */
  private contactVars(contact: Contact, snapshot: ConversationSnapshot, keys: string[]): Record<string, string> {
    const used = new Set(keys.flatMap((key) => [...this.deps.texts.variables(contact.language, key)]))
    const vars: Record<string, string> = {}
    if (used.has('channel') || used.has('handle') || used.has('link')) {
      const pending = snapshot.context.pending
      const channel = pending?.channel ?? contact.channel?.channel
      vars.channel = channel ? this.contactTexts.plain(contact.language, `channels.${channel}`) : ''
      vars.handle = pending?.handle ?? contact.channel?.handle ?? ''
      vars.link = (channel && this.deps.business.policy.channels.find((c) => c.channel === channel)?.link) || ''
    }
    if (used.has('summary')) vars.summary = this.contactTexts.summary(contact)
    if (used.has('myData')) vars.myData = this.contactTexts.myData(contact)
    if (used.has('purposeOptions')) vars.purposeOptions = this.contactTexts.purposeOptions(contact)
    return vars
  }
}

/**
 * What a withdrawal takes back: every consent given, or, when the flow names purposes ("no more
 * offers": marketing), those of them not already refused or withdrawn: one never answered is
 * recorded as withdrawn too, so the objection is on record before the question is ever asked.
 */
function withdrawnPurposes(contact: Contact, purposes: readonly string[] | undefined): string[] {
  if (!purposes)
    return Object.entries(contact.consents)
      .filter(([, c]) => c.state === 'given')
      .map(([p]) => p)
  return purposes.filter((p) => contact.consents[p]?.state !== 'refused' && contact.consents[p]?.state !== 'withdrawn')
}

/** The receipt id of the contact's latest consent event. */
function latestReceipt(contact: Contact): string {
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
function newPrincipal(): string {
  return `p-${randomBytesFromPool(9).toString('base64url')}`
}
