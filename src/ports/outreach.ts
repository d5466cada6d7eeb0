/**
 * Messages the business starts: a campaign's invitation to a client who has not written (the
 * notice and the first consent question). Not a reply, so not the Messenger's: the Cloud API
 * carries it only as a template Meta approved, and a linked device must be connected to send it.
 */
import type { Language } from '../domain/language.js'
import type { Choices } from './messenger.js'

export interface Invitation {
  /** The texts the conversation would say, in order (greeting, notice, question). */
  texts: string[]
  /** The question's answers, as tappable choices where the provider shows them. */
  choices?: Choices
  language: Language
}

export interface Outreach {
  /**
   * Sends the invitation; resolves with the provider's ids of what was sent (none where it gives
   * none). Rejects with NotSent when the provider will not carry it now (no template, a limit, no
   * connection): the campaign stops there.
   */
  invite(contact: string, invitation: Invitation): Promise<string[]>
  /**
   * The address WhatsApp knows a number by (its own form of it: a Mexican mobile with the 1 after
   * 52), or null when the number has no WhatsApp account: asked before writing to someone the bot
   * has never met. Absent where the provider cannot tell beforehand (the Cloud API answers such a
   * send with an error instead).
   */
  reach?(phone: string): Promise<string | null>
}
