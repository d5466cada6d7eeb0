/**
 * The shapes Meta's WhatsApp Cloud API sends and takes, as its documentation writes them. These
 * types say what to expect; the readers (webhook-events.ts, graph-client.ts) still check every
 * field, since a payload is only data from the network.
 *
 * Sources (developers.facebook.com/documentation/business-messaging/whatsapp/…):
 * - webhooks/create-webhook-endpoint: the envelope, `X-Hub-Signature-256`, the GET verification;
 * - webhooks/reference/messages/{text,interactive,button,image,audio,system,unsupported,status};
 * - webhooks/reference/user_preferences and webhooks/reference/smb_message_echoes;
 * - business-scoped-user-ids: `from_user_id`, `contacts[].user_id`, `profile.username`,
 *   `recipient_user_id`, `to_user_id`, parent ids, and `recipient` in send requests;
 * - messages/interactive-reply-buttons-messages, messages/interactive-list-messages,
 *   messages/send-messages: the send bodies and the send response;
 * - support/error-codes: the error body.
 */

/** What every webhook POST carries. */
export interface WebhookPayload {
  object: 'whatsapp_business_account'
  entry: WebhookEntry[]
}

export interface WebhookEntry {
  /** The WhatsApp Business Account id. */
  id: string
  changes: WebhookChange[]
}

export interface WebhookChange {
  /** `messages` (messages and statuses), `user_preferences`, `smb_message_echoes`, `user_id_update`, and others not read here. */
  field: string
  value: ChangeValue
}

export interface ChangeValue {
  messaging_product: 'whatsapp'
  metadata: { display_phone_number: string; phone_number_id: string }
  contacts?: WebhookContact[]
  messages?: WebhookMessage[]
  statuses?: WebhookStatus[]
  user_preferences?: UserPreference[]
  message_echoes?: MessageEcho[]
  user_id_update?: UserIdUpdate[]
  /** Errors about the account or the webhook rather than one message. */
  errors?: MetaError[]
}

/** Who a message, status or preference is about. */
export interface WebhookContact {
  profile?: { name?: string; username?: string }
  /** The phone number; omitted for a contact with a username whose number Meta may not share. */
  wa_id?: string
  /** The business-scoped user id (BSUID), e.g. `US.13491208655302741918`. */
  user_id?: string
  /** The id shared by a group of business portfolios (`US.ENT.…`), when enrolled. */
  parent_user_id?: string
}

export interface WebhookMessage {
  /** The sender's phone number; omitted when Meta may not share it. */
  from?: string
  from_user_id?: string
  from_parent_user_id?: string
  /** Only in a group chat. */
  group_id?: string
  /** The wamid. */
  id: string
  /** Unix seconds, as a string. */
  timestamp: string
  type: string
  context?: { from?: string; id?: string }
  text?: { body: string }
  interactive?: {
    type: string
    button_reply?: { id: string; title: string }
    list_reply?: { id: string; title: string; description?: string }
  }
  /** A quick-reply button of a template. */
  button?: { payload: string; text: string }
  image?: MediaObject
  video?: MediaObject
  sticker?: MediaObject
  document?: MediaObject & { filename?: string }
  audio?: MediaObject & { voice?: boolean }
  location?: { latitude: number; longitude: number; name?: string; address?: string }
  reaction?: { message_id: string; emoji?: string }
  contacts?: SharedContact[]
  system?: { body?: string; wa_id?: string; user_id?: string; parent_user_id?: string; type: string }
  unsupported?: { type: string }
  errors?: MetaError[]
}

export interface MediaObject {
  id: string
  mime_type?: string
  sha256?: string
  url?: string
  caption?: string
}

/** A contact card the user shared; `origin: contact_request` when they shared their own number on request. */
export interface SharedContact {
  origin?: 'contact_request' | 'other'
  vcard?: string
  phones?: { phone?: string; wa_id?: string; type?: string }[]
}

export interface WebhookStatus {
  /** The wamid of the message the business sent. */
  id: string
  status: 'sent' | 'delivered' | 'read' | 'played' | 'failed'
  timestamp: string
  /** The recipient's number, when the message went to it (or Meta may share it). */
  recipient_id?: string
  recipient_user_id?: string
  recipient_parent_user_id?: string
  recipient_type?: 'individual' | 'group'
  errors?: MetaError[]
}

export interface UserPreference {
  wa_id?: string
  user_id?: string
  parent_user_id?: string
  detail?: string
  category: 'marketing_messages' | string
  value: 'stop' | 'resume' | string
  /** Unix seconds, as a number. */
  timestamp: number
}

/** A message the business sent from the WhatsApp Business app (coexistence). */
export interface MessageEcho {
  /** The business's display number. */
  from: string
  /** The contact's number; omitted when Meta may not share it. */
  to?: string
  to_user_id?: string
  to_parent_user_id?: string
  id: string
  timestamp: string
  type: string
  [content: string]: unknown
}

export interface UserIdUpdate {
  wa_id?: string
  detail?: string
  user_id: { previous: string; current: string }
  timestamp: string
}

/** An error inside a webhook (a failed status, an unsupported message). */
export interface MetaError {
  code: number
  title?: string
  message?: string
  error_data?: { details?: string }
  href?: string
}

/** POST /{phone-number-id}/messages: a text. */
export interface TextBody {
  messaging_product: 'whatsapp'
  recipient_type: 'individual'
  to?: string
  recipient?: string
  type: 'text'
  text: { body: string; preview_url: boolean }
}

export interface ReplyButton {
  type: 'reply'
  reply: { id: string; title: string }
}

export interface ListRow {
  id: string
  title: string
  description?: string
}

/** POST /{phone-number-id}/messages: reply buttons or a list. */
export interface InteractiveBody {
  messaging_product: 'whatsapp'
  recipient_type: 'individual'
  to?: string
  recipient?: string
  type: 'interactive'
  interactive:
    | { type: 'button'; body: { text: string }; action: { buttons: ReplyButton[] } }
    | { type: 'list'; body: { text: string }; action: { button: string; sections: { title: string; rows: ListRow[] }[] } }
}

/**
 * POST /{phone-number-id}/messages: an approved message template (messages/template-messages),
 * by its name and language code, with no parameters: its text is the one Meta approved.
 */
export interface TemplateBody {
  messaging_product: 'whatsapp'
  recipient_type: 'individual'
  to?: string
  recipient?: string
  type: 'template'
  template: { name: string; language: { code: string } }
}

export type SendBody = TextBody | InteractiveBody | TemplateBody

/** What a send answers with. */
export interface SendResponse {
  messaging_product: 'whatsapp'
  contacts: { input: string; wa_id?: string; user_id?: string }[]
  messages: { id: string; message_status?: string }[]
}

/** What the Graph API answers when a request fails. */
export interface GraphErrorBody {
  error: {
    message: string
    type?: string
    code: number
    error_subcode?: number
    error_data?: { messaging_product?: 'whatsapp'; details?: string }
    fbtrace_id?: string
  }
}
