/**
 * Moving to another channel: each channel the policy offers, the link where the business
 * configured one, and the handle asked, checked and read back where it did not.
 */
import { describe, expect, it } from 'vitest'
import { MX, readStore, testBots, type Conversation, type TestBot } from '../support/chat.js'

const open = testBots()
let bot: TestBot

/** Greets, consents to both purposes, and stops at the channel question. */
async function atChannelQuestion(from = MX): Promise<Conversation> {
  bot = await open()
  const chat = bot.chat(from)
  await chat.say('hola')
  await chat.say('sí')
  await chat.say('sí')
  return chat
}

describe('choosing a channel', () => {
  it('WhatsApp: stays here, nothing to ask', async () => {
    const chat = await atChannelQuestion()
    expect((await chat.say('seguir aquí'))[0]).toBe('Perfecto, seguimos por WhatsApp.')
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'whatsapp' })
  })

  it('Telegram: sends the link the business configured', async () => {
    const chat = await atChannelQuestion()
    const replies = await chat.say('Telegram')
    expect(replies[0]).toBe('Perfecto. Para hablar por *Telegram*, abre este enlace: https://t.me/TiendaEjemploBot')
    expect(replies[1]).toMatch(/Canal preferido: Telegram/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({
      channel: 'telegram',
      link: 'https://t.me/TiendaEjemploBot',
    })
  })

  it('LINE: sends its link, chosen by number', async () => {
    const chat = await atChannelQuestion()
    expect((await chat.say('4'))[0]).toMatch(/\*LINE\*, abre este enlace: https:\/\/line\.me\/R\/ti\/p\/@tiendaejemplo/)
  })

  it('Email: a bad address gets a clear re-ask; a good one is read back and saved on yes', async () => {
    const chat = await atChannelQuestion()
    expect(await chat.say('correo')).toEqual(['¿A qué dirección de correo electrónico te escribimos?'])
    expect((await chat.say('ana@example'))[0]).toMatch(/no parece válida.*nombre@ejemplo\.com/)
    expect((await chat.say('ana lopez@example.com'))[0]).toMatch(/no parece válida/)
    expect((await chat.say('Ana.Lopez@Example.com'))[0]).toMatch(
      /por \*Correo electrónico\* en: \*ana\.lopez@example\.com\*\n¿Es correcto\?/,
    )
    // Not yet saved: the contact has not confirmed.
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toBeUndefined()
    const saved = await chat.say('sí')
    expect(saved[0]).toBe('Guardado: te contactaremos por *Correo electrónico* en ana.lopez@example.com.')
    expect(saved[1]).toMatch(/Canal preferido: Correo electrónico \(ana\.lopez@example\.com\)/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'email', handle: 'ana.lopez@example.com' })
  })

  it('Email: a "no" at the read-back asks for the address again', async () => {
    const chat = await atChannelQuestion()
    await chat.say('email')
    await chat.say('ana@example.com')
    expect(await chat.say('no')).toEqual(['¿A qué dirección de correo electrónico te escribimos?'])
    await chat.say('ana@example.org')
    await chat.say('si')
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel!.handle).toBe('ana@example.org')
  })

  it("SMS: a number typed without country code takes the contact's own", async () => {
    const chat = await atChannelQuestion()
    expect((await chat.say('sms'))[0]).toMatch(/número de teléfono.*\*SMS\*/)
    expect((await chat.say('12'))[0]).toMatch(/no parece válido/)
    expect((await chat.say('55 1234 5678'))[0]).toMatch(/\*\+525512345678\*/)
    await chat.say('sí')
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'sms', handle: '+525512345678' })
  })

  it('Signal: MISMO uses this WhatsApp number', async () => {
    const chat = await atChannelQuestion()
    await chat.say('signal')
    expect((await chat.say('el mismo'))[0]).toMatch(/\*Signal\* en: \*\+5215512345678\*/)
    await chat.say('sí')
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'signal', handle: '+5215512345678' })
  })

  it('Call: takes an international number', async () => {
    const chat = await atChannelQuestion()
    await chat.say('llamada')
    expect((await chat.say('+34 612 345 678'))[0]).toMatch(/\*Llamada de teléfono\* en: \*\+34612345678\*/)
    await chat.say('sí')
    expect((await readStore(bot.dataDir)).contacts[MX]!.channel).toMatchObject({ channel: 'call', handle: '+34612345678' })
  })

  it('OTRO goes back to the list of channels', async () => {
    const chat = await atChannelQuestion()
    await chat.say('email')
    const replies = await chat.say('otro canal')
    expect(replies[0]).toMatch(/¿Por dónde prefieres que hablemos\?/)
    expect((await chat.say('whatsapp'))[0]).toBe('Perfecto, seguimos por WhatsApp.')
  })

  it('an unknown channel is asked again with the list', async () => {
    const chat = await atChannelQuestion()
    const replies = await chat.say('paloma mensajera')
    expect(replies[0]).toMatch(/No he entendido qué canal prefieres[\s\S]*1\. WhatsApp/)
  })

  it('Telegram in English, for a US contact', async () => {
    bot = await open()
    const chat = bot.chat('14155552671')
    await chat.say('hi')
    await chat.say('yes')
    await chat.say('no')
    expect((await chat.say('telegram'))[0]).toBe('Great. To talk on *Telegram*, open this link: https://t.me/TiendaEjemploBot')
  })
})

describe('a WhatsApp sender with no phone number (…@lid)', () => {
  it('is asked for a number without being offered "the same one"', async () => {
    bot = await open()
    const chat = bot.chat('123456789012345@lid')
    await chat.say('hola')
    await chat.say('sí')
    await chat.say('sí')
    const ask = await chat.say('sms')
    expect(ask[0]).toMatch(/número de teléfono/)
    expect(ask[0]).not.toMatch(/MISMO/)
    expect((await chat.say('mismo'))[0]).toMatch(/no parece válido/)
    expect((await chat.say('+34 612 345 678'))[0]).toMatch(/\*\+34612345678\*/)
  })
})
