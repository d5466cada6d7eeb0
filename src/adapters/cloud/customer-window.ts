/**
 * Meta's customer service window: a contact's message opens 24 hours in which the business may
 * send them free-form messages; after that only approved templates go out (messages/send-messages,
 * "Customer service windows"). The bot sends free-form text only, so it must know when each
 * contact last wrote: from the webhooks read since the start, and before that from the caller
 * (the store remembers the last message of every contact).
 */

export const WINDOW_MS = 24 * 60 * 60 * 1000

/** When the contact at `address` last wrote (ms since the epoch), as the bot's data says; undefined when unknown. */
export type LastInbound = (address: string) => Promise<number | undefined>

export class CustomerWindows {
  private readonly lastWrote = new Map<string, number>()

  constructor(
    private readonly earlier: LastInbound = async () => undefined,
    /** Contacts remembered at most (the least recently heard forgotten first; `earlier` answers for them). */
    private readonly capacity = 100_000,
  ) {}

  /** The contact at these addresses wrote at `at`. */
  heard(addresses: readonly string[], at: number): void {
    for (const address of addresses) {
      const before = this.lastWrote.get(address)
      // Re-inserting moves the contact to the end of the Map's order: the front is the least recent.
      this.lastWrote.delete(address)
      this.lastWrote.set(address, before === undefined ? at : Math.max(before, at))
      if (this.lastWrote.size > this.capacity) this.lastWrote.delete(this.lastWrote.keys().next().value!)
    }
  }

  /**
   * When the contact last wrote: what was heard since the start (every message comes through the
   * webhook first, so nothing the data holds is later), else what the bot's data says.
   */
  lastFrom(address: string): Promise<number | undefined> {
    const heard = this.lastWrote.get(address)
    return heard === undefined ? this.earlier(address) : Promise.resolve(heard)
  }
}
