/**
 * A BuilderBot provider that talks through a pair of streams instead of WhatsApp, so a person can
 * chat with the bot in a terminal and scripts can pipe conversations in and read replies out.
 */
import { randomBytes } from 'node:crypto'
import { createInterface, type Interface } from 'node:readline'
import { ProviderClass, utils } from '@builderbot/bot'
import { corkForTick } from './tick-writes.js'

export interface ConsoleProviderOptions {
  /** Usually `process.stdin`. */
  input: NodeJS.ReadableStream
  /** Usually `process.stdout`. */
  output: NodeJS.WritableStream
  /** The sender id every inbound line comes from, e.g. '5215512345678'. */
  from: string
  /** True when input is a TTY: shows a prompt, labels replies and skips empty lines. */
  interactive: boolean
  /** The contact's display name in payloads (default 'console'). */
  name?: string
  /** Shown before bot replies in interactive mode (default 'bot'). */
  botLabel?: string
  /**
   * Many contacts through one pipe (`npm start -- --json`): each input line is a JSON message
   * naming its sender, `{"from":"5215512345678","body":"hola"}` (optional `"name"`; a `/staff`
   * body is the staff writing to `from`), and each reply is written as `{"to":"…","text":"…"}`.
   * `from` is unused then. For scripts and load tests (the bench drives `npm start` this way).
   */
  json?: boolean
  /** Where a JSON line that is not a message is reported (by line number; usually `process.stderr`). */
  errors?: NodeJS.WritableStream
}

/** What a JSON input line must look like, shown when one does not. */
const JSON_EXAMPLE = '{"from":"5215512345678","body":"hola"}'

/** A sender's number as the terminal takes it: digits with country code, an optional leading +. */
const PHONE = /^\+?(\d{6,15})$/

const PROMPT = '> '

/** Commands that stand in for the non-text events a WhatsApp user could send. */
const EVENT_COMMANDS: ReadonlyMap<string, string> = new Map([
  ['/image', '_event_media_'],
  ['/video', '_event_media_'],
  ['/sticker', '_event_media_'],
  ['/voice', '_event_voice_note_'],
  ['/document', '_event_document_'],
  ['/location', '_event_location_'],
])

/** `/staff <text>`: the business's staff answering the console contact from the business's phone. */
const STAFF_COMMAND = '/staff'
const STAFF_USAGE = `${STAFF_COMMAND} <text> sends <text> to this contact as the business's staff would, from its phone`

/**
 * A BuilderBot provider backed by a readable and a writable stream.
 *
 * Every input line becomes one inbound `message` from `opts.from`; `/image`, `/video`, `/sticker`,
 * `/voice`, `/document` and `/location` simulate the matching media events. `/staff <text>` is the
 * business's staff writing to the contact from the business's phone: a `staff` event (same payload
 * shape, `from` being the contact it was sent to), shown as `staff: <text>` when interactive.
 * Replies are written to `opts.output`: bare lines when piped (so scripts can read them), `bot: …`
 * lines under a `> ` prompt when interactive. It never starts BuilderBot's HTTP server.
 *
 * @example
 * ```ts
 * const provider = new ConsoleProvider({
 *   input: process.stdin,
 *   output: process.stdout,
 *   from: '5215512345678',
 *   interactive: process.stdin.isTTY === true,
 * })
 * const bot = await startBot({ flowsDir, localesDir, dataDir, defaultLanguage: 'es', provider })
 * provider.listen()
 * await provider.ended // input closed (end of pipe or Ctrl-D)
 * await bot.close()     // answers what is in hand and flushes the database
 * ```
 */
export class ConsoleProvider extends ProviderClass {
  globalVendorArgs = { name: 'console', port: 0 }

  /** Resolves when the input closes (end of piped input, Ctrl-D) or `close()` is called. */
  readonly ended: Promise<void>

