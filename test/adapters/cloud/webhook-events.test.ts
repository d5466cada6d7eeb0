/**
 * Reading Meta's documented webhook payloads (test/fixtures/cloud-api) into the ports' events:
 * who a message is from in every identifier variant, what each message type says, statuses,
 * preference changes, echoes, batches, and what is left (and counted) rather than read.
 */
import { describe, expect, it } from 'vitest'
import { readWebhook } from '../../../src/adapters/cloud/webhook-events.js'
import {
  audio,
  BUSINESS,
  batch,
  buttonReply,
  documentFile,
  ERROR_131047,
  ERROR_131049,
  echo,
  image,
  incoming,
  listReply,
  location,
  PHONE_ONLY,
  preference,
  reaction,
  SHEENA,
  sharedOwnNumber,
  status,
  sticker,
  T,
  templateButton,
  text,
  unsupported,
  USERNAME_ONLY,
  userChangedNumber,
  userIdUpdate,
  video,
  WITH_PARENT,
  webhook,
} from '../../fixtures/cloud-api/webhooks.js'

const OURS = BUSINESS.phoneNumberId
const read = (payload: unknown) => readWebhook(payload, OURS)
const PHONE = SHEENA.phone!
const BSUID = SHEENA.userId!

describe('who a message is from', () => {
  it('a number and a BSUID: filed under the number, the BSUID beside it, and the two linked', () => {
    const events = read(webhook(incoming(SHEENA, text('Hola'), { id: 'wamid.A', timestamp: T })))
    expect(events.messages).toEqual([{ contact: PHONE, alias: BSUID, messageId: 'wamid.A', sentAt: T * 1000, kind: 'text', text: 'Hola' }])
    expect(events.links).toEqual([{ lid: BSUID, phone: PHONE }])
  })

  it('a number only (before BSUIDs): the number, no alias, no link', () => {
    const events = read(webhook(incoming(PHONE_ONLY, text('Hola'), { id: 'wamid.B' })))
    expect(events.messages).toEqual([{ contact: PHONE, messageId: 'wamid.B', sentAt: T * 1000, kind: 'text', text: 'Hola' }])
    expect(events.links).toEqual([])
  })

  it('a username whose number Meta does not share: the BSUID is the address', () => {
    const events = read(webhook(incoming(USERNAME_ONLY, text('Hola'), { id: 'wamid.C' })))
    expect(events.messages).toEqual([{ contact: BSUID, messageId: 'wamid.C', sentAt: T * 1000, kind: 'text', text: 'Hola' }])
    expect(events.links).toEqual([])
  })

  it('a parent BSUID is never an address: the portfolio BSUID is the alias', () => {
    const events = read(webhook(incoming(WITH_PARENT, text('Hola'))))
    expect(events.messages[0]).toMatchObject({ contact: PHONE, alias: BSUID })
    expect(JSON.stringify(events)).not.toContain(WITH_PARENT.parentUserId)
  })

  it('the BSUID missing from the message is taken from its contacts entry, matched by number', () => {
    const change = incoming(SHEENA, text('Hola'))
    delete (change.value.messages![0] as { from_user_id?: string }).from_user_id
    expect(read(webhook(change)).messages[0]).toMatchObject({ contact: PHONE, alias: BSUID })
  })

  it('a message naming nobody is the only contact entry’s; with no contact at all it is counted, not read', () => {
    const change = incoming(USERNAME_ONLY, text('Hola'))
    delete (change.value.messages![0] as { from_user_id?: string }).from_user_id
    expect(read(webhook(change)).messages[0]).toMatchObject({ contact: BSUID })
    delete change.value.contacts
    const events = read(webhook(change))
    expect(events.messages).toEqual([])
    expect(events.skipped).toEqual({ no_sender: 1 })
  })

  it('a number written with a + (as some of Meta’s pages write it) is read as digits', () => {
    const change = incoming(PHONE_ONLY, text('Hola'))
    ;(change.value.messages![0] as { from?: string }).from = `+${PHONE}`
    expect(read(webhook(change)).messages[0]!.contact).toBe(PHONE)
  })
})

