/**
 * A chat shared with the business's staff: when it waits for a person, when the bot is paused in
 * it, and what the contact wrote for the staff. Pure: the engine applies these to the contact it
 * loaded and commits the result; none of it is a consent event (nothing here reaches the ledger).
 */
import type { Contact, HandOver } from './consent.js'
import type { Policy } from './policy.js'

/** Whether the bot is paused in the chat at `now`: it then answers only the contact's commands. */
export function isPaused(handover: HandOver | undefined, now: Date): boolean {
  return handover?.pausedUntil !== undefined && Date.parse(handover.pausedUntil) > now.getTime()
}

/**
 * Whether the contact gave consent to the service, every required purpose (or, in a policy with
 * none required, to one purpose at least): only then may their number and words be passed to the
 * staff outside WhatsApp.
 */
export function hasServiceConsent(contact: Contact, policy: Policy): boolean {
  const required = policy.purposes.filter((p) => p.required)
  const given = (id: string) => contact.consents[id]?.state === 'given'
  return required.length ? required.every((p) => given(p.id)) : policy.purposes.some((p) => given(p.id))
}

/** Drops what is empty, so a chat with nothing going on carries no `handover` at all. */
function tidy(handover: HandOver): HandOver | undefined {
  const kept = Object.fromEntries(Object.entries(handover).filter(([, v]) => v !== undefined)) as HandOver
  return Object.keys(kept).length ? kept : undefined
}

/**
 * The chat now waits for a person. `asked`: the contact asked for one, so the bot also pauses
 * (for the policy's pause length). `message`: the contact wrote to the team. `notify`: whether
 * the staff should be told (a chat already waiting is not told twice, unless the contact now
 * asks for a person outright). `message` is what they wrote for the staff, kept only when allowed.
 */
export function waitForStaff(
  handover: HandOver | undefined,
  reason: 'asked' | 'message',
  now: Date,
  pauseMs: number,
  message: string | undefined,
): { handover: HandOver | undefined; notify: boolean } {
  const waiting = handover?.waitingSince !== undefined
  const notify = !waiting || (reason === 'asked' && handover?.reason !== 'asked')
  const next: HandOver = {
    ...handover,
    waitingSince: waiting ? handover!.waitingSince : now.toISOString(),
    reason: reason === 'asked' || !waiting ? reason : handover!.reason,
    message: handover?.message ?? message,
    // A wait the staff must hear of (again): not told yet.
    told: notify ? undefined : handover?.told,
  }
  if (reason === 'asked') {
    const until = new Date(now.getTime() + pauseMs).toISOString()
    if (!isPaused(handover, now) || handover!.pausedUntil! < until) {
      next.pausedUntil = until
      next.pausedBy = handover && isPaused(handover, now) ? handover.pausedBy : 'asked'
    }
  }
  return { handover: tidy(next), notify }
}

/**
 * A person wrote to the contact from the business's phone: the chat is theirs. It no longer
 * waits, what the contact wrote for the staff has reached them (and is not kept), and the bot is
 * paused until `pauseMs` after this message (sent at `at`), however many came before.
 */
export function staffReplied(handover: HandOver | undefined, at: Date, pauseMs: number): HandOver {
  const until = new Date(at.getTime() + pauseMs).toISOString()
  const later = handover?.pausedUntil !== undefined && handover.pausedUntil > until
  const last =
    handover?.lastStaffReply !== undefined && handover.lastStaffReply > at.toISOString() ? handover.lastStaffReply : at.toISOString()
  return tidy({
    ...handover,
    waitingSince: undefined,
    reason: undefined,
    message: undefined,
    told: undefined,
    pausedUntil: later ? handover!.pausedUntil : until,
    pausedBy: later ? handover!.pausedBy : 'phone',
    lastStaffReply: last,
  })!
}

/** Staff paused the bot in the chat by hand (the dashboard, the command line), for the pause length from now. */
export function pausedByStaff(handover: HandOver | undefined, now: Date, pauseMs: number, by: 'dashboard' | 'cli'): HandOver {
  return tidy({ ...handover, pausedUntil: new Date(now.getTime() + pauseMs).toISOString(), pausedBy: by })!
}

/** The staff were told of the wait that began at `since` (a later wait is still to be told). */
export function told(handover: HandOver | undefined, since: string, at: Date): HandOver | undefined {
  return handover?.waitingSince === since ? { ...handover, told: at.toISOString() } : handover
}

/** Staff gave the chat back to the bot: no pause, nothing waiting; when staff last wrote is kept (it counts as handled). */
export function resumed(handover: HandOver | undefined): HandOver | undefined {
  return tidy({
    ...handover,
    pausedUntil: undefined,
    pausedBy: undefined,
    waitingSince: undefined,
    reason: undefined,
    message: undefined,
    told: undefined,
  })
}
