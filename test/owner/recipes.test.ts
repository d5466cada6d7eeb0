/**
 * The README's "Common edits", done exactly as written on a copy of the owner files: the files
 * still pass the check, and contacts see the change.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { MX, readDatabase, removeDir, ROOT, tempDir, testBots } from '../support/chat.js'

const open = testBots()

/** A copy of flows/ and locales/ that a test edits like an owner would. */
function ownerCopy() {
  const dir = tempDir('owner-')
  for (const sub of ['flows', 'locales']) cpSync(join(ROOT, sub), join(dir, sub), { recursive: true })
  const edit = (file: string, change: (text: string) => string) => {
    const path = join(dir, file)
    const before = readFileSync(path, 'utf8')
    const after = change(before)
    expect(after, `the edit of ${file} changed nothing`).not.toBe(before)
    writeFileSync(path, after)
  }
  const json = (file: string, change: (data: Record<string, Record<string, unknown>>) => void) =>
    edit(file, (text) => {
      const data = JSON.parse(text)
      change(data)
      return `${JSON.stringify(data, null, 2)}\n`
    })
  return { dir, flowsDir: join(dir, 'flows'), localesDir: join(dir, 'locales'), edit, json }
}

describe('the README recipes', () => {
  it('change a text: the bot says the new words', async () => {
    const owner = ownerCopy()
    owner.json('locales/es/messages.json', (m) => (m.greeting!.hello = '¡Buenas! Soy el asistente de *{{business}}*.'))
    const bot = await open({ flowsDir: owner.flowsDir, localesDir: owner.localesDir })
    expect((await bot.chat(MX).say('hola'))[0]).toBe('¡Buenas! Soy el asistente de *Tienda Ejemplo*.')
    removeDir(owner.dir)
  })

  it('add a channel link: the contact gets the link instead of being asked for a number', async () => {
    const owner = ownerCopy()
    owner.edit('flows/policy.yaml', (t) => t.replace('  signal: {}', '  signal: { link: https://signal.me/#p/+34600000000 }'))
    const bot = await open({ flowsDir: owner.flowsDir, localesDir: owner.localesDir })
    const chat = bot.chat(MX)
    for (const body of ['hola', 'sí', 'no']) await chat.say(body)
    expect((await chat.say('signal'))[0]).toBe('Perfecto. Para hablar por *Signal*, abre este enlace: https://signal.me/#p/+34600000000')
    removeDir(owner.dir)
  })

  it('add a purpose: the check passes, new contacts are asked it, CHANGE offers it, and earlier contacts are told it is new', async () => {
    const owner = ownerCopy()
    const first = await open({ flowsDir: owner.flowsDir, localesDir: owner.localesDir })
    for (const body of ['hola', 'sí', 'no', 'whatsapp']) await first.chat(MX).say(body)
    await first.close()

    owner.edit('flows/policy.yaml', (t) =>
      t
        .replace(
          '  marketing: { required: false, category: Marketing, basis: consent }',
          '  marketing: { required: false, category: Marketing, basis: consent }\n  surveys: { required: false, category: Improve Performance, basis: consent }',
        )
        .replace('version: 2026-11-01', 'version: 2026-12-01'),
    )
    const texts = {
      es: {
        name: 'pedirte tu opinión en encuestas',
        description: 'Te escribiríamos de vez en cuando para saber qué te pareció.',
        inReturn: 'Mejoramos lo que nos dices que falta.',
        ask: '¿Aceptas que te escribamos para *$t(purposes.surveys.name)*?\nResponde *SÍ* o *NO*.',
      },
      en: {
        name: 'ask your opinion in surveys',
        description: 'We would write now and then to ask how it went.',
        inReturn: 'We improve what you tell us is missing.',
        ask: 'Do you agree that we write to *$t(purposes.surveys.name)*?\nReply *YES* or *NO*.',
      },
    }
    for (const language of ['es', 'en'] as const) {
      owner.json(`locales/${language}/messages.json`, (m) => {
        m.purposes!.surveys = { name: texts[language].name, description: texts[language].description, inReturn: texts[language].inReturn }
        m.consent!.surveys = texts[language].ask
      })
      owner.edit(`locales/${language}/answers.json`, (t) =>
        t.replace('  "channels": {', `  "surveys": ["${language === 'es' ? 'encuestas' : 'surveys'}"],\n  "channels": {`),
      )
    }
    owner.edit('flows/consent.yaml', (t) =>
      t
        .replace(
          '      yes:  { record: { grant: marketing }, say: consent.thanksMarketing, next: askChannel }\n      no:   { record: { refuse: marketing }, say: consent.noMarketing, next: askChannel }',
          '      yes:  { record: { grant: marketing }, say: consent.thanksMarketing, next: askSurveys }\n      no:   { record: { refuse: marketing }, say: consent.noMarketing, next: askSurveys }',
        )
        .replace(
          '  askChannel:\n',
          '  askSurveys:\n    ask: consent.surveys\n    answers:\n      yes:  { record: { grant: surveys }, next: askChannel }\n      no:   { record: { refuse: surveys }, next: askChannel }\n\n  askChannel:\n',
        )
        .replace(
          '      marketing: { next: changeMarketing }\n',
          '      marketing: { next: changeMarketing }\n      surveys:   { next: changeSurveys }\n',
        )
        .replace(
          '  # DELETE:',
          '  changeSurveys:\n    ask: consent.surveys\n    answers:\n      yes:  { record: { grant: surveys }, say: rights.changed, next: settled }\n      no:   { record: { refuse: surveys }, say: rights.changed, next: settled }\n\n  # DELETE:',
        ),
    )
    // Step 5: npm run check (the same check the bot runs at start).
    await expect(loadBusinessFiles(owner.flowsDir, owner.localesDir, 'es', owner.dir)).resolves.toBeDefined()

    const bot = await open({ dataDir: first.dataDir, flowsDir: owner.flowsDir, localesDir: owner.localesDir })
    // The earlier contact is told what is new.
    expect((await bot.chat(MX).say('hola'))[0]).toContain('• Nuevo: te pedimos permiso para pedirte tu opinión en encuestas.')
    // A new contact is asked it after the offers.
    const ana = bot.chat('5215598765432')
    await ana.say('hola')
    await ana.say('sí')
    expect((await ana.say('no')).at(-1)).toBe('¿Aceptas que te escribamos para *pedirte tu opinión en encuestas*?\nResponde *SÍ* o *NO*.')
    await ana.say('sí')
    await ana.say('whatsapp')
    // And CHANGE offers it, by its number.
    expect((await ana.say('cambiar'))[0]).toContain('3. pedirte tu opinión en encuestas (ahora: sí)')
    await ana.say('3')
    await ana.say('no')
    expect(readDatabase(bot.dataDir).contacts['5215598765432']!.consents.surveys!.state).toBe('refused')
    removeDir(owner.dir)
  })

  it('add a menu option: the check passes, the menu lists it numbered, and its number works', async () => {
    const owner = ownerCopy()
    owner.edit('flows/consent.yaml', (t) =>
      t.replace(
        '      done:          { say: menu.bye, next: settled }\n',
        '      hours:         { say: hours.open }\n      done:          { say: menu.bye, next: settled }\n',
      ),
    )
    const texts = { es: ['Ver el horario', 'Abrimos de 9 a 18.'], en: ['See our hours', 'We open 9 to 6.'] }
    for (const language of ['es', 'en'] as const) {
      owner.json(`locales/${language}/messages.json`, (m) => {
        m.choices!.hours = texts[language][0]
        m.hours = { open: texts[language][1] }
      })
    }
    await expect(loadBusinessFiles(owner.flowsDir, owner.localesDir, 'es', owner.dir)).resolves.toBeDefined()
    const bot = await open({ flowsDir: owner.flowsDir, localesDir: owner.localesDir })
    const chat = bot.chat(MX)
    for (const body of ['hola', 'sí', 'no', 'whatsapp']) await chat.say(body)
    const menu = (await chat.say('menú'))[0]!
    expect(menu).toContain('7. Ver el horario\n8. Nada, gracias')
    expect((await chat.say('7'))[0]).toBe('Abrimos de 9 a 18.')
    removeDir(owner.dir)
  })
})
