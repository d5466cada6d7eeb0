/**
 * The staff's own WhatsApp (STAFF_WHATSAPP), where the bot sends its notes about chats that wait
 * for a person, is not a client: when a colleague answers a note ("ok, lo veo yo"), the bot must
 * not greet them and ask for their consent. Their messages are left out of the conversation.
 */
import type { InboundSource } from '../ports/inbound-source.js'
import type { Logger } from '../ports/logger.js'
import { numberForms } from './identity.js'

/** `source` without the messages the staff's number sends (a group is never a contact anyway). */
export function withoutStaffNumber(source: InboundSource, staffWhatsApp: string | undefined, log: Logger): InboundSource {
  if (!staffWhatsApp || staffWhatsApp.includes('@')) return source
  const staff = new Set(numberForms(staffWhatsApp))
  return {
    ...source,
    onMessage(listener) {
      return source.onMessage((inbound) => {
        if (staff.has(inbound.contact) || (inbound.alias !== undefined && staff.has(inbound.alias))) {
          log.info('message.from_staff_number')
          return
        }
        listener(inbound)
      })
    },
  }
}
