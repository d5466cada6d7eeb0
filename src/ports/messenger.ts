/** Sends a text to a contact on the channel the message came from. */
export interface Messenger {
  send(contact: string, text: string): Promise<void>
}
