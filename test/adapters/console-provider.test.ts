import { PassThrough, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { attachSource, builderbotSource } from '../../src/adapters/builderbot-bridge.js'
import { ConsoleProvider, type ConsoleProviderOptions } from '../../src/adapters/console-provider.js'
import type { StaffMessage } from '../../src/ports/staff.js'

const FROM = '5215512345678'

interface Inbound {
  from: string
  name: string
  body: string
  key: { id: string }
}

function setup(overrides: Partial<ConsoleProviderOptions> = {}) {
  const input = new PassThrough()
  const output = new PassThrough()
  output.setEncoding('utf8')
  const provider = new ConsoleProvider({ input, output, from: FROM, interactive: false, ...overrides })
  const messages: Inbound[] = []
  provider.on('message', (msg) => {
    messages.push(msg as Inbound)
  })
  /** Everything written to output since the last call (the write callback has fired by then). */
  const drain = (): string => {
    let text = ''
    let chunk: string | null
    while ((chunk = output.read() as string | null) !== null) text += chunk
    return text
  }
  return { input, output, provider, messages, drain }
}

/** Resolves with the next 'message' the provider emits. */
function nextMessage(provider: ConsoleProvider): Promise<Inbound> {
  return new Promise((resolve) => {
    const handler = (msg: unknown) => {
      provider.off('message', handler)
      resolve(msg as Inbound)
    }
    provider.on('message', handler)
  })
}

describe('ConsoleProvider, piped', () => {
  it('emits one message per line, in order, with unique ids', async () => {
    const { input, provider, messages } = setup()
    provider.listen()
    input.end('hola\nsí, acepto\n\n  con espacios  \nsin salto final')
    await provider.ended

    expect(messages.map((m) => m.body)).toEqual(['hola', 'sí, acepto', '', '  con espacios  ', 'sin salto final'])
    for (const m of messages) {
      expect(m.from).toBe(FROM)
      expect(m.name).toBe('console')
      expect(m.key.id).toMatch(/^console-\d+-\w+$/)
    }
    expect(new Set(messages.map((m) => m.key.id)).size).toBe(messages.length)
  })

  it('uses the configured contact name', async () => {
    const { input, provider, messages } = setup({ name: 'Ana' })
    provider.listen()
    input.end('hola\n')
    await provider.ended
    expect(messages[0]?.name).toBe('Ana')
  })

  it('turns event commands into BuilderBot event markers', async () => {
    const { input, provider, messages } = setup()
    provider.listen()
    input.end('/image\n/video\n/sticker\n/voice\n/document\n/location\n/image please\ntoString\n')
    await provider.ended

    const bodies = messages.map((m) => m.body)
    expect(bodies[0]).toMatch(/^_event_media__[0-9a-f-]{36}$/)
    expect(bodies[1]).toMatch(/^_event_media__/)
    expect(bodies[2]).toMatch(/^_event_media__/)
    expect(bodies[3]).toMatch(/^_event_voice_note__/)
    expect(bodies[4]).toMatch(/^_event_document__/)
    expect(bodies[5]).toMatch(/^_event_location__/)
    // Only exact commands are events; anything else is text.
    expect(bodies.slice(6)).toEqual(['/image please', 'toString'])
    expect(bodies[0]).not.toBe(bodies[1])
  })

  it('strips the carriage return of CRLF input, even when split across chunks', async () => {
    const { input, provider, messages } = setup()
    provider.listen()
    input.write('uno\r\ndos\r')
    input.end('\ntres\r\n')
    await provider.ended
    expect(messages.map((m) => m.body)).toEqual(['uno', 'dos', 'tres'])
  })

  it('writes exactly the reply text and a newline', async () => {
    const { provider, drain } = setup()
    provider.listen()
    await provider.sendMessage(FROM, 'Hola, ¿aceptas?')
    expect(drain()).toBe('Hola, ¿aceptas?\n')
    await provider.sendMessage(FROM, 'otra')
    expect(drain()).toBe('otra\n')
  })

  it('--json: each line names its sender; replies name their contact; a line that is not a message is told by number, never by content', async () => {
    const errors = new PassThrough()
    errors.setEncoding('utf8')
    const { input, provider, messages, drain } = setup({ json: true, errors })
    const staff: unknown[] = []
    provider.on('staff', (message) => staff.push(message))
    provider.listen()
    input.end(
      [
        '{"from":"+34612345678","body":"hola","name":"Ana"}',
        '',
        'secreto 5215500000000',
        '[1]',
        '{"from":"12","body":"x"}',
        '{"from":"5215511111111"}',
        '{"from":"5215511111111","body":"/image"}',
        '{"from":"5215511111111","body":"sí","name":7}',
        '{"from":"5215511111111","body":"/staff Hola, soy Marta"}',
      ].join('\n'),
    )
    await provider.ended
    expect(messages.map(({ from, name, body }) => ({ from, name, body }))).toEqual([
      { from: '34612345678', name: 'Ana', body: 'hola' },
      { from: '5215511111111', name: 'console', body: expect.stringMatching(/^_event_media_/) },
    ])
    expect(staff).toMatchObject([{ from: '5215511111111', body: 'Hola, soy Marta' }])
    const told = (errors.read() as string).trimEnd().split('\n')
    expect(told.map((line) => line.replace(/; skipped.*$/, ''))).toEqual([
      'console --json: input line 3 is not JSON',
      'console --json: input line 4 is not a JSON object',
      'console --json: input line 5 needs "from": the sender\'s phone number with country code, digits only',
      'console --json: input line 6 needs "body": the message\'s text',
      'console --json: input line 8 has a "name" that is not text',
    ])
    expect(told.join('\n')).not.toContain('5215500000000')
    await provider.sendMessage('34612345678', 'Hola,\n¿aceptas?')
    expect(JSON.parse(drain())).toEqual({ to: '34612345678', text: 'Hola,\n¿aceptas?' })
  })

  it('resolves ended only after the input ends', async () => {
    const { input, provider } = setup()
    let ended = false
    void provider.ended.then(() => {
      ended = true
    })
    provider.listen()
    const first = nextMessage(provider)
    input.write('hola\n')
    expect((await first).body).toBe('hola')
    expect(ended).toBe(false)

    input.end()
    await provider.ended
    expect(ended).toBe(true)
  })

  it('can still reply after the input has ended', async () => {
    const { input, provider, drain } = setup()
    provider.listen()
    input.end('hola\n')
    await provider.ended
    await provider.sendMessage(FROM, 'adiós')
    expect(drain()).toBe('adiós\n')
  })

  it('rejects instead of throwing when the output is closed', async () => {
    const { output, provider } = setup()
    output.end()
    await expect(provider.sendMessage(FROM, 'hola')).rejects.toThrow(Error)

    const other = setup()
    other.output.destroy()
    await expect(other.provider.sendMessage(FROM, 'hola')).rejects.toThrow(Error)
  })

  it('rejects when the output fails, and keeps rejecting (e.g. EPIPE)', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('EPIPE'))
      },
    })
    const provider = new ConsoleProvider({ input: new PassThrough(), output: broken, from: FROM, interactive: false })
    await expect(provider.sendMessage(FROM, 'hola')).rejects.toThrow('EPIPE')
    await expect(provider.sendMessage(FROM, 'otra')).rejects.toThrow(Error)
  })

  it('close() is idempotent, resolves ended and stops reading', async () => {
    const { input, provider, messages } = setup()
    provider.listen()
    provider.close()
    provider.close()
    await provider.ended
    input.write('ignored\n')
    expect(messages).toEqual([])
  })
})

