/**
 * The contact's rights in the chat, in both languages: MY DATA shows what is stored, CHANGE
 * changes one permission, DELETE erases everything after a confirmation. Each is recorded in
 * the ledger; after an erasure the phone number is in nothing stored: no file of the data
 * directory, and on the postgres project no row of the database.
 */
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/domain/ledger.js'
import { MX, placesHolding, readStore, testBots, US, type TestBot } from '../support/chat.js'

const open = testBots()
let bot: TestBot

const RECEIPT = /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}/

/** A settled contact: consent to service, no to offers, email as channel. */
async function settled(from: string, answers: string[]) {
  const chat = bot.chat(from)
  for (const body of answers) await chat.say(body)
  return chat
}

describe('MY DATA', () => {
  it('in Spanish: shows language, each consent with its date and receipt, and the channel; records the access', async () => {
    bot = await open()
    const chat = await settled(MX, ['hola', 'sí', 'no', 'email', 'ana@example.com', 'sí'])
    const before = await readStore(bot.dataDir)
    const [reply, ...rest] = await chat.say('Mis datos')
    expect(rest).toEqual([])
    const service = before.contacts[MX]!.consents.service!
    expect(reply).toMatch(/^Esto es lo que guardamos sobre ti:/)
    expect(reply).toContain('• Idioma: español')
    expect(reply).toMatch(
      new RegExp(`• atender esta conversación y tus pedidos: sí el \\d+ de \\w+ de \\d{4} \\(comprobante ${service.record}\\)`),
    )
    expect(reply).toMatch(/• enviarte ofertas adaptadas a ti: no el/)
    expect(reply).toContain('• Canal preferido: Correo electrónico (ana@example.com)')
    const after = await readStore(bot.dataDir)
    const access = after.ledger.at(-1)!
    expect(access).toMatchObject({
      event: 'accessed',
      purposes: [],
      consents: { service: 'given', marketing: 'refused' },
      personal: { contact: MX, answer: 'Mis datos' },
    })
    // Looking is not changing: the consents stand as they were.
    expect(after.contacts[MX]!.consents).toEqual(before.contacts[MX]!.consents)
  })

  it('in English, and from the menu by its number', async () => {
    bot = await open()
    const chat = await settled(US, ['hi', 'yes', 'yes', 'whatsapp'])
    const [reply] = await chat.say('MY DATA')
    expect(reply).toMatch(/^This is what we keep about you:/)
    expect(reply).toContain('• Language: English')
    expect(reply).toMatch(/• answer this chat and your orders: yes on \d+ \w+ \d{4} \(receipt /)
    expect(reply).toContain('• Preferred channel: WhatsApp (stay here)')
    // The menu: 3 is "see my data".
    await chat.say('menu')
    expect((await chat.say('3'))[0]).toMatch(/^This is what we keep about you:/)
    expect((await readStore(bot.dataDir)).ledger.filter((r) => r.event === 'accessed')).toHaveLength(2)
  })

  it('for a contact who has not answered yet, says so and asks the open question again', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    await chat.say('hola')
    const replies = await chat.say('mis datos')
    expect(replies[0]).toContain('Aún no nos has dado ni negado ningún permiso')
    expect(replies[1]).toMatch(/¿Aceptas que usemos tus datos para \*atender/)
  })
})

describe('CHANGE one permission', () => {
  it('in Spanish: lists the purposes with their state, changes only the one picked, and gives a receipt', async () => {
    bot = await open()
    const chat = await settled(MX, ['hola', 'sí', 'sí', 'whatsapp'])
    const [which] = await chat.say('CAMBIAR')
    expect(which).toMatch(/1\. atender esta conversación y tus pedidos \(ahora: sí\)\n2\. enviarte ofertas adaptadas a ti \(ahora: sí\)/)
    expect((await chat.say('2'))[0]).toMatch(/¿Y aceptas que usemos tus datos para \*enviarte ofertas/)
    const [done] = await chat.say('no')
    expect(done).toMatch(/así quedan tus permisos:\n• atender[^\n]*: sí\n• enviarte[^\n]*: no/)
    const db = await readStore(bot.dataDir)
    const last = db.ledger.at(-1)!
    expect(last).toMatchObject({ event: 'refused', purposes: ['marketing'], consents: { service: 'given', marketing: 'refused' } })
    expect(done).toContain(`*${last.id}*`)
    expect(db.contacts[MX]!.consents.service!.state).toBe('given')
  })

  it('in English, and NOTHING leaves them as they are', async () => {
    bot = await open()
    const chat = await settled(US, ['hi', 'yes', 'no', 'whatsapp'])
    expect((await chat.say('change'))[0]).toMatch(/^Which permission would you like to change\?/)
    expect((await chat.say('nothing'))[0]).toBe('See you soon!')
    expect((await chat.say('change my permissions'))[0]).toMatch(/2\. send you offers picked for you \(now: no\)/)
    await chat.say('offers')
    await chat.say('yes')
    expect((await readStore(bot.dataDir)).ledger.map((r) => [r.event, r.purposes])).toEqual([
      ['given', ['service']],
      ['refused', ['marketing']],
      ['given', ['marketing']],
    ])
  })
})

