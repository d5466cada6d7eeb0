/**
 * BuilderBot's TestTool.TestProvider, timing every reply. Inbound messages go in with
 * `deliver()`, which calls the provider's `message` listeners exactly as `emit('message', …)`
 * does, but also hands back what each listener returned: plain BuilderBot's listener returns
 * the promise of its handling, which is the only way to know it finished without replying.
 */
import { performance } from 'node:perf_hooks'
import { TestTool } from '@builderbot/bot'
import type { LoadProvider, Reply } from './load.js'

type MessageListener = (payload: unknown) => unknown

export class TimingProvider extends TestTool.TestProvider implements LoadProvider {
  private readonly waiting = new Map<string, (reply: Reply) => void>()
  private readonly messageListeners: MessageListener[] = []
  /** Replies to a contact nobody was waiting for (e.g. after a message was declared lost). */
  stray = 0
  /** performance.now() of the latest reply to anyone. */
  lastReplyAt = 0
  /** Handlings that listeners returned as promises and that have not settled yet. */
  readonly handling = new Set<Promise<unknown>>()

  override on(eventName: string, handler: (...args: never[]) => void): void {
    if (eventName === 'message') this.messageListeners.push(handler as MessageListener)
    super.on(eventName, handler as never)
  }

  override off(eventName: string, handler: (...args: never[]) => void): void {
    if (eventName === 'message') {
      const at = this.messageListeners.indexOf(handler as MessageListener)
      if (at >= 0) this.messageListeners.splice(at, 1)
    }
    super.off(eventName, handler as never)
  }

  /** Delivers one inbound message to every `message` listener, in order, synchronously. */
  deliver(payload: { from: string; body: string; name: string; key: { id: string } }): unknown[] {
    const results = this.messageListeners.map((listener) => listener(payload))
    for (const result of results) {
      if (result instanceof Promise) {
        this.handling.add(result)
        const done = () => void this.handling.delete(result)
        result.then(done, done)
      }
    }
    return results
  }

  /** Every reply to `contact` goes to `listener` until `unwatch(contact)`. */
  watch(contact: string, listener: (reply: Reply) => void): void {
    this.waiting.set(contact, listener)
  }

  unwatch(contact: string): void {
    this.waiting.delete(contact)
  }

  override async sendMessage<K = unknown>(userId: string, message: string): Promise<K> {
    const listener = this.waiting.get(userId)
    this.lastReplyAt = performance.now()
    if (listener) listener({ at: this.lastReplyAt, text: message })
    else this.stray++
    return { userId, message } as K
  }
}
