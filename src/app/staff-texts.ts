/**
 * What the staff's WhatsApp is told when a chat waits for a person, in the business's language,
 * from the owner's texts (`staff.*` in messages.json). The contact's number and words are only
 * there when the chat carries them (service consent given): otherwise their pseudonym.
 */
import type { Language } from '../domain/language.js'
import type { WaitingChat } from '../ports/staff.js'
import type { Texts } from '../ports/texts.js'
import { isPhoneNumber } from './identity.js'

export function staffNotice(texts: Texts, language: Language): (chat: WaitingChat) => string {
  return (chat) => {
    const who =
      // A number the staff can call back; an id without one (a `…@lid`, a username's id) says nothing to them.
      chat.contact && isPhoneNumber(chat.contact)
        ? texts.render(language, 'staff.contact', { contact: chat.contact })
        : texts.render(language, 'staff.anonymous', { principal: chat.principal })
    const message = chat.message ? texts.render(language, 'staff.quote', { message: chat.message }) : ''
    return texts.render(language, chat.reason === 'asked' ? 'staff.asked' : 'staff.message', { who, message })
  }
}
