/**
 * The staff's own WhatsApp (STAFF_WHATSAPP), where the bot sends its notes about chats that wait
 * for a person, is not a client: when a colleague answers a note ("ok, lo veo yo"), the bot must
 * not greet them and ask for their consent. Their messages are left out of the conversation.
 */
import type { InboundSource } from '../ports/inbound-source.js'
import type { Logger } from '../ports/logger.js'

/** The forms one WhatsApp number takes: Mexican mobiles are also written with a 1 after 52 (521…). */
function variants(digits: string): string[] {
  if (digits.startsWith('521') && digits.length === 13) return [digits, `52${digits.slice(3)}`]
  if (digits.startsWith('52') && digits.length === 12) return [digits, `521${digits.slice(2)}`]
  return [digits]
}

/** `source` without the messages the staff's number sends (a group is never a contact anyway). */
export function withoutStaffNumber(source: InboundSource, staffWhatsApp: string | undefined, log: Logger): InboundSource {
  if (!staffWhatsApp || staffWhatsApp.includes('@')) return source
  const staff = new Set(variants(staffWhatsApp))
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
