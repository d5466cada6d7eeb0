/**
 * Reads one message as Baileys hands it over on its socket (`messages.upsert`) into an `Inbound`,
 * the way the contact on the phone meant it, or into nothing when the bot must not answer.
 *
 * Baileys builds each message in lib/Utils/decode-wa-message.js (`decryptMessageNode`: the key
 * from the stanza's attributes, `.message` = `proto.Message.decode(...)`) and tidies it in
 * lib/Utils/process-message.js (`cleanMessage`). `.message` is a protobufjs instance: a field
 * that is absent reads `null` through the prototype, never `undefined`, so every test here is
 * "is it set" (`!= null`), never `!== undefined`. Nothing in the message is trusted: any field
 * may be missing or of another type.
 */
import { randomUUID } from 'node:crypto'
import { jidDecode, type WAMessage } from 'baileys'
import type { Inbound } from '../ports/inbound-source.js'

/** A message's content, seen field by field (a protobufjs `proto.Message`, or a plain object). */
export type Content = Record<string, unknown>

/** Lone UTF-16 surrogates cannot be written as UTF-8 (the database, WhatsApp): they become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const MAX_ID_LENGTH = 128

/**
 * Envelopes around what the contact sent (WAProto `FutureProofMessage` and `DeviceSentMessage`,
 * each with the real content in `.message`): a disappearing message, a view-once photo, a
 * document with a caption, a message the contact's own other device relays, a Lottie sticker.
 * `editedMessage` is one too, but an edit is not something to answer (see IGNORED).
 */
const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
  'deviceSentMessage',
  'groupMentionedMessage',
  'botInvokeMessage',
  'lottieStickerMessage',
] as const

/**
 * Content about other messages, or about the chat, not something the contact said: answering it
 * would puzzle them ("why does the bot answer my 👍?").
 * - protocolMessage: a deletion (REVOKE), an edit (MESSAGE_EDIT), disappearing-messages settings,
 *   history sync notifications, app state keys, the welcome request, and the rest of its types.
 * - editedMessage: the wrapper an edit arrives in; secretEncryptedMessage: the newer encrypted
 *   edit (MESSAGE_EDIT / EVENT_EDIT); encEventResponseMessage: an answer to an event invitation.
 * - reactionMessage / encReactionMessage: a reaction added or taken back.
 * - pollUpdateMessage: a vote on a poll (the bot sends none).
 * - keepInChatMessage, pinInChatMessage: keeping or pinning a message.
 * - placeholderMessage: WhatsApp hiding a message from linked devices; the phone may send it again
 *   on request, which arrives with a `requestId` (not answered either, see readBaileysMessage).
 * - encCommentMessage, messageHistoryBundle, messageHistoryNotice, callLogMesssage (sic, WAProto's
 *   spelling; the call itself arrives on the socket's `call` event and is answered there),
 *   stickerSyncRmrMessage, scheduledCallEditMessage.
 */
const IGNORED = [
  'protocolMessage',
  'editedMessage',
  'secretEncryptedMessage',
  'encEventResponseMessage',
  'reactionMessage',
  'encReactionMessage',
  'pollUpdateMessage',
  'keepInChatMessage',
  'pinInChatMessage',
  'placeholderMessage',
  'encCommentMessage',
  'messageHistoryBundle',
  'messageHistoryNotice',
  'callLogMesssage',
  'stickerSyncRmrMessage',
  'scheduledCallEditMessage',
] as const

/** Fields that ride along with content (Signal group keys, message metadata) and are nothing by themselves. */
const ENVELOPE_ONLY = new Set(['senderKeyDistributionMessage', 'fastRatchetKeySenderKeyDistributionMessage', 'messageContextInfo'])

const set = (value: unknown): value is NonNullable<unknown> => value !== null && value !== undefined
const object = (value: unknown): Content | undefined => (set(value) && typeof value === 'object' ? (value as Content) : undefined)
const string = (value: unknown): string | undefined => (typeof value === 'string' && value.trim().length > 0 ? value : undefined)

/**
 * A person's address from a jid: `NNN@s.whatsapp.net` (or `@c.us`, `@hosted`, with or without a
 * device `:N`) → the digits; `NNN@lid` (or `@hosted.lid`) → `NNN@lid`. Groups, broadcasts (status
 * updates among them), channels, Meta AI (`@bot`) and anything else → undefined.
 */
