/**
 * A contact's language follows what they write when it clearly differs from their number's
 * country, and the first message says once how to switch. Through the real bridge and owner files.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openTestBot, readStore, removeDir, type TestBot } from '../support/chat.js'

let open: TestBot | undefined
afterEach(async () => {
  await open?.close()
  if (open) removeDir(open.dataDir)
  open = undefined
})

describe('the language of a contact', () => {
  it('a +1 number writing "hola" is greeted in Spanish, and "sí" is a yes', async () => {
    open = await openTestBot({ defaultLanguage: 'en' })
    const ana = open.chat('14155550123')
    const greeting = await ana.say('hola')
    expect(greeting.join('\n')).toMatch(/^¡Hola! 👋/)
    expect(greeting.join('\n')).toMatch(/Write \*ENGLISH\* to continue in English/)
    const answer = await ana.say('sí')
    expect(answer.join('\n')).not.toMatch(/did not understand|Sorry/)
    expect((await readStore(open.dataDir)).contacts['14155550123']!.consents.service!.state).toBe('given')
  })

  it('an English greeting answered "sí" switches to Spanish, says so, and takes the yes', async () => {
    open = await openTestBot({ defaultLanguage: 'en' })
    const bob = open.chat('14155550199')
    const greeting = await bob.say('ok')
    expect(greeting.join('\n')).toMatch(/^Hi! 👋/)
    expect(greeting.join('\n')).toMatch(/Escribe \*ESPAÑOL\* para seguir en español/)
    const answer = await bob.say('sí')
    expect(answer[0]).toBe('De acuerdo, seguimos en español.')
    expect(answer.join('\n')).toMatch(/ofertas/) // the next question, in Spanish
    const contact = (await readStore(open.dataDir)).contacts['14155550199']!
    expect(contact.language).toBe('es')
    expect(contact.consents.service!.state).toBe('given')
  })

  it('a word both languages share ("ok", "no", "STOP") never switches it', async () => {
    open = await openTestBot({ defaultLanguage: 'es' })
    const eva = open.chat('34612345678')
    await eva.say('hola')
    const no = await eva.say('no')
    expect(no.join('\n')).not.toMatch(/English/)
    expect((await readStore(open.dataDir)).contacts['34612345678']!.language).toBe('es')
  })
})
