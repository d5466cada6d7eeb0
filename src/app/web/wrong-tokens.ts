/**
 * The admin pages' defence against guessing: wrong tokens are counted per client address, and
 * past a few each one costs a wait before the next is checked.
 */
import type { IncomingMessage } from 'node:http'

export interface WrongTokenOptions {
  now?: () => number
  /** Wrong tokens an address may send in a row without waiting (default 5: an owner mistyping). */
  free?: number
  /** The first wait, doubled at each wrong token after it (default 1 s)… */
  firstWaitMs?: number
  /** …up to this (default 60 s). */
  maxWaitMs?: number
}

/** An address is forgotten this long after its last wait ends; at most this many are remembered. */
const FORGET_AFTER_MS = 15 * 60_000
const MAX_ADDRESSES = 10_000

/**
 * Wrong admin tokens per client address. Once an address has sent `free` wrong tokens, each
 * further one makes it wait (1 s, 2 s, 4 s… up to a minute) before its next token is even
 * checked: a try during the wait is answered 429 at once, right token or not, so trying tokens
 * in parallel gains nothing. A right token clears the address's count. About one guess a minute
 * is left to an attacker: a 32-character random token is out of reach.
 */
export class WrongTokens {
  private readonly byAddress = new Map<string, { wrong: number; until: number }>()
  private readonly now: () => number
  private readonly free: number
  private readonly firstWaitMs: number
  private readonly maxWaitMs: number

  constructor(options: WrongTokenOptions = {}) {
    this.now = options.now ?? (() => performance.now())
    this.free = options.free ?? 5
    this.firstWaitMs = options.firstWaitMs ?? 1000
    this.maxWaitMs = options.maxWaitMs ?? 60_000
  }

  /** Milliseconds this address must still wait before a token of its is checked; 0: check it now. */
  waitFor(address: string): number {
    const entry = this.byAddress.get(address)
    return entry ? Math.max(0, entry.until - this.now()) : 0
  }

  failed(address: string): void {
    const now = this.now()
    const entry = this.byAddress.get(address) ?? { wrong: 0, until: now }
    entry.wrong++
    // The `free`th wrong token is the last answered at once: from there on, each starts a wait.
    const over = entry.wrong - this.free + 1
    entry.until = over > 0 ? now + Math.min(this.maxWaitMs, this.firstWaitMs * 2 ** Math.min(over - 1, 30)) : now
    this.byAddress.delete(address) // re-inserted last: the map stays in order of last failure
    this.byAddress.set(address, entry)
    if (this.byAddress.size > MAX_ADDRESSES) this.forget(now)
  }

  succeeded(address: string): void {
    this.byAddress.delete(address)
  }

  private forget(now: number): void {
    for (const [address, entry] of this.byAddress) {
      if (this.byAddress.size <= MAX_ADDRESSES / 2) break
      // Oldest first; an address still waiting is kept unless the map is full of them.
      if (entry.until + FORGET_AFTER_MS < now || this.byAddress.size > MAX_ADDRESSES) this.byAddress.delete(address)
    }
  }
}

/** The client's address, an IPv4 one as such even when it arrives mapped into IPv6. */
export function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown'
  return address.startsWith('::ffff:') ? address.slice(7) : address
}