describe('what a message says', () => {
  const said = (content: Parameters<typeof incoming>[1]) => {
    const { messages } = read(webhook(incoming(SHEENA, content)))
    expect(messages).toHaveLength(1)
    const { kind, text: words, choice } = messages[0]!
    return { kind, ...(words !== undefined ? { text: words } : {}), ...(choice !== undefined ? { choice } : {}) }
  }

  it('a tapped reply button or list row: its id is the answer, its title the text', () => {
    expect(said(buttonReply('consent|yes', 'SÍ'))).toEqual({ kind: 'text', text: 'SÍ', choice: 'consent|yes' })
    expect(said(listReply('channel|telegram', 'Telegram', 'Chat there'))).toEqual({
      kind: 'text',
      text: 'Telegram',
      choice: 'channel|telegram',
    })
  })

  it('a template’s quick-reply button: its payload is the answer, its label the text', () => {
    expect(said(templateButton('reconsent|yes', 'Sí, sigo'))).toEqual({ kind: 'text', text: 'Sí, sigo', choice: 'reconsent|yes' })
  })

  it('media, voice, documents and places by kind; a caption is what the contact wrote', () => {
    expect(said(image())).toEqual({ kind: 'media' })
    expect(said(image('STOP'))).toEqual({ kind: 'text', text: 'STOP' })
    expect(said(video())).toEqual({ kind: 'media' })
    expect(said(sticker())).toEqual({ kind: 'media' })
    expect(said(audio(true))).toEqual({ kind: 'voice' })
    expect(said(audio(false))).toEqual({ kind: 'media' })
    expect(said(documentFile('dni.pdf'))).toEqual({ kind: 'document' })
    expect(said(documentFile('dni.pdf', 'mi DNI'))).toEqual({ kind: 'text', text: 'mi DNI' })
    expect(said(location(19.43, -99.13))).toEqual({ kind: 'location' })
  })

  it('something the Cloud API cannot show (a GIF, a type added later) is a message the bot cannot read', () => {
    expect(said(unsupported('gif'))).toEqual({ kind: 'other' })
    expect(said({ type: 'order', order: { catalog_id: '1', product_items: [] } })).toEqual({ kind: 'other' })
  })

  it('reactions, edits, votes and welcome requests are not messages to answer: counted, not read', () => {
    const events = read(
      batch([
        incoming(SHEENA, reaction('wamid.OUT', '👍')),
        incoming(SHEENA, reaction('wamid.OUT')),
        incoming(SHEENA, unsupported('poll_update')),
        incoming(SHEENA, unsupported('edit')),
        incoming(SHEENA, { type: 'request_welcome' }),
      ]),
    )
    expect(events.messages).toEqual([])
    expect(events.skipped).toEqual({ reaction: 2, unsupported_poll_update: 1, unsupported_edit: 1, request_welcome: 1 })
  })

  it('a number change (system) is counted, not answered; its new number and BSUID are linked', () => {
    const events = read(webhook(incoming(PHONE_ONLY, userChangedNumber(PHONE, '12195555358', 'US.99887766554433221100'))))
    expect(events.messages).toEqual([])
    expect(events.skipped).toEqual({ system_user_changed_number: 1 })
    expect(events.links).toEqual([{ lid: 'US.99887766554433221100', phone: '12195555358' }])
  })

  it('someone known by a BSUID who shares their own number on request: a message, and the two linked', () => {
    const events = read(webhook(incoming(USERNAME_ONLY, sharedOwnNumber('16505551234'))))
    expect(events.messages[0]).toMatchObject({ contact: BSUID, kind: 'other' })
    expect(events.links).toEqual([{ lid: BSUID, phone: '16505551234' }])
  })

  it('a message in a group is not the bot’s conversation', () => {
    const change = incoming(SHEENA, text('hola a todos'))
    ;(change.value.messages![0] as { group_id?: string }).group_id = 'Y2FwaV9ncm91cDox'
    const events = read(webhook(change))
    expect(events.messages).toEqual([])
    expect(events.skipped).toEqual({ group: 1 })
  })
})

describe('statuses', () => {
  it('sent, delivered and read: the recipient by number, the BSUID beside it', () => {
    const events = read(
      batch([status(SHEENA, 'wamid.OUT', 'sent')], [status(SHEENA, 'wamid.OUT', 'delivered'), status(SHEENA, 'wamid.OUT', 'read')]),
    )
    expect(events.statuses).toEqual(
      ['sent', 'delivered', 'read'].map((state) => ({ contact: PHONE, alias: BSUID, messageId: 'wamid.OUT', status: state, at: T * 1000 })),
    )
  })

  it('failed with Meta’s marketing limit (131049) or a closed window (131047): code and title', () => {
    const events = read(webhook(status(SHEENA, 'wamid.M', 'failed'), status(SHEENA, 'wamid.N', 'failed', { error: ERROR_131047 })))
    expect(events.statuses).toEqual([
      { contact: PHONE, messageId: 'wamid.M', status: 'failed', at: T * 1000, error: { code: 131049, title: ERROR_131049.title } },
      { contact: PHONE, messageId: 'wamid.N', status: 'failed', at: T * 1000, error: { code: 131047, title: 'Re-engagement message' } },
    ])
  })

  it('a message sent to a BSUID: the recipient by BSUID (and by number when Meta shares it)', () => {
    expect(read(webhook(status(USERNAME_ONLY, 'wamid.U', 'delivered', { sentToUserId: true }))).statuses[0]).toMatchObject({
      contact: BSUID,
    })
    expect(read(webhook(status(USERNAME_ONLY, 'wamid.U', 'failed', { sentToUserId: true }))).statuses[0]).toMatchObject({
      contact: BSUID,
      status: 'failed',
    })
    expect(read(webhook(status(WITH_PARENT, 'wamid.P', 'read'))).statuses[0]).toMatchObject({ contact: PHONE, alias: BSUID })
  })

  it('played (voice messages, which the bot does not send) is counted, not read', () => {
    const events = read(webhook(status(SHEENA, 'wamid.V', 'played')))
    expect(events.statuses).toEqual([])
    expect(events.skipped).toEqual({ status_played: 1 })
  })
})

