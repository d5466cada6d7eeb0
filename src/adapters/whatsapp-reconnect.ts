/**
 * Reconnecting to WhatsApp is ours, not Baileys': its own loop gives up after 10 attempts, and on
 * a logged-out session empties the session folder and starts over with a new QR code nobody may
 * be watching. Here every disconnect is retried with capped exponential backoff, forever; a
 * logged-out session tells the owner what to do and resolves `loggedOut` (the CLI then exits
 * non-zero instead of looping).
 */
import type { Logger } from '../ports/logger.js'

export interface ConnectionUpdate {
  connection?: 'open' | 'connecting' | 'close'
  lastDisconnect?: { error?: { output?: { statusCode?: number } } }
}

/** Baileys' DisconnectReason codes, named in our log lines. */
const DISCONNECT_REASONS: Record<number, string> = {
  401: 'loggedOut',
  403: 'forbidden',
  408: 'connectionLost',
  411: 'multideviceMismatch',
  428: 'connectionClosed',
  440: 'connectionReplaced',
  500: 'badSession',
  503: 'unavailableService',
  515: 'restartRequired',
}
const LOGGED_OUT = 401

export interface Backoff {
  /** Wait before the first reconnection attempt; each further one waits twice as long… */
  firstMs: number
  /** …up to this. */
  maxMs: number
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 60_000 }

const timer = (task: () => void, ms: number) => {
  const id = setTimeout(task, ms)
  return () => clearTimeout(id)
}

export interface ReconnectOptions {
  /** Opens a socket (BuilderBot's initVendor); a failure is retried. */
  open(): Promise<void>
  log: Logger
  backoff?: Backoff
  /** Runs `task` after `ms`; returns a cancel function (a timer; injectable for tests). */
  schedule?: (task: () => void, ms: number) => () => void
  /** The session folder, named in what the owner reads when logged out. */
  sessionDir: string
}

export interface Reconnector {
  /** Tries `open` again after the next wait (`status`: why the last socket closed, if known). */
  retry(status: number | undefined): void
  /** Hears every socket's `connection.update`: an open one resets the wait, a closed one is retried. */
  onConnection(update: ConnectionUpdate): void
  /** Resolves, with what to tell the owner, when WhatsApp has logged the bot out: it will not reconnect. */
  loggedOut: Promise<string>
  /** Stops reconnecting. */
  stop(): void
}

export function reconnector({ open, log, sessionDir, ...options }: ReconnectOptions): Reconnector {
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const schedule = options.schedule ?? timer
  let attempts = 0
  let cancelRetry: (() => void) | undefined
  let stopped = false
  let reportLoggedOut!: (message: string) => void
  const loggedOut = new Promise<string>((resolve) => (reportLoggedOut = resolve))

  const retry = (status: number | undefined) => {
    if (stopped || cancelRetry) return
    attempts += 1
    const delayMs = Math.min(backoff.firstMs * 2 ** (attempts - 1), backoff.maxMs)
    log.warn('whatsapp.reconnecting', {
      attempt: attempts,
      delayMs,
      status: status ?? null,
      reason: (status && DISCONNECT_REASONS[status]) ?? 'unknown',
    })
    cancelRetry = schedule(() => {
      cancelRetry = undefined
      if (!stopped)
        void open().catch((error: unknown) => {
          log.error('whatsapp.connect_failed', { attempt: attempts, error: (error as Error)?.message ?? String(error) })
          retry(undefined)
        })
    }, delayMs)
  }
  const onConnection = (update: ConnectionUpdate) => {
    if (update.connection === 'open') attempts = 0
    if (update.connection !== 'close' || stopped) return
    const status = update.lastDisconnect?.error?.output?.statusCode
    if (status === LOGGED_OUT) {
      stopped = true
      cancelRetry?.()
      log.error('whatsapp.logged_out', { status })
      reportLoggedOut(loggedOutMessage(sessionDir))
      return
    }
    retry(status)
  }

  return {
    retry,
    onConnection,
    loggedOut,
    stop() {
      stopped = true
      cancelRetry?.()
    },
  }
}

/** What the owner reads when WhatsApp has logged the bot out. */
function loggedOutMessage(sessionDir: string): string {
  return [
    'WhatsApp has logged this bot out: the phone unlinked it (Linked devices → Log out), or the session expired.',
    'The saved session can no longer be used, and the bot has stopped. To link it again:',
    `  1. Delete the folder ${sessionDir} (if it is still there).`,
    '  2. Start the bot again and scan the new QR code with WhatsApp (Settings → Linked devices → Link a device),',
    "     or start it with --pairing-code <the bot's number> to link it with a code instead.",
    'Consents, channels and conversations are kept: only the link to WhatsApp was lost.',
  ].join('\n')
}
