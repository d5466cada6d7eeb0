/**
 * The staff notifier the owner configured: each target (the inbox's webhook, a WhatsApp number or
 * group) is told independently, so one that is down or slow holds up no other.
 *
 * The concrete notifiers (src/adapters/staff-webhook.ts, staff-whatsapp.ts) come in `deps.targets`:
 * the app imports no adapter (.dependency-cruiser.cjs); src/main passes
 * `{ webhook: createWebhookNotifier, whatsapp: createWhatsAppNotifier }`.
 */
import type { Messenger } from '../ports/messenger.js'
import type { StaffNotifier, WaitingChat } from '../ports/staff.js'
import type { StaffConfig } from './config.js'
import type { Logger } from './logger.js'

/** Waits `ms`, or less when `signal` aborts (closing). */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>

/** How each kind of target is built: the adapters' factories fit these. */
export interface StaffTargets {
  webhook(
    target: { url: string; secret: string },
    deps: { logger: Logger; fetch?: typeof fetch; delay?: Delay; clock?: () => Date },
  ): StaffNotifier
  whatsapp(to: string, deps: { messenger: Messenger; format: (chat: WaitingChat) => string; logger: Logger; delay?: Delay }): StaffNotifier
}

export interface StaffNotifierDeps {
  messenger: Messenger
  /** The WhatsApp note's text, from the owner's locale texts. */
  format: (chat: WaitingChat) => string
  logger: Logger
  targets: StaffTargets
  fetch?: typeof fetch
  delay?: Delay
  clock?: () => Date
}

/** Undefined when no target is configured: the engine then tells no one. */
export function createStaffNotifier(settings: StaffConfig | undefined, deps: StaffNotifierDeps): StaffNotifier | undefined {
  const { messenger, format, logger, targets, ...timing } = deps
  const notifiers: StaffNotifier[] = []
  if (settings?.webhook) notifiers.push(targets.webhook(settings.webhook, { logger, ...timing }))
  if (settings?.whatsapp) {
    const { delay } = timing
    notifiers.push(targets.whatsapp(settings.whatsapp, { messenger, format, logger, ...(delay ? { delay } : {}) }))
  }
  if (notifiers.length === 0) return undefined
  return {
    async notify(chat) {
      // The port says notify never rejects; should one break that, the others are still told.
      const failed = (error: unknown) => {
        logger.error('staff.notify_failed', { error: error instanceof Error ? error.message : String(error) })
        return false
      }
      const told = await Promise.all(
        notifiers.map((notifier) => {
          try {
            return notifier.notify(chat).catch(failed)
          } catch (error) {
            return failed(error)
          }
        }),
      )
      return told.every(Boolean)
    },
    async close() {
      await Promise.allSettled(notifiers.map((notifier) => notifier.close?.()))
    },
  }
}