describe('Stop promotions (user_preferences)', () => {
  it('stop and resume, with the time of the change and an id that stays the same on redelivery', () => {
    const stop = read(webhook(preference(SHEENA, 'stop', { timestamp: T })))
    const again = read(webhook(preference(SHEENA, 'stop', { timestamp: T })))
    const resume = read(webhook(preference(SHEENA, 'resume', { timestamp: T + 60 })))
    expect(stop.preferences).toEqual([
      { contact: PHONE, alias: BSUID, value: 'stop', at: T * 1000, id: expect.stringMatching(/^pref-[0-9a-f]{32}$/) },
    ])
    expect(again.preferences[0]!.id).toBe(stop.preferences[0]!.id)
    expect(resume.preferences[0]).toMatchObject({ value: 'resume', at: (T + 60) * 1000 })
    expect(resume.preferences[0]!.id).not.toBe(stop.preferences[0]!.id)
  })

  it('from someone whose number Meta does not share: by BSUID', () => {
    expect(read(webhook(preference(USERNAME_ONLY, 'stop'))).preferences[0]).toMatchObject({ contact: BSUID, value: 'stop' })
  })
})

describe('messages the staff sent from the WhatsApp Business app (smb_message_echoes)', () => {
  it('are staff messages to the contact, by number or by BSUID', () => {
    const events = read(
      batch([echo(SHEENA, text('Hola, soy Ana'), { id: 'wamid.E', timestamp: T })], [echo(USERNAME_ONLY, image(), { id: 'wamid.F' })]),
    )
    expect(events.staffMessages).toEqual([
      { contact: PHONE, alias: BSUID, messageId: 'wamid.E', sentAt: T * 1000 },
      { contact: BSUID, messageId: 'wamid.F', sentAt: T * 1000 },
    ])
    expect(events.messages).toEqual([])
  })
})

describe('a batch', () => {
  it('every entry, every change and every item is read, in order', () => {
    const two = incoming(SHEENA, text('uno'), { id: 'wamid.1' })
    two.value.messages!.push(incoming(SHEENA, text('dos'), { id: 'wamid.2' }).value.messages![0]!)
    const events = read(
      batch(
        [two, status(SHEENA, 'wamid.OUT', 'delivered')],
        [incoming(USERNAME_ONLY, buttonReply('q|yes', 'SÍ'), { id: 'wamid.3' }), preference(SHEENA, 'stop')],
        [echo(SHEENA, text('Ana aquí'), { id: 'wamid.4' })],
      ),
    )
    expect(events.messages.map((m) => m.messageId)).toEqual(['wamid.1', 'wamid.2', 'wamid.3'])
    expect(events.statuses).toHaveLength(1)
    expect(events.preferences).toHaveLength(1)
    expect(events.staffMessages.map((m) => m.messageId)).toEqual(['wamid.4'])
    expect(events.skipped).toEqual({})
  })

  it('changes for another number of the account are left and counted', () => {
    const events = read(
      batch(
        [incoming(SHEENA, text('para otro'), { phoneNumberId: '999999999999999' })],
        [incoming(SHEENA, text('para mí'), { id: 'wamid.MINE' })],
      ),
    )
    expect(events.messages.map((m) => m.messageId)).toEqual(['wamid.MINE'])
    expect(events.skipped).toEqual({ other_number: 1 })
  })

  it('a changed BSUID (user_id_update) links the new one to the number', () => {
    const events = read(webhook(userIdUpdate(SHEENA, BSUID, 'US.55554444333322221111')))
    expect(events.links).toEqual([{ lid: 'US.55554444333322221111', phone: PHONE }])
  })

  it('fields the conversation does not hear, errors about the account, and malformed parts are counted', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: BUSINESS.wabaId,
          changes: [
            { field: 'history', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: OURS }, history: [] } },
            { field: 'messages', value: null },
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { phone_number_id: OURS },
                errors: [{ code: 131000, title: 'Something went wrong' }],
                messages: [{ from: PHONE, type: 'text', text: { body: 'sin id' } }, 'nonsense', { from: 42, id: 'wamid.X', type: 'text' }],
                statuses: [{ id: 'wamid.Y', status: 'delivered' }],
              },
            },
          ],
        },
        { id: 'x', changes: 'not a list' },
      ],
    }
    const events = read(payload)
    expect(events.messages).toEqual([])
    expect(events.statuses).toEqual([])
    expect(events.errorCodes).toEqual([131000])
    expect(events.skipped).toEqual({ field_history: 1, unreadable: 3, no_sender: 1 })
  })
})