export function personOf(jid: unknown): { address: string; lid: boolean } | undefined {
  if (typeof jid !== 'string') return undefined
  const decoded = jidDecode(jid)
  if (!decoded || !/^\d{5,20}$/.test(decoded.user ?? '')) return undefined
  if (decoded.server === 's.whatsapp.net' || decoded.server === 'c.us' || decoded.server === 'hosted')
    return { address: decoded.user, lid: false }
  if (decoded.server === 'lid' || decoded.server === 'hosted.lid') return { address: `${decoded.user}@lid`, lid: true }
  return undefined
}

/** Baileys' `messageTimestamp` (seconds; a number, or a protobufjs Long) in ms. */
export function millis(timestamp: unknown): number | undefined {
  const seconds =
    typeof timestamp === 'number'
      ? timestamp
      : typeof (timestamp as { toNumber?: unknown } | null)?.toNumber === 'function'
        ? (timestamp as { toNumber(): number }).toNumber()
        : NaN
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined
}

/**
 * The content the contact sent, out of its envelopes; undefined when some layer is one of the
 * IGNORED kinds (an edit inside a disappearing chat is still an edit).
 */
function unwrap(message: unknown): Content | undefined {
  let content = object(message)
  for (let depth = 0; content && depth < 6; depth++) {
    if (IGNORED.some((field) => set(content![field]))) return undefined
    const wrapper = WRAPPERS.find((field) => object(content![field]))
    if (!wrapper) return content
    content = object(object(content[wrapper])!.message)
  }
  return undefined
}

/**
 * What the contact chose on a button, list or template, or in an interactive (native flow)
 * message. The label shown on the phone comes first, the option's id only when there is no
 * label: the bot sends no buttons itself, so any it gets an answer to were made elsewhere (the
 * owner's WhatsApp Business app, a catalogue) with ids it cannot know ("btn_1", "row-3f2a"…),
 * while the label is what the contact read and tapped, in their language, and the engine matches
 * it against answers.json like anything typed ("Sí, acepto" matches as "sí" would). It is also
 * what is kept as the contact's answer with a consent: the words they saw. Ids such as "yes",
 * "no", "1", "2" still work when a reply carries no label.
 */
function choiceOf(content: Content): string | undefined {
  const buttons = object(content.buttonsResponseMessage)
  if (buttons) return string(buttons.selectedDisplayText) ?? string(buttons.selectedButtonId) ?? ''
  const list = object(content.listResponseMessage)
  if (list) return string(list.title) ?? string(object(list.singleSelectReply)?.selectedRowId) ?? ''
  const template = object(content.templateButtonReplyMessage)
  if (template) return string(template.selectedDisplayText) ?? string(template.selectedId) ?? ''
  const interactive = object(content.interactiveResponseMessage)
  if (interactive)
    return string(object(interactive.body)?.text) ?? nativeFlowId(object(interactive.nativeFlowResponseMessage)?.paramsJson) ?? ''
  return undefined
}

function nativeFlowId(paramsJson: unknown): string | undefined {
  if (typeof paramsJson !== 'string' || paramsJson.length > 10_000) return undefined
  try {
    const params = JSON.parse(paramsJson) as unknown
    return string(object(params)?.id)
  } catch {
    return undefined
  }
}

export type Reading = Pick<Inbound, 'kind' | 'text'>

/** What the contact wrote or sent, by kind. A caption is what the contact wrote: a photo captioned "STOP" is a STOP. */
function readContent(content: Content): Reading | undefined {
  if (typeof content.conversation === 'string') return { kind: 'text', text: content.conversation }
  const extended = object(content.extendedTextMessage)
  if (extended) return typeof extended.text === 'string' ? { kind: 'text', text: extended.text } : { kind: 'other' }
  const choice = choiceOf(content)
  if (choice !== undefined) return { kind: 'text', text: choice }

  const captioned = (kind: Inbound['kind'], media: Content): Reading => {
    const caption = string(media.caption)
    return caption ? { kind: 'text', text: caption } : { kind }
  }
  for (const field of ['imageMessage', 'videoMessage', 'ptvMessage']) {
    const media = object(content[field])
    if (media) return captioned('media', media)
  }
  if (object(content.stickerMessage)) return { kind: 'media' }
  const audio = object(content.audioMessage)
  if (audio) return { kind: audio.ptt === true ? 'voice' : 'media' }
  const document = object(content.documentMessage)
  if (document) return captioned('document', document)
  if (object(content.locationMessage)) return { kind: 'location' }
  const live = object(content.liveLocationMessage)
  if (live) return captioned('location', live)

  // Contact cards, polls the contact created, orders, products, events, payments, invitations,
  // and whatever WhatsApp adds next: something the bot cannot read, which it says.
  const fields = Object.keys(content).filter((field) => set(content[field]) && !ENVELOPE_ONLY.has(field))
  return fields.length > 0 ? { kind: 'other' } : undefined
}

