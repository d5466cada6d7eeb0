/**
 * Per-contact rate limit: a token bucket per contact that holds `messages` tokens and refills
 * completely in `seconds`. A message takes a token; a contact with an empty bucket is over the
 * limit. The first message over the limit gets one polite note; the rest are dropped unanswered
 * until the contact has stayed under the rate long enough for the bucket to fill up again.
 *
 * A bucket that has filled up is the same as no bucket at all, so it is forgotten: memory holds
 * only the contacts who wrote in the last `seconds`.
 */

export interface RateLimit {
  /** How many messages a contact may send in a burst. */
  messages: number
  /** How long an empty bucket takes to fill up again. */
  seconds: number
}

/** 20 messages in a burst, then one every half second: no person typing comes near it. */
export const DEFAULT_RATE_LIMIT: RateLimit = { messages: 20, seconds: 10 }

/**
 * What to do with a message: handle it, answer it with the one note that the contact is
 * writing too fast, or drop it without a word.
 */
export type Admission = 'handle' | 'note' | 'drop'

/** A contact's flood that has ended: how many of their messages were dropped unanswered. */
export interface FloodEnded {
  contact: string
  dropped: number
}

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date (ms). */
  at: number
  /** Over the limit and already told so: the next messages over the limit are dropped. */
  noted: boolean
  dropped: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly refillPerMs: number
  private lastSweep: number

  /**
   * @param now the clock, in milliseconds (injectable for tests)
   * @param onFloodEnded told once a contact who went over the limit is back under it
   */
  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly onFloodEnded: (ended: FloodEnded) => void = () => {},
  ) {
    if (!(limit.messages >= 1) || !(limit.seconds > 0))
      throw new RangeError('a rate limit needs at least 1 message and more than 0 seconds')
    this.refillPerMs = limit.messages / (limit.seconds * 1000)
    this.lastSweep = now()
  }

  admit(contact: string): Admission {
    const now = this.now()
    this.sweep(now)
    const bucket = this.buckets.get(contact)
    if (!bucket) {
      this.buckets.set(contact, { tokens: this.limit.messages - 1, at: now, noted: false, dropped: 0 })
      return 'handle'
    }
    this.refill(contact, bucket, now)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 'handle'
    }
    if (!bucket.noted) {
      bucket.noted = true
      return 'note'
    }
    bucket.dropped += 1
    return 'drop'
  }

  /** How many contacts are remembered (those who wrote within the last window). */
  get size(): number {
    return this.buckets.size
  }

  private refill(contact: string, bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(this.limit.messages, bucket.tokens + (now - bucket.at) * this.refillPerMs)
    bucket.at = now
    if (bucket.tokens >= this.limit.messages) this.endFlood(contact, bucket)
  }

  private endFlood(contact: string, bucket: Bucket): void {
    if (bucket.noted) this.onFloodEnded({ contact, dropped: bucket.dropped })
    bucket.noted = false
    bucket.dropped = 0
  }

  /** Forgets full buckets, at most once per window, so the work stays proportional to the traffic. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.limit.seconds * 1000) return
    this.lastSweep = now
    for (const [contact, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.limit.messages) {
        this.endFlood(contact, bucket)
        this.buckets.delete(contact)
      }
    }
  }
}
