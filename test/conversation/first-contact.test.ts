/**
 * A contact's first conversation, end to end through the BuilderBot bridge: greeting, notice,
 * consent purpose by purpose, channel, thanks. Spanish and English.
 */
import { describe, expect, it } from 'vitest'
import { MESSAGE_ID, MX, US, readStore, testBots, type TestBot } from '../support/chat.js'

const open = testBots()
let bot: TestBot

describe('a new contact, in Spanish', () => {
  it('is greeted by the business name, told how data is used, and asked for the required purpose', async () => {
    bot = await open()
    const replies = await bot.chat(MX).say('hola')
    expect(replies).toHaveLength(3)
    expect(replies[0]).toContain('Tienda Ejemplo')
    expect(replies[1]).toMatch(/Recogemos: tu número de teléfono/)
    expect(replies[1]).toMatch(/2 años/)
    expect(replies[1]).toMatch(/BAJA/)
    expect(replies[1]).toMatch(/INFO/)
    expect(replies[2]).toMatch(/¿Aceptas que usemos tus datos para \*atender esta conversación/)
    // Nothing is consented by writing: no record yet.
    expect((await readStore(bot.dataDir)).ledger).toEqual([])
  })

  it('records yes to each purpose with its evidence, offers channels and thanks with a summary', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    expect((await chat.say('Sí.'))[0]).toMatch(/enviarte ofertas/)
    const channelQuestion = await chat.say('SI 👍')
    expect(channelQuestion.join('\n')).toMatch(/1\. WhatsApp[\s\S]*2\. Telegram[\s\S]*7\. Llamada/)
    const done = await chat.say('1')
    expect(done[0]).toBe('Perfecto, seguimos por WhatsApp.')
    expect(done[1]).toMatch(/atender esta conversación y tus pedidos: sí/)
    expect(done[1]).toMatch(/enviarte ofertas adaptadas a ti: sí/)
    expect(done[1]).toMatch(/Canal preferido: WhatsApp/)

    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([
      ['given', ['service']],
      ['given', ['marketing']],
    ])
    const [service] = db.ledger
    expect(service).toMatchObject({
      schema: 'consent-record/2',
      principal: db.contacts[MX]!.principal,
      controller: { name: 'Tienda Ejemplo', contact: 'privacidad@tienda.example' },
      notice: { policyVersion: '2026-11-01', url: 'https://tienda.example/privacidad', language: 'es' },
      consents: { service: 'given' },
      personalData: ['phone', 'messages', 'channel'],
      retention: '2 years',
      collection: { method: 'whatsapp-chat' },
      personal: { contact: MX, answer: 'Sí.' },
    })
    // The record itself names the contact only by a pseudonym.
    expect(JSON.stringify({ ...service, personal: undefined })).not.toContain(MX)
    // The provider's own id of the message that carried the answer.
    expect(service!.collection.messageId).toMatch(MESSAGE_ID)
    // The exact notice text the hash refers to is kept.
    expect(db.notices[service!.notice.hash]!.text).toMatch(/Tienda Ejemplo/)
    expect(db.contacts[MX]).toMatchObject({ language: 'es', channel: { channel: 'whatsapp' } })
    expect(db.contacts[MX]!.consents.service!.state).toBe('given')
  })

  it('respects and records a no to the optional purpose, and goes on serving', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    await chat.say('si')
    const replies = await chat.say('no gracias')
    expect(replies[0]).toBe('De acuerdo, no te enviaremos ofertas.')
    expect(replies[1]).toMatch(/¿Por dónde prefieres que hablemos\?/)
    const done = await chat.say('whatsapp')
    expect(done[1]).toMatch(/enviarte ofertas adaptadas a ti: no/)
    const db = await readStore(bot.dataDir)
    expect(db.contacts[MX]!.consents).toMatchObject({ service: { state: 'given' }, marketing: { state: 'refused' } })
  })

  it('records a no to the required purpose and offers another channel instead', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.say('No')
    expect(replies[0]).toMatch(/no usaremos tus datos para atenderte por WhatsApp/)
    expect(replies[1]).toMatch(/¿Por dónde prefieres que hablemos\?/)
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([['refused', ['service']]])
    // The optional purpose was never asked, so nothing is recorded for it.
    expect(db.contacts[MX]!.consents.marketing).toBeUndefined()
  })

  it('never takes an unclear answer as consent: it asks again with a hint, then accepts a clear yes', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    for (const unclear of ['quizás', 'sí pero no', '👋']) {
      const replies = await chat.say(unclear)
      expect(replies.join('\n')).toMatch(/no te he entendido|no nos estamos entendiendo/)
      expect((await readStore(bot.dataDir)).ledger).toEqual([])
    }
    expect((await chat.say('acepto'))[0]).toMatch(/enviarte ofertas/)
    expect((await readStore(bot.dataDir)).ledger.map((r) => r.event)).toEqual(['given'])
  })

  it('after three unclear answers offers a person (PERSONA), and keeps the question open', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    expect(await chat.say('qué')).toEqual([expect.stringMatching(/no te he entendido/)])
    expect(await chat.say('cómo')).toEqual([expect.stringMatching(/no te he entendido/)])
    expect(await chat.say('eh')).toEqual([expect.stringMatching(/si prefieres hablar con una persona, escribe \*PERSONA\*/i)])
    expect((await chat.say('sí'))[0]).toMatch(/enviarte ofertas/)
  })

  it('shows the full notice on INFO, purpose by purpose, then asks the same question again', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.say('más información')
    expect(replies[0]).toMatch(/Aviso de privacidad de Tienda Ejemplo/)
    expect(replies[0]).toMatch(/atender esta conversación y tus pedidos\* \(necesario para atenderte\)/)
    expect(replies[0]).toMatch(/enviarte ofertas adaptadas a ti\* \(opcional\)/)
    expect(replies[0]).toMatch(/https:\/\/tienda\.example\/privacidad/)
    expect(replies[1]).toMatch(/¿Aceptas que usemos tus datos/)
    expect((await readStore(bot.dataDir)).ledger).toEqual([])
  })

  it('answers a photo or a voice note politely in text, and repeats the question', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.send({ body: '_event_voice_note__0b7c2f1e-1111-4a4a-9999-123456789abc' })
    expect(replies[0]).toMatch(/solo puedo leer mensajes de texto/)
    expect(replies[1]).toMatch(/¿Aceptas que usemos tus datos/)
    expect((await readStore(bot.dataDir)).ledger).toEqual([])
  })
})

