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
 * Why the provider will not carry a message now, for a reason that retrying soon will not change:
 * - `outside-window`: the Cloud API, more than 24 hours since the recipient last wrote (free text
 *   may not be sent there; only an approved template);
 * - `no-template`: the Cloud API, a business-initiated message with no approved template named
 *   for the recipient's language (policy.yaml `campaign.templates`);
 * - `rate-limited`, `spam-limit`, `marketing-limit`, `pair-limit`: Meta's throughput (130429), spam
 *   (131048), marketing-message (131049) and per-recipient (131056) limits, after the client's own
 *   retries: going on would hurt the number's standing;
 * - `disconnected`, `logged-out`: the linked device (Baileys) has no connection, or was unlinked.
 */
export type NotSentReason =
  | 'outside-window'
  | 'no-template'
  | 'rate-limited'
  | 'spam-limit'
  | 'marketing-limit'
  | 'pair-limit'
  | 'disconnected'
  | 'logged-out'

/**
 * The provider will not carry this message now (see NotSentReason). Nothing was sent; the
 * caller decides what that means (a reply: logged; a note to the staff: told again later; a
 * campaign: it stops, saying why and how to resume).
 */
export class NotSent extends Error {
  override name = 'NotSent'
  constructor(
    readonly reason: NotSentReason,
    /** The provider's own error code, where it gave one (Meta's 131049…). */
    readonly code?: number,
  ) {
    super(`not sent: ${reason}${code !== undefined ? ` (${code})` : ''}`)
  }
}
