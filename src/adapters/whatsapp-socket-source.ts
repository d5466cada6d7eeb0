/**
 * Baileys' socket read by us: `messages.upsert`, `call` and `lid-mapping.update` of every socket
 * Baileys opens become an InboundSource (contacts' messages and calls, and the address links it
 * learns). BuilderBot's own handlers of these events are not installed (see whatsapp-provider.ts).
 */
import type { Logger } from '../ports/logger.js'
import type { AddressLink, Inbound, InboundSource } from '../ports/inbound-source.js'
import { readBaileysCall, readBaileysMessage, readLidMapping, type BaileysCall } from './baileys-inbound.js'
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

/**
 * Contacts' messages, calls and address links from every socket Baileys opens, for whoever
 * listens. Nothing thrown while reading one message stops the others (Baileys emits a batch),
 * nor reaches Baileys' event loop; a log line says one was lost, without its content.
 */
export function socketSource(
  log: Logger,
  numberOf: (lid: string) => Promise<string | undefined>,
): { source: InboundSource; listen(events: SocketEvents): void } {
  const messageListeners = new Set<(inbound: Inbound) => void>()
  const linkListeners = new Set<(link: AddressLink) => void>()
  const deliver = (read: () => Inbound | undefined) => {
    try {
      const inbound = read()
      if (!inbound) return false
      for (const listener of messageListeners) listener(inbound)
      return true
    } catch (error) {
      log.error('message.unreadable', { error: (error as Error)?.message ?? String(error) })
      return false
    }
  }
  return {
    source: {
      onMessage(listener) {
        messageListeners.add(listener)
        return () => void messageListeners.delete(listener)
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
        for (const message of messages) if (deliver(() => readBaileysMessage(message as never))) read += 1
        log.debug('whatsapp.messages', { type: String(upsert?.type), received: messages.length, read })
      })
      events.on('call', (calls) => {
        for (const call of Array.isArray(calls) ? calls : []) deliver(() => readBaileysCall(call as BaileysCall))
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
