/**
 * Baileys' socket read by us: `messages.upsert`, `call` and `lid-mapping.update` of every socket
 * Baileys opens become an InboundSource (contacts' messages and calls, what the business's staff
 * send from its own WhatsApp, and the address links it learns). BuilderBot's own handlers of these
 * events are not installed (see whatsapp-provider.ts).
 */
import type { Logger } from '../ports/logger.js'
import type { AddressLink, Inbound, InboundSource } from '../ports/inbound-source.js'
import type { StaffMessage } from '../ports/staff.js'
import { readBaileysCall, readBaileysMessage, readLidMapping, type BaileysCall } from './baileys-inbound.js'
import { type OwnAccount, readBaileysStaffMessage } from './baileys-staff.js'
import type { ConnectionUpdate } from './whatsapp-reconnect.js'

/** Baileys' socket events (its `sock.ev`), as far as the wrapper listens to them. */
export interface SocketEvents {
  on(event: 'connection.update', listener: (update: ConnectionUpdate) => void): void
  on(event: 'messages.upsert', listener: (upsert: { messages?: unknown; type?: unknown; requestId?: unknown }) => void): void
  on(event: 'call', listener: (calls: unknown) => void): void
  on(event: 'lid-mapping.update', listener: (mapping: unknown) => void): void
}

/** BuilderBot's handlers of these socket events are not installed: the wrapper reads them itself. */
export const EVENTS_READ_HERE = new Set<string | number | symbol>(['messages.upsert', 'messages.update', 'call'])

/** What tells the staff's messages from the bot's own (see baileys-staff.ts). */
export interface StaffReading {
  /** Whether the bot sent the message with this id (whatsapp-sent-ids.ts). */
  isBotMessageId(id: unknown): boolean
  /** The bot's own account, once connected (Baileys' `sock.user`). */
  account(): OwnAccount | undefined
}

/**
 * Contacts' messages, calls, the staff's messages and address links from every socket Baileys
 * opens, for whoever listens. Nothing thrown while reading one message stops the others (Baileys
 * emits a batch), nor reaches Baileys' event loop; a log line says one was lost, without its content.
 */
export function socketSource(
  log: Logger,
  numberOf: (lid: string) => Promise<string | undefined>,
  staff: StaffReading,
): { source: InboundSource; listen(events: SocketEvents): void } {
  const messageListeners = new Set<(inbound: Inbound) => void>()
  const staffListeners = new Set<(message: StaffMessage) => void>()
  const linkListeners = new Set<(link: AddressLink) => void>()
  const deliver = <T>(read: () => T | undefined, listeners: Set<(value: T) => void>) => {
    try {
      const value = read()
      if (value === undefined) return false
      for (const listener of listeners) listener(value)
      return true
    } catch (error) {
      log.error('message.unreadable', { error: (error as Error)?.message ?? String(error) })
      return false
    }
  }
  /** A message the staff sent, unless it is one of the bot's own. */
  const staffMessage = (message: unknown) => {
    const read = readBaileysStaffMessage(message as never, staff.account())
    return read && !staff.isBotMessageId(read.messageId) ? read : undefined
  }
  return {
    source: {
      onMessage(listener) {
        messageListeners.add(listener)
        return () => void messageListeners.delete(listener)
      },
      onStaffMessage(listener) {
        staffListeners.add(listener)
        return () => void staffListeners.delete(listener)
      },
      onLink(listener) {
        linkListeners.add(listener)
        return () => void linkListeners.delete(listener)
      },
      numberOf,
    },
    listen(events) {
      events.on('messages.upsert', (upsert) => {
        // A placeholder resend (the phone sending again a message hidden from linked devices)
        // carries a requestId: Baileys before 7.0.0-rc12 (BuilderBot pins rc.9) lets anyone forge
        // one with any sender and text (GHSA-qvv5-jq5g-4cgg), and a forged "sí" must never become
        // someone's consent. readBaileysMessage also tells it by its key.
        if (upsert?.requestId !== undefined && upsert?.requestId !== null) {
          log.warn('whatsapp.resend_ignored', { messages: Array.isArray(upsert.messages) ? upsert.messages.length : 0 })
          return
        }
        const messages: unknown[] = Array.isArray(upsert?.messages) ? upsert.messages : []
        let read = 0
        for (const message of messages) {
          if (deliver(() => readBaileysMessage(message as never), messageListeners)) read += 1
          else if (deliver(() => staffMessage(message), staffListeners)) log.debug('whatsapp.staff_message', { type: String(upsert?.type) })
        }
        log.debug('whatsapp.messages', { type: String(upsert?.type), received: messages.length, read })
      })
      events.on('call', (calls) => {
        for (const call of Array.isArray(calls) ? calls : []) deliver(() => readBaileysCall(call as BaileysCall), messageListeners)
      })
      events.on('lid-mapping.update', (mapping) => {
        try {
          const link = readLidMapping(mapping)
          if (link) for (const listener of linkListeners) listener(link)
        } catch (error) {
          log.error('link.unreadable', { error: (error as Error)?.message ?? String(error) })
        }
      })
    },
  }
}
