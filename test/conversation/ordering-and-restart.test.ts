/**
 * Every message is handled once, in order, and what is confirmed is on disk: quick bursts,
 * several contacts at once, a restart mid-conversation, a returning contact. (On disk: the data
 * folder's files, or a committed transaction on the postgres project.)
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startBot } from '../../src/main/bot.js'
import { ES, MX, readStore, RecordingProvider, removeDir, ROOT, storageFor, tempDir, testBots } from '../support/chat.js'

const open = testBots()

describe('ordering', () => {
  it('answers three quick messages from one contact, all of them, in order', async () => {
    const bot = await open()
    const replies = await bot.chat(MX).burst(['hola', 'sí', 'no'])
    expect(replies).toHaveLength(3 + 1 + 2)
    expect(replies[2]).toMatch(/atender esta conversación/)
    expect(replies[3]).toMatch(/enviarte ofertas/)
    expect(replies[4]).toBe('De acuerdo, no te enviaremos ofertas.')
    expect((await readStore(bot.dataDir)).ledger.map((r) => [r.event, r.personal?.answer])).toEqual([
      ['given', 'sí'],
      ['refused', 'no'],
    ])
  })

  it('keeps two contacts writing at the same time apart', async () => {
    const bot = await open()
    const ana = bot.chat(MX)
    const pepe = bot.chat(ES, 'Pepe')
    await Promise.all([ana.burst(['hola', 'sí']), pepe.burst(['buenas', 'no'])])
    const db = await readStore(bot.dataDir)
    expect(db.contacts[MX]!.consents.service!.state).toBe('given')
    expect(db.contacts[ES]!.consents.service!.state).toBe('refused')
  })

  it('sends a confirmation only once what it confirms is on disk', async () => {
    const dataDir = tempDir()
    const seenOnDisk: string[] = []
    class CheckingProvider extends RecordingProvider {
      override async sendMessage<K = unknown>(userId: string, message: string): Promise<K> {
        // Read from the store, as the owner (or a restarted bot) would find it now.
        const db = await readStore(dataDir)
        if (message.startsWith('Guardado')) seenOnDisk.push(db.contacts[userId]?.channel?.handle ?? 'missing')
        if (message.startsWith('¿Y aceptas')) seenOnDisk.push(db.ledger.at(-1)?.event ?? 'missing')
        return super.sendMessage(userId, message)
      }
    }
    const provider = new CheckingProvider()
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider,
      storage: await storageFor(dataDir),
    })
    const say = async (body: string) => {
      provider.emit('message', { from: MX, body, name: 'Ana' } as never)
      await bot.settled()
    }
    for (const body of ['hola', 'sí', 'sí', 'email', 'ana@example.com', 'sí']) await say(body)
    await bot.close()
    expect(seenOnDisk).toEqual(['given', 'ana@example.com'])
    removeDir(dataDir)
  })
})

describe('restart and return', () => {
  it('resumes a conversation where it stood after a restart with the same data directory', async () => {
    const first = await open()
    const chat = first.chat(MX)
    await chat.say('hola')
    await chat.say('sí')
    await first.bot.close()

    const second = await open({ dataDir: first.dataDir })
    // The open question was the optional purpose: the answer is taken as its answer, no new greeting.
    const replies = await second.chat(MX).say('no')
    expect(replies[0]).toBe('De acuerdo, no te enviaremos ofertas.')
    expect((await readStore(second.dataDir)).ledger.map((r) => [r.event, r.purposes])).toEqual([
      ['given', ['service']],
      ['refused', ['marketing']],
    ])
  })

  it('recognises a returning contact whose consent is settled: no new greeting, their words left to the staff, MENÚ opens the menu', async () => {
    const first = await open()
    const chat = first.chat(MX)
    for (const body of ['hola', 'sí', 'no', '1']) await chat.say(body)
    await first.bot.close()

    const second = await open({ dataDir: first.dataDir })
    const returning = second.chat(MX)
    expect(await returning.say('hola')).toEqual([])
    const menu = await returning.say('menú')
    expect(menu).toHaveLength(1)
    expect(menu[0]).toMatch(/^¿Qué quieres hacer\?[\s\S]*1\. Cambiar de canal[\s\S]*4\. Retirar/)
    expect(menu[0]).not.toMatch(/Te escribe el asistente/)
    // 1: change channel
    expect((await returning.say('1'))[0]).toMatch(/¿Por dónde prefieres que hablemos\?/)
    await returning.say('telegram')
    expect((await readStore(second.dataDir)).contacts[MX]!.channel!.channel).toBe('telegram')
    // 2: change one permission (a refused offer can be accepted later)
    await returning.say('menú')
    expect((await returning.say('2'))[0]).toMatch(/¿Qué permiso quieres cambiar\?[\s\S]*2\. enviarte ofertas adaptadas a ti \(ahora: no\)/)
    expect((await returning.say('2'))[0]).toMatch(/¿Y aceptas que usemos tus datos para \*enviarte ofertas/)
    expect((await returning.say('sí'))[0]).toMatch(/así quedan tus permisos:\n• atender[^\n]*: sí\n• enviarte[^\n]*: sí/)
    expect((await readStore(second.dataDir)).contacts[MX]!.consents.marketing!.state).toBe('given')
    // 4: withdraw from the menu
    await returning.say('menú')
    expect((await returning.say('4'))[0]).toMatch(/has retirado tu permiso/)
    expect((await readStore(second.dataDir)).ledger.map((r) => r.event)).toEqual(['given', 'refused', 'given', 'withdrawn'])
    expect((await readStore(second.dataDir)).ledger.at(-1)!.purposes).toEqual(['service', 'marketing'])
  })

  it('a contact whose step the owner renamed is told the conversation restarts, keeps what they answered, and nothing crashes', async () => {
    const first = await open()
    const chat = first.chat(MX)
    for (const body of ['hola', 'sí']) await chat.say(body) // standing on askMarketing
    await first.close()

    // The owner renames askMarketing to askOffers (and its one reference).
    const project = tempDir('owner-')
    cpSync(join(ROOT, 'flows'), join(project, 'flows'), { recursive: true })
    const flowFile = join(project, 'flows', 'consent.yaml')
    writeFileSync(flowFile, readFileSync(flowFile, 'utf8').replaceAll('askMarketing', 'askOffers'))
    const second = await open({ dataDir: first.dataDir, flowsDir: join(project, 'flows') })
    const replies = await second.chat(MX).say('sí')
    expect(replies[0]).toBe(
      'Hemos actualizado esta conversación y tenemos que retomarla desde el principio. Lo que ya nos dijiste sigue guardado.',
    )
    expect(replies.at(-1)).toMatch(/¿Aceptas que usemos tus datos para \*atender/)
    // What was recorded stays; the stray "sí" was not taken as an answer to a question never shown.
    const db = await readStore(second.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([['given', ['service']]])
    expect(db.contacts[MX]!.consents.service!.state).toBe('given')
    // And the conversation goes on from there.
    expect((await second.chat(MX).say('sí'))[0]).toMatch(/¿Y aceptas/)
    removeDir(project)
  })
})