describe('DELETE my data', () => {
  it('asks for confirmation first; NO keeps everything', async () => {
    bot = await open()
    const chat = await settled(MX, ['hola', 'sí', 'no', 'whatsapp'])
    const [confirm] = await chat.say('borrar')
    expect(confirm).toMatch(/¿Seguro que quieres que borremos todos tus datos\?/)
    expect((await chat.say('no'))[0]).toBe('De acuerdo, no hemos borrado nada.')
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents.service!.state).toBe('given')
  })

  it('in Spanish: after SÍ, the number and the words are in nothing stored; a proof remains and the chain holds', async () => {
    bot = await open()
    const other = await settled(US, ['hi', 'yes', 'yes', 'whatsapp'])
    const chat = await settled(MX, ['hola', 'sí', 'no', 'email', 'ana.lopez@example.com', 'sí'])
    await chat.say('mis datos')
    // Stored before (so the search below finds what is there).
    expect(await placesHolding(bot.dataDir, 'ana.lopez@example.com')).not.toEqual([])
    await chat.say('BORRAR')
    const [done, ...rest] = await chat.say('Sí')
    expect(rest).toEqual([])
    expect(done).toMatch(/^Hecho: hemos borrado todos tus datos\. Referencia del borrado: \*/)
    const reference = RECEIPT.exec(done!)![0]

    // The whole data directory, every file, as bytes (and every row of the database): no trace of the number or the email.
    expect(await placesHolding(bot.dataDir, MX), 'still holding the phone number').toEqual([])
    expect(await placesHolding(bot.dataDir, 'ana.lopez@example.com'), 'still holding the email').toEqual([])

    const db = await readStore(bot.dataDir)
    expect(db.contacts[MX]).toBeUndefined()
    expect(db.conversations[MX]).toBeUndefined()
    const proof = db.ledger.at(-1)!
    expect(proof).toMatchObject({ id: reference, event: 'erased', purposes: [], consents: {}, personal: null })
    // The contact's earlier records stay as pseudonymous evidence, under the same principal.
    const theirs = db.ledger.filter((r) => r.principal === proof.principal)
    expect(theirs.map((r) => r.event)).toEqual(['given', 'refused', 'accessed', 'erased'])
    expect(theirs.every((r) => r.personal === null)).toBe(true)
    // Other contacts are untouched, and the chain still verifies.
    expect(db.contacts[US]!.consents.marketing!.state).toBe('given')
    expect(db.ledger.filter((r) => r.personal?.contact === US)).toHaveLength(2)
    expect(verifyChain(db.entries)).toEqual({ intact: true, count: db.entries.length })

    // Writing again is a fresh start, with a new pseudonym.
    expect((await chat.say('hola'))[0]).toMatch(/^¡Hola! 👋 Te escribe el asistente/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.principal).not.toBe(proof.principal)
    await other.say('hello')
  })

  it('in English: DELETE, then DELETE again confirms', async () => {
    bot = await open()
    const chat = await settled(US, ['hi', 'yes', 'yes', 'whatsapp'])
    expect((await chat.say('delete my data'))[0]).toMatch(/^Are you sure you want us to delete all your data\?/)
    expect((await chat.say('DELETE'))[0]).toMatch(/^Done: we have deleted all your data\. Erasure reference: \*/)
    expect(await placesHolding(bot.dataDir, US)).toEqual([])
    expect((await readStore(bot.dataDir)).ledger.at(-1)!.event).toBe('erased')
  })
})

describe('receipts', () => {
  it('the thanks message gives the id of the latest record, which the ledger holds', async () => {
    bot = await open()
    const chat = bot.chat(MX)
    for (const body of ['hola', 'sí', 'sí']) await chat.say(body)
    const [thanks] = (await chat.say('whatsapp')).filter((reply) => reply.includes('Tu comprobante'))
    const id = /Tu comprobante: \*([^*]+)\*/.exec(thanks!)![1]
    expect(id).toMatch(RECEIPT)
    expect((await readStore(bot.dataDir)).ledger.at(-1)!.id).toBe(id)
  })

  it('a withdrawal gives its own receipt', async () => {
    bot = await open()
    const chat = await settled(US, ['hi', 'yes', 'yes', 'whatsapp'])
    const [done] = await chat.say('STOP')
    const last = (await readStore(bot.dataDir)).ledger.at(-1)!
    expect(last).toMatchObject({ event: 'withdrawn', purposes: ['service', 'marketing'] })
    expect(done).toContain(`receipt *${last.id}*`)
  })
})