describe('a new contact, in English', () => {
  it('is spoken to in English when the number is from an English-speaking country', async () => {
    bot = await open()
    const chat = bot.chat(US, 'John')
    const greeting = await chat.say('hello')
    expect(greeting[0]).toBe('Hi! 👋 This is the assistant of *Tienda Ejemplo*. (Escribe *ESPAÑOL* para seguir en español.)')
    expect(greeting[1]).toMatch(/We keep it for 2 years/)
    expect(greeting[2]).toMatch(/Do you agree that we use your data to \*answer this chat/)
    expect((await chat.say('maybe'))[0]).toMatch(/Sorry, I did not understand/)
    expect((await chat.say('Yes please'))[0]).toMatch(/send you offers/)
    expect((await chat.say("I don't agree"))[0]).toBe('All right, we will not send you offers.')
    const done = await chat.say('stay here')
    expect(done[0]).toBe('Great, we stay on WhatsApp.')
    expect(done[1]).toMatch(/answer this chat and your orders: yes[\s\S]*send you offers picked for you: no/)
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.notice.language])).toEqual([
      ['given', 'en'],
      ['refused', 'en'],
    ])
  })

  it('uses the deployment default for a sender with no phone number (WhatsApp LID)', async () => {
    bot = await open({ defaultLanguage: 'en' })
    const replies = await bot.chat('123456789012345@lid').say('hi')
    expect(replies[0]).toMatch(/This is the assistant/)
  })
})
