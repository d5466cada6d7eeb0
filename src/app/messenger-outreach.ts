/**
 * A campaign's invitation where the provider sends business-initiated text as freely as replies
 * (a linked device, the terminal): the texts in order, the question's answers under the last
 * where the provider shows them. The Cloud API has its own (templates).
 */
import type { Messenger } from '../ports/messenger.js'
import type { Outreach } from '../ports/outreach.js'

export function messengerOutreach(messenger: Messenger): Outreach {
  return {
    async invite(contact, { texts, choices }) {
      for (const [i, text] of texts.entries()) {
        if (choices && i === texts.length - 1) await messenger.send(contact, text, choices)
        else await messenger.send(contact, text)
      }
      return []
    },
  }
}
