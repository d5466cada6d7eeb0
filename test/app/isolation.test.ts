/**
 * One contact's trouble stays theirs: a reply to one contact that hangs does not hold up
 * another's; an error in one conversation is logged and answered with an apology; and nothing,
 * not even a payload the bridge cannot read, becomes an unhandled rejection (which would stop the
 * process). Messages go through the real bridge, emitted the way the Baileys provider emits them:
 * from inside an async event handler that nobody awaits.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attachBridge } from '../../src/adapters/builderbot-bridge.js'
import { createMemoryStore } from '../../src/adapters/memory-store.js'
import { startBot, type RunningBot } from '../../src/main/bot.js'
import { contactRef } from '../../src/app/logger.js'
import type { ConsentStore } from '../../src/ports/consent-store.js'
import type { Messenger } from '../../src/ports/messenger.js'
import { ES, MX, RecordingProvider, removeDir, ROOT, tempDir } from '../support/chat.js'
import { testEngine } from '../support/engine.js'

const QUESTION_ES = /¿Aceptas que usemos tus datos/
const SORRY_ES = /^Perdona, algo ha fallado por nuestra parte/

let messageCount = 0
/** As Baileys does it: `emit('message')` inside an async handler whose promise nobody awaits. */
function deliver(provider: RecordingProvider, payload: unknown): void {
  void (async () => {
    provider.emit('message', payload as never)
  })()
}
const text = (from: string, body: string) => ({ from, body, key: { id: `iso-${++messageCount}` } })

/** A messenger that records what it sends and lets a test await a reply without sleeping. */
class WatchedMessenger implements Messenger {
  readonly sent: { to: string; text: string }[] = []
  private readonly waiters: { test: (m: { to: string; text: string }) => boolean; resolve: () => void }[] = []
  /** Replaced by a test to make sending to someone slow or failing. */
  before: (to: string) => Promise<void> | void = () => {}

  async send(to: string, text: string): Promise<void> {
    await this.before(to)
    const message = { to, text }
    this.sent.push(message)
    for (const w of this.waiters.filter((w) => w.test(message))) {
      this.waiters.splice(this.waiters.indexOf(w), 1)
      w.resolve()
    }
  }

  /** Resolves once a reply matching `pattern` has been sent to `to`. */
  reply(to: string, pattern: RegExp): Promise<void> {
    if (this.sent.some((m) => m.to === to && pattern.test(m.text))) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ test: (m) => m.to === to && pattern.test(m.text), resolve }))
  }

  to(contact: string): string[] {
    return this.sent.filter((m) => m.to === contact).map((m) => m.text)
  }
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
})

