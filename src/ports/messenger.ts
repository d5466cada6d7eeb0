/**
 * Sends to a contact on the channel the message came from. A provider that can show tappable
 * answers (the Cloud API's reply buttons and list messages) shows `choices` under the text; one
 * that cannot (Baileys, the terminal) sends the text alone, which names the answers in words.
 */
export interface Messenger {
  /** Resolves once sent, or once the provider has said why it is not (logged by the adapter). */
  send(contact: string, text: string, choices?: Choices): Promise<void>
}

/** One tappable answer: `id` comes back as `Inbound.choice` when tapped; `title` is what the contact sees. */
export interface Choice {
  id: string
  title: string
  description?: string
}

/**
 * The answers of the question the text asks: up to 3 as buttons, up to 10 as a list opened by a
 * button labelled `button`. The ids encode the question they answer (app/reply-choices.ts).
 */
export type Choices = { kind: 'buttons'; options: Choice[] } | { kind: 'list'; button: string; options: Choice[] }

/**
 * The provider will not carry this message now, for a reason that retrying soon will not change:
 * the Cloud API outside the 24-hour window since the recipient last wrote (free text may not be
 * sent there; only an approved template). Nothing was sent; the caller decides what that means
 * (a reply: logged; a note to the staff: not told, told again later).
 */
export class NotSent extends Error {
  override name = 'NotSent'
  constructor(readonly reason: 'outside-window') {
    super(`not sent: ${reason}`)
  }
}