  private readonly opts: Required<Omit<ConsoleProviderOptions, 'errors'>> & Pick<ConsoleProviderOptions, 'errors'>
  private rl: Interface | undefined
  private closed = false
  private counter = 0
  /** Makes message ids unique across runs (a restarted bot must not take a new message for one it saw). */
  private readonly run = randomBytes(4).toString('hex')
  /** Input lines read so far (JSON mode reports a bad line by its number). */
  private lineNumber = 0
  /** Set once the output has failed (e.g. EPIPE when the reader went away); later sends reject. */
  private outputError: Error | undefined
  private resolveEnded!: () => void

  constructor(opts: ConsoleProviderOptions) {
    super()
    this.opts = { name: 'console', botLabel: 'bot', json: false, ...opts, ...(opts.json ? { interactive: false } : {}) }
    this.ended = new Promise<void>((resolve) => {
      this.resolveEnded = resolve
    })
    // Without a listener, a stream 'error' (stdout piped into a closed `head`) would crash the
    // process; remember it instead so sendMessage can reject.
    this.opts.output.on('error', (err: unknown) => {
      this.outputError ??= err instanceof Error ? err : new Error(String(err))
    })
  }

  // BuilderBot's HTTP lifecycle hooks: nothing to do, since we never start the HTTP server.
  protected beforeHttpServerInit(): void {}
  protected afterHttpServerInit(): void {}

  protected async initVendor(): Promise<void> {}

  // biome-ignore lint/complexity/noBannedTypes: the signature BuilderBot's ProviderClass declares
  protected busEvents(): Array<{ event: string; func: Function }> {
    return []
  }

  /** There is no media to download from a terminal. */
  async saveFile(): Promise<string> {
    return ''
  }

  /**
   * Begins reading input. Named `listen` rather than `start` because the base class's
   * `start(vendor, cb)` is what `initAll` calls to start the HTTP server.
   */
  listen(): void {
    if (this.rl || this.closed) return
    const { input, output, interactive } = this.opts
    const rl = createInterface({
      input,
      // readline only needs the output to draw the prompt and echo keys; piped output stays clean.
      output: interactive ? output : undefined,
      terminal: interactive,
      // A '\r\n' split across chunks still counts as one line break, however slowly it arrives.
      crlfDelay: Infinity,
      prompt: PROMPT,
    })
    this.rl = rl
    rl.on('line', (line) => this.onLine(line))
    rl.on('close', () => {
      this.closed = true
      this.resolveEnded()
    })
    if (interactive) rl.prompt()
  }

  /** Stops reading input; `ended` resolves. Replies can still be sent afterwards. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.rl) this.rl.close()
    else this.resolveEnded()
  }

  /**
   * Writes a reply. Resolves once the output has taken the text; rejects (never throws) when the
   * output is closed or fails.
   */
  sendMessage<K = any>(userId: string, message: any): Promise<K> {
    const text = Array.isArray(message) ? message.join('\n') : String(message ?? '')
    const chunk = this.opts.json
      ? `${JSON.stringify({ to: userId, text })}\n`
      : this.opts.interactive
        ? this.labelled(this.opts.botLabel, text)
        : `${text}\n`
    return this.write(chunk).then(() => ({ userId, message }) as K)
  }