describe('ConsoleProvider, interactive', () => {
  it('shows a prompt and skips empty lines', async () => {
    const { input, provider, messages, drain } = setup({ interactive: true })
    provider.listen()
    expect(drain()).toContain('> ')

    input.write('\n')
    const first = nextMessage(provider)
    input.write('hola\n')
    expect((await first).body).toBe('hola')
    input.end()
    await provider.ended
    expect(messages.map((m) => m.body)).toEqual(['hola'])
  })

  it('labels replies and re-shows the prompt', async () => {
    const { provider, drain } = setup({ interactive: true })
    provider.listen()
    drain()
    await provider.sendMessage(FROM, 'Hola, ¿aceptas?')
    const written = drain()
    expect(written.startsWith('bot: Hola, ¿aceptas?\n')).toBe(true)
    expect(written.slice('bot: Hola, ¿aceptas?\n'.length)).toContain('> ')
    provider.close()
  })

  it('uses a custom bot label', async () => {
    const { provider, drain } = setup({ interactive: true, botLabel: 'Consent' })
    provider.listen()
    drain()
    await provider.sendMessage(FROM, 'hola')
    expect(drain()).toMatch(/^Consent: hola\n/)
    provider.close()
  })
})

describe('ConsoleProvider, the staff writing from the business phone (/staff)', () => {
  /** Resolves with the next `staff` event the provider emits. */
  const nextStaff = (provider: ConsoleProvider) =>
    new Promise<void>((resolve) => {
      const handler = () => {
        provider.off('staff' as never, handler as never)
        resolve()
      }
      provider.on('staff' as never, handler as never)
    })
  /** Collects the provider's `staff` events. */
  const staffOf = (provider: ConsoleProvider) => {
    const staff: Inbound[] = []
    provider.on('staff' as never, ((payload: Inbound) => staff.push(payload)) as never)
    return staff
  }

  it('emits `/staff <text>` as a staff event to the contact, and writes nothing when piped', async () => {
    const { input, provider, messages, drain } = setup()
    const staff = staffOf(provider)
    provider.listen()
    input.end('hola\n/staff Hola, soy Luis: te atiendo yo\n/staff\n/staffing\n')
    await provider.ended
    expect(staff).toEqual([
      { from: FROM, name: 'console', body: 'Hola, soy Luis: te atiendo yo', key: { id: expect.stringMatching(/^console-\d+-\w+$/) } },
    ])
    // `/staff` alone is not a message from anyone; another word starting the same way is the contact's.
    expect(messages.map((m) => m.body)).toEqual(['hola', '/staffing'])
    expect(new Set([...messages, ...staff].map((m) => m.key.id)).size).toBe(3)
    expect(drain()).toBe('')
  })

  it('shows `/staff <text>` back as the staff line, and tells how to use `/staff` alone', async () => {
    const { input, provider, messages, drain } = setup({ interactive: true })
    const staff = staffOf(provider)
    provider.listen()
    drain()
    const emitted = nextStaff(provider)
    input.write('/staff Te llamo ahora\n')
    await emitted
    // Shown back once the output has taken it (the write's callback redraws the prompt).
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(staff.map((s) => s.body)).toEqual(['Te llamo ahora'])
    // After readline's echo of what was typed: the staff line, and the prompt under it.
    expect(drain()).toMatch(/\nstaff: Te llamo ahora\n[^\n]*> [^\n]*$/)

    input.write('/staff   \n')
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(drain()).toMatch(
      /\nusage: \/staff <text> sends <text> to this contact as the business's staff would, from its phone\n[^\n]*> [^\n]*$/,
    )
    expect(staff).toHaveLength(1)
    expect(messages).toEqual([])
    provider.close()
  })

  it("reaches the engine's staffReplied through the bridge, until detached", async () => {
    const { input, provider } = setup()
    const replied: StaffMessage[] = []
    const handled: string[] = []
    const bridge = attachSource(builderbotSource(provider), {
      handle: async (inbound) => void handled.push(inbound.text ?? ''),
      staffReplied: async (message) => void replied.push(message),
    })
    provider.listen()
    const first = nextStaff(provider)
    input.write('hola\n/staff Soy Luis\n')
    await first
    bridge.detach()
    input.end('/staff otra vez\n')
    await provider.ended
    expect(replied).toEqual([{ contact: FROM, messageId: expect.stringMatching(/^console-\d+-\w+$/) }])
    expect(handled).toEqual(['hola'])
  })
})
