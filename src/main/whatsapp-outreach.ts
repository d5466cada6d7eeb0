/**
 * A campaign's invitations on a linked device: the texts through the WhatsApp wrapper's
 * messenger, and WhatsApp asked first whether a new client's number has an account (and in which
 * form WhatsApp writes it). `npm start -- --provider whatsapp` wires it; the tests' bots too.
 */
import type { WhatsApp } from '../adapters/whatsapp-provider.js'
import { messengerOutreach } from '../app/messenger-outreach.js'
import type { Outreach } from '../ports/outreach.js'

export function whatsappOutreach(whatsapp: Pick<WhatsApp, 'messenger' | 'reach'>): Outreach {
  return { ...messengerOutreach(whatsapp.messenger), reach: (phone) => whatsapp.reach(phone) }
}
