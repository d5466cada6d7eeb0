/**
 * What a contact can say at any point: STOP / BAJA withdraws, HELP explains, ENGLISH / ESPAÑOL
 * switches language. A contact is never trapped.
 */
import { describe, expect, it } from 'vitest'
import { MX, US, readStore, testBots, type TestBot } from '../support/chat.js'

const open = testBots()
let bot: TestBot

describe('STOP at any point', () => {
  it('mid-flow withdraws what was given, confirms it, and asks nothing more', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    await chat.say('sí')
    const replies = await chat.say('BAJA')
    expect(replies).toEqual([expect.stringMatching(/^Hecho: has retirado tu permiso/)])
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes, r.personal?.answer])).toEqual([
      ['given', ['service'], 'sí'],
      ['withdrawn', ['service'], 'BAJA'],
    ])
    expect(db.contacts[MX]!.consents.service!.state).toBe('withdrawn')
  })

  it('works in the other language too: UNSUBSCRIBE from a Spanish contact, while a handle is asked', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    await chat.say('sí')
    await chat.say('sí')
    await chat.say('email')
    expect((await chat.say('unsubscribe'))[0]).toMatch(/has retirado tu permiso/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents).toMatchObject({
      service: { state: 'withdrawn' },
      marketing: { state: 'withdrawn' },
    })
  })

  it('as the very first message: honoured without a greeting, nothing recorded as given, the request itself kept with its receipt', async () => {
    bot = await open()
    const replies = await bot.chat(MX).say('STOP')
    expect(replies).toEqual([expect.stringMatching(/has retirado tu permiso/)])
    const [record, ...more] = (await readStore(bot.dataDir)).ledger
    expect(more).toEqual([])
    expect(record).toMatchObject({ event: 'withdrawn', purposes: [], consents: {}, personal: { answer: 'STOP' } })
    expect(replies[0]).toContain(`(comprobante *${record!.id}*)`)
  })

  it('after a withdrawal, writing again asks for consent again (old records stay)', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    await chat.say('sí')
    await chat.say('cancelar')
    const replies = await chat.say('hola')
    expect(replies[0]).toMatch(/Hola de nuevo/)
    expect(replies.at(-1)).toMatch(/¿Aceptas que usemos tus datos/)
    await chat.say('sí')
    expect((await readStore(bot.dataDir)).ledger.map((r) => r.event)).toEqual(['given', 'withdrawn', 'given'])
  })
})

describe('HELP and language', () => {
  it('HELP lists the commands and repeats the open question', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.say('ayuda')
    expect(replies[0]).toMatch(/BAJA[\s\S]*INFO[\s\S]*ENGLISH/)
    expect(replies[1]).toMatch(/¿Aceptas que usemos tus datos/)
  })

  it('ENGLISH switches mid-question: the question comes again in English and answers are read in English', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.say('English')
    expect(replies).toEqual(['All right, we continue in English.', expect.stringMatching(/^Do you agree that we use your data/)])
    expect((await chat.say('yes'))[0]).toMatch(/send you offers/)
    const db = await readStore(bot.dataDir)
    expect(db.contacts[MX]!.language).toBe('en')
    expect(db.ledger[0]!.notice.language).toBe('en')
  })

  it('ESPAÑOL switches an English contact to Spanish', async () => {
    bot = await open()
    const chat = bot.chat(US)
    await chat.say('hi')
    expect((await chat.say('español'))[1]).toMatch(/¿Aceptas que usemos tus datos/)
  })

  it('ENGLISH as the first message greets in English', async () => {
    bot = await open()
    const replies = await bot.chat(MX).say('english please')
    expect(replies[0]).toBe('Hi! 👋 This is the assistant of *Tienda Ejemplo*. (Escribe *ESPAÑOL* para seguir en español.)')
  })
})

describe('a command as the very first message', () => {
  it('AYUDA greets, asks, then lists the commands, without asking twice', async () => {
    bot = await open()
    const replies = await bot.chat(MX).say('ayuda')
    expect(replies).toHaveLength(4)
    expect(replies[2]).toMatch(/¿Aceptas que usemos tus datos/)
    expect(replies[3]).toMatch(/BAJA[\s\S]*ENGLISH/)
  })
})
