/**
 * Reads what the business's staff send a contact from the business's own WhatsApp (the phone, or
 * another linked device) into a `StaffMessage`, so the bot stays quiet while a person serves
 * that contact.
 *
 * How such a message reaches this linked device (node_modules/baileys/lib, 7.0.0-rc.9): the phone
 * encrypts for its own other devices a `deviceSentMessage { destinationJid, message }` (the same
 * envelope Baileys builds for ours in Socket/messages-send.js `relayMessage`, `meMsg`), and the
 * server hands it over as a `<message>` stanza whose `from` is the business's own jid and whose
 * `recipient` is the contact. Utils/decode-wa-message.js `decodeMessageNode` then sets
 * `fromMe: true` (from is `isMe`/`isMeLid`), `remoteJid` = the recipient, `addressingMode` from
 * the stanza (`extractAddressingContext`), and `decrypt()` unwraps the deviceSentMessage.
 *
 * What is not a staff message:
 * - the bot's own sends as Baileys echoes them with `emitOwnEvents` (Socket/messages-send.js
 *   `sendMessage` upserts `generateWAMessage`'s message as 'append'; Utils/messages.js
 *   `generateWAMessageFromContent` builds its key as { remoteJid, fromMe, id }, with no
 *   `addressingMode`): told by that, and by their ids (whatsapp-sent-ids.ts, checked by the
 *   socket source);
 * - reactions, edits, deletions, protocol messages and undecryptable stubs (readSaid);
 * - groups, status updates, broadcasts, channels, Meta AI, and the business's chat with itself;
 * - placeholder resends (a `requestId`, or a key not built from a stanza), as for contacts.
 */
import type { WAMessage } from 'baileys'
import type { StaffMessage } from '../ports/staff.js'
import { type Content, messageIdOf, millis, personOf, readSaid } from './baileys-inbound.js'

/** The bot's own WhatsApp account, as Baileys keeps it (`sock.user`: creds.me, with a device). */
export interface OwnAccount {
  id?: string | null
  lid?: string | null
}

const object = (value: unknown): Content | undefined => (value !== null && typeof value === 'object' ? (value as Content) : undefined)
const set = (value: unknown) => value !== null && value !== undefined

/** Whether `jid` is the business's own number or LID (any of its devices). */
function isOwn(jid: unknown, account: OwnAccount | undefined): boolean {
  const person = personOf(jid)
  if (!person) return false
  return [account?.id, account?.lid].some((own) => personOf(own)?.address === person.address)
}

/**
 * A message the business's staff sent to a contact, from Baileys' `messages.upsert`; undefined for
 * anything else. `account` is the bot's own account: without it, no alias is read (see below).
 */
export function readBaileysStaffMessage(msg: WAMessage, account?: OwnAccount): StaffMessage | undefined {
  const message = object(msg)
  const key = object(message?.key)
  if (!message || !key || key.fromMe !== true) return undefined
  // One-to-one chats only (personOf refuses groups, status@broadcast, newsletters, @bot), and not
  // the business writing to itself (its notes, and the peer messages newer Baileys mark fromMe).
  const person = personOf(key.remoteJid)
  if (!person || isOwn(key.remoteJid, account)) return undefined
  if (set(message.messageStubType) && message.messageStubType !== 0) return undefined
  if (set(message.requestId)) return undefined
  // Built from a stanza: the bot's own echoed sends have no addressingMode (see above).
  if (key.addressingMode !== 'pn' && key.addressingMode !== 'lid') return undefined
  if (!readSaid(message, key)) return undefined

  const staff: StaffMessage = { contact: person.address, messageId: messageIdOf(key.id) }
  // decodeMessageNode fills remoteJidAlt with the *sender's* other address (sender_pn /
  // sender_lid, else peer_recipient_pn / peer_recipient_lid): on a message the business sent,
  // the sender is the business, so it is the contact's only when it is not the business's own.
  const alias = personOf(key.remoteJidAlt)
  if (account && alias && alias.lid !== person.lid && !isOwn(key.remoteJidAlt, account)) staff.alias = alias.address
  const sentAt = millis(message.messageTimestamp)
  if (sentAt !== undefined) staff.sentAt = sentAt
  return staff
}