/**
 * What a message says, by kind: its content out of its envelopes, or undefined for housekeeping
 * (IGNORED) and for nothing at all. Also how the staff's own messages are read (baileys-staff.ts).
 */
export function readSaid(message: Content, key: Content): Reading | undefined {
  if (set(message.message)) {
    const content = unwrap(message.message)
    return content && readContent(content)
  }
  // A view-once photo or video the phone keeps from linked devices: Baileys has the key only.
  return key.isViewOnce === true ? { kind: 'media' } : undefined
}

/** A message's id as kept, or a local one when it has none worth keeping. */
export function messageIdOf(id: unknown): string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : `local-${randomUUID()}`
}

/** One message from Baileys' `messages.upsert`; undefined for what the bot must not answer. */
export function readBaileysMessage(msg: WAMessage): Inbound | undefined {
  const message = object(msg)
  const key = object(message?.key)
  if (!message || !key) return undefined
  // Sent by the business itself (from its phone, or by this bot).
  if (key.fromMe === true) return undefined
  // One-to-one chats only: a group's remoteJid is the group, a status update's status@broadcast.
  const person = personOf(key.remoteJid)
  if (!person) return undefined
  // A stub (CIPHERTEXT: a message Baileys could not decrypt, or "Message absent from node") says
  // nothing the contact wrote. It is not remembered either: the real message, sent again with
  // the same id after Baileys' retry receipt, is then answered.
  if (set(message.messageStubType) && message.messageStubType !== 0) return undefined
  // A message the phone sent again on request (a placeholder resend) is not answered: Baileys
  // before 7.0.0-rc12 (BuilderBot pins rc.9) lets anyone forge such a resend with any sender and
  // text (GHSA-qvv5-jq5g-4cgg): a forged "sí" must never become someone's consent. Baileys marks
  // it with a `requestId` (rc.9 puts it on the upsert, which the wrapper drops; some versions and
  // copies put it on the message). The event buffer loses the upsert's mark when it merges the
  // resend with other messages, so it is also told by its key: Baileys builds the key of every
  // message it receives from the stanza (decodeMessageNode), always with an `addressingMode`,
  // while a resend is decoded from bytes the sender chose (proto.WebMessageInfo.decode in
  // process-message.js), and WAProto's MessageKey has no such field.
  if (set(message.requestId)) return undefined
  if (key.addressingMode !== 'pn' && key.addressingMode !== 'lid') return undefined

  const reading = readSaid(message, key)
  if (!reading) return undefined

  const inbound: Inbound = { contact: person.address, messageId: messageIdOf(key.id), kind: reading.kind }
  const alias = personOf(key.remoteJidAlt)
  if (alias && alias.lid !== person.lid) inbound.alias = alias.address
  const sentAt = millis(message.messageTimestamp)
  if (sentAt !== undefined) inbound.sentAt = sentAt
  if (reading.text !== undefined) inbound.text = reading.text.replace(LONE_SURROGATE, '\uFFFD')
  return inbound
}

/** Baileys' `call` event entry (lib/Socket/messages-recv.js `handleCall`), as far as it is read. */
export interface BaileysCall {
  chatId?: unknown
  from?: unknown
  id?: unknown
  date?: unknown
  status?: unknown
  isGroup?: unknown
}

/**
 * A contact calling the bot: an Inbound of kind 'other', so the bot says it reads text only. Only
 * the offer (the ringing) is one; its accept, reject, timeout and terminate are the same call.
 */
export function readBaileysCall(call: BaileysCall): Inbound | undefined {
  if (!call || typeof call !== 'object' || call.status !== 'offer' || call.isGroup === true) return undefined
  const person = personOf(call.from) ?? personOf(call.chatId)
  if (!person) return undefined
  const inbound: Inbound = { contact: person.address, messageId: messageIdOf(call.id), kind: 'other' }
  if (call.date instanceof Date && Number.isFinite(call.date.getTime())) inbound.sentAt = call.date.getTime()
  return inbound
}

/** Baileys' `lid-mapping.update` ({ lid, pn } jids) as the two addresses of one person. */
export function readLidMapping(update: unknown): { lid: string; phone: string } | undefined {
  const mapping = object(update)
  const lid = personOf(mapping?.lid)
  const phone = personOf(mapping?.pn)
  return lid?.lid && phone && !phone.lid ? { lid: lid.address, phone: phone.address } : undefined
}