  /**
   * Writes a chunk (a reply, or what the person typed shown back); resolves once the output has
   * taken it, rejects (never throws) when the output is closed or fails.
   */
  private write(chunk: string): Promise<void> {
    const { output, interactive } = this.opts
    return new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)))
      if (this.outputError) return fail(this.outputError)
      // Writing to an ended stream would emit 'error' asynchronously instead of failing here.
      const state = output as { writable?: boolean; destroyed?: boolean; writableEnded?: boolean }
      if (state.writable === false || state.destroyed === true || state.writableEnded === true) {
        return fail(new Error('console output is closed'))
      }
      try {
        // Many contacts' replies in one tick go out in one write (a system call each would cost more than the reply).
        if (this.opts.json) corkForTick(output)
        output.write(chunk, (err?: Error | null) => {
          if (err) return fail(err)
          // Put the prompt back under the reply, keeping whatever the person had typed.
          if (interactive && this.rl && !this.closed) this.rl.prompt(true)
          resolve()
        })
      } catch (err) {
        fail(err)
      }
    })
  }

  /**
   * A labelled line for the interactive transcript. The '> ' prompt (and any half-typed input) is
   * erased first, so the line starts clean; only on a real terminal, to keep escape codes out of files.
   */
  private labelled(label: string, text: string): string {
    const erase = (this.opts.output as { isTTY?: boolean }).isTTY ? '\r\x1b[2K' : ''
    return `${erase}${label}: ${text}\n`
  }

  /**
   * `/staff <text>`: emitted as `staff`; shown back as `staff: <text>` when interactive, so the
   * transcript reads as the chat would on the phone. Piped output holds only the bot's replies.
   */
  private onStaffLine(line: string): void {
    const { interactive, from, name } = this.opts
    const body = line.slice(STAFF_COMMAND.length).trim()
    if (body === '') {
      if (interactive) void this.write(this.labelled('usage', STAFF_USAGE)).catch(() => {})
      return
    }
    this.counter += 1
    const id = `console-${this.counter}-${this.run}`
    if (interactive) void this.write(this.labelled('staff', body)).catch(() => {})
    this.emit('staff', { from, name, body, key: { id } })
  }

  private onLine(raw: string): void {
    // Lines already buffered when close() was called are dropped: the person asked to stop.
    if (this.closed) return
    this.lineNumber += 1
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (this.opts.json) return this.onJsonLine(line)
    const { interactive, from, name } = this.opts
    if (interactive && line === '') {
      this.rl?.prompt()
      return
    }
    // What is shown back puts the prompt back under it once written.
    if (line === STAFF_COMMAND || line.startsWith(`${STAFF_COMMAND} `)) return this.onStaffLine(line)
    const event = EVENT_COMMANDS.get(line)
    const body = event === undefined ? line : utils.generateRefProvider(event)
    this.counter += 1
    const id = `console-${this.counter}-${this.run}`
    this.emit('message', { from, name, body, key: { id } })
    // Show the prompt straight away: the bot may not answer, and a reply erases and redraws it.
    if (interactive) this.rl?.prompt()
  }

  /** One JSON message of many contacts' pipe; a line that is not one is reported (never its text) and skipped. */
  private onJsonLine(line: string): void {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return this.reject('is not JSON')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.reject('is not a JSON object')
    const { from: sender, body: text, name } = value as Record<string, unknown>
    if (typeof sender !== 'string' || !PHONE.test(sender.trim()))
      return this.reject('needs "from": the sender\'s phone number with country code, digits only')
    if (typeof text !== 'string') return this.reject('needs "body": the message\'s text')
    if (name !== undefined && typeof name !== 'string') return this.reject('has a "name" that is not text')
    const from = PHONE.exec(sender.trim())![1]!
    const payload = { from, name: name ?? this.opts.name }
    this.counter += 1
    const id = `console-${this.counter}-${this.run}`
    if (text === STAFF_COMMAND || text.startsWith(`${STAFF_COMMAND} `)) {
      const staffText = text.slice(STAFF_COMMAND.length).trim()
      if (staffText === '') return this.reject(`has an empty staff message (${STAFF_USAGE})`)
      this.emit('staff', { ...payload, body: staffText, key: { id } })
      return
    }
    const event = EVENT_COMMANDS.get(text)
    this.emit('message', { ...payload, body: event === undefined ? text : utils.generateRefProvider(event), key: { id } })
  }

  /** Tells where a JSON line went wrong: its number and what it lacks, never what it says (it may be personal). */
  private reject(problem: string): void {
    this.opts.errors?.write(`console --json: input line ${this.lineNumber} ${problem}; skipped (each line is like ${JSON_EXAMPLE})\n`)
  }
}