/** Lets every pending promise callback run, so an unhandled rejection would have been reported. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('one contact does not hold up another', () => {
  const dirs: string[] = []
  const bots: RunningBot[] = []
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.close()
    dirs.splice(0).forEach(removeDir)
  })

  it('answers B while a reply to A hangs, and answers A once it is released', async () => {
    const dataDir = tempDir()
    dirs.push(dataDir)
    const provider = new RecordingProvider()
    const messenger = new WatchedMessenger()
    let release!: () => void
    const hung = new Promise<void>((resolve) => (release = resolve))
    messenger.before = (to) => (to === MX ? hung : undefined)
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider,
      messenger,
    })
    bots.push(bot)

    deliver(provider, text(MX, 'hola'))
    deliver(provider, text(MX, 'sí'))
    deliver(provider, text(ES, 'hola'))
    await messenger.reply(ES, QUESTION_ES)
    deliver(provider, text(ES, 'sí'))
    await messenger.reply(ES, /¿Y aceptas que usemos tus datos/)
    expect(messenger.to(MX)).toEqual([])

    release()
    await bot.settled()
    expect(messenger.to(MX).at(-1)).toMatch(/¿Y aceptas que usemos tus datos/)
    expect(unhandled).toEqual([])
  })
})

describe('an error in one conversation', () => {
  async function engineWith(store: ConsentStore, messenger: Messenger, logLines: string[]) {
    const { engine, logger } = await testEngine(store, logLines, { messenger })
    const provider = new RecordingProvider()
    const bridge = attachBridge(provider, engine, logger)
    return { engine, provider, bridge }
  }

  it('is logged and answered with an apology when the store fails for that contact; others carry on', async () => {
    const memory = createMemoryStore()
    const failing: ConsentStore = {
      ...memory,
      async load(id) {
        if (id === MX) throw new Error('EIO: i/o error, read')
        return memory.load(id)
      },
    }
    const messenger = new WatchedMessenger()
    const logs: string[] = []
    const { engine, provider } = await engineWith(failing, messenger, logs)

    deliver(provider, text(MX, 'hola'))
    deliver(provider, text(ES, 'hola'))
    await messenger.reply(MX, SORRY_ES)
    await messenger.reply(ES, QUESTION_ES)
    await engine.settled()
    await drain()

    expect(messenger.to(MX)).toEqual([expect.stringMatching(SORRY_ES)])
    const failed = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'message.failed')
    expect(failed).toEqual([expect.objectContaining({ level: 'error', contact: contactRef(MX), error: 'EIO: i/o error, read' })])
    expect(unhandled).toEqual([])
  })

  it('is answered with an apology when a reply fails to send, and the next message is handled', async () => {
    const memory = createMemoryStore()
    const messenger = new WatchedMessenger()
    let failures = 1
    messenger.before = (to) => {
      // Thrown synchronously, not as a rejected promise: the worst a messenger can do.
      if (to === MX && failures-- > 0) throw new Error('socket closed')
    }
    const logs: string[] = []
    const { engine, provider } = await engineWith(memory, messenger, logs)

    deliver(provider, text(MX, 'hola'))
    await messenger.reply(MX, SORRY_ES)
    await engine.settled()
    deliver(provider, text(MX, 'sí'))
    await engine.settled()
    await drain()

    expect(messenger.to(MX).at(-1)).toMatch(/¿Y aceptas que usemos tus datos/)
    expect(logs.some((l) => l.includes('"message.failed"') && l.includes('socket closed'))).toBe(true)
    expect(unhandled).toEqual([])
  })

  it('does not become an unhandled rejection when even the apology cannot be sent', async () => {
    const messenger = new WatchedMessenger()
    messenger.before = (to) => {
      if (to === MX) throw new Error('not connected')
    }
    const logs: string[] = []
    const { engine, provider } = await engineWith(createMemoryStore(), messenger, logs)

    deliver(provider, text(MX, 'hola'))
    deliver(provider, text(ES, 'hola'))
    await messenger.reply(ES, QUESTION_ES)
    await engine.settled()
    await drain()

    expect(logs.filter((l) => l.includes('"reply.failed"'))).toHaveLength(1)
    expect(unhandled).toEqual([])
  })
})

describe('a payload the bridge cannot read', () => {
  it('is ignored and logged, never an unhandled rejection, and the next message is answered', async () => {
    const messenger = new WatchedMessenger()
    const logs: string[] = []
    const { engine, logger } = await testEngine(createMemoryStore(), logs, { messenger })
    const provider = new RecordingProvider()
    attachBridge(provider, engine, logger)

    // A provider bug: reading the sender throws.
    const hostile = Object.defineProperty({ body: 'sí' }, 'from', {
      get() {
        throw new Error('provider exploded')
      },
    })
    deliver(provider, hostile)
    deliver(provider, null)
    await drain()
    deliver(provider, text(MX, 'hola'))
    await messenger.reply(MX, QUESTION_ES)
    await drain()

    expect(unhandled).toEqual([])
    expect(logs.some((l) => l.includes('"message.unreadable"') && l.includes('provider exploded'))).toBe(true)
  })
})
