/**
 * Consent that no longer holds is asked for again: when the owner publishes a new policy
 * version (told what changed, across a restart), when a consent is older than the policy's
 * `consentValidForDays`, and a question left unanswered too long is recorded as lapsed.
 * Older records stay exactly as they were.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/domain/ledger.js'
import { MX, readStore, removeDir, ROOT, tempDir, testBots, US } from '../support/chat.js'

const open = testBots()

/** A copy of the real owner files with `policy.yaml` edited: [find, replace] pairs. */
function ownerFiles(...edits: [string, string][]): { flowsDir: string; localesDir: string } {
  const dir = tempDir('owner-')
  cpSync(join(ROOT, 'flows'), join(dir, 'flows'), { recursive: true })
  cpSync(join(ROOT, 'locales'), join(dir, 'locales'), { recursive: true })
  const policy = join(dir, 'flows', 'policy.yaml')
  let text = readFileSync(policy, 'utf8')
  for (const [find, replace] of edits) {
    expect(text).toContain(find)
    text = text.replace(find, replace)
  }
  writeFileSync(policy, text)
  return { flowsDir: join(dir, 'flows'), localesDir: join(dir, 'locales') }
}

/** A clock the test moves forward. */
function clockAt(iso: string) {
  let now = new Date(iso)
  return { clock: () => now, advanceDays: (days: number) => (now = new Date(now.getTime() + days * 86_400_000)) }
}

describe('a new policy version', () => {
  it('after a restart, tells a consented contact what changed and asks again; the old records stay as they were', async () => {
    const first = await open()
    const chat = first.chat(MX)
    for (const body of ['hola', 'sí', 'no', 'whatsapp']) await chat.say(body)
    await first.close()
    const before = (await readStore(first.dataDir)).entries

    const files = ownerFiles(['version: 2026-11-01', 'version: 2026-12-01'], ['retention: 2 years', 'retention: 3 years'])
    const second = await open({ dataDir: first.dataDir, ...files })
    const replies = await second.chat(MX).say('hola')
    expect(replies[0]).toBe(
      'Antes de seguir, necesitamos tu permiso otra vez:\n' +
        '• Nuestro aviso de privacidad ha cambiado (versión 2026-11-01 → 2026-12-01).\n' +
        '• Ahora guardamos los datos 3 años (antes, 2 años).',
    )
    expect(replies[1]).toContain('• Los guardamos 3 años.')
    expect(replies.at(-1)).toMatch(/¿Aceptas que usemos tus datos para \*atender/)

    await second.chat(MX).say('sí')
    const after = await readStore(second.dataDir)
    // Append-only: the records under the old version are untouched, byte for byte.
    expect(after.entries.slice(0, before.length)).toEqual(before)
    expect(after.ledger.at(-1)).toMatchObject({
      event: 'given',
      purposes: ['service'],
      notice: { policyVersion: '2026-12-01' },
      retention: '3 years',
    })
    expect(after.contacts[MX]!.policyVersion).toBe('2026-12-01')
    expect(verifyChain(after.entries).intact).toBe(true)
    removeDir(join(files.flowsDir, '..'))
  })

  it('a STOP written as the first message after the change is honoured at once; nothing is asked', async () => {
    const first = await open()
    for (const body of ['hola', 'sí', 'sí', 'whatsapp']) await first.chat(MX).say(body)
    await first.close()
    const files = ownerFiles(['version: 2026-11-01', 'version: 2027-01-01'])
    const second = await open({ dataDir: first.dataDir, ...files })
    const replies = await second.chat(MX).say('BAJA')
    expect(replies).toEqual([expect.stringMatching(/^Hecho: has retirado tu permiso/)])
    expect((await readStore(second.dataDir)).ledger.at(-1)).toMatchObject({ event: 'withdrawn', purposes: ['service', 'marketing'] })
    removeDir(join(files.flowsDir, '..'))
  })

  it('asks only once: the next message answers the question, and a contact who never answered anything is not asked again', async () => {
    const first = await open()
    for (const body of ['hi', 'yes', 'yes', 'whatsapp']) await first.chat(US).say(body)
    await first.chat(MX).say('hola') // greeted, never answered
    await first.close()

    const files = ownerFiles(['version: 2026-11-01', 'version: 2027-01-01'])
    const second = await open({ dataDir: first.dataDir, ...files })
    expect((await second.chat(US).say('hello'))[0]).toMatch(
      /^Before we go on, we need your permission again:\n• Our privacy notice has changed \(version 2026-11-01 → 2027-01-01\)\.$/,
    )
    expect((await second.chat(US).say('yes'))[0]).toMatch(/^And do you agree that we use your data to \*send you offers/)
    // Not a consenting contact: continues where they stood.
    expect((await second.chat(MX).say('sí'))[0]).toMatch(/¿Y aceptas que usemos tus datos para \*enviarte ofertas/)
    removeDir(join(files.flowsDir, '..'))
  })
})

describe('consent that lapses', () => {
  it('past consentValidForDays, the consent is recorded as lapsed by the policy and the contact is asked again', async () => {
    const time = clockAt('2026-01-10T12:00:00Z')
    const files = ownerFiles(['# consentValidForDays: 365', 'consentValidForDays: 30'])
    const bot = await open({ ...files, clock: time.clock })
    const chat = bot.chat(MX)
    for (const body of ['hola', 'sí', 'no', 'whatsapp']) await chat.say(body)

    time.advanceDays(10)
    expect(await chat.say('hola')).toEqual([]) // still valid: the bot stays quiet, the staff answer

    time.advanceDays(25)
    const replies = await chat.say('hola')
    expect(replies[0]).toBe(
      'Antes de seguir, necesitamos tu permiso otra vez:\n• Tu permiso para atender esta conversación y tus pedidos del 10 de enero de 2026 ha caducado (vale 30 días).',
    )
    const db = await readStore(bot.dataDir)
    expect(db.ledger.at(-1)).toMatchObject({
      event: 'lapsed',
      purposes: ['service'],
      consents: { service: 'lapsed', marketing: 'refused' },
      collection: { method: 'policy-rule', rule: 'consentValidForDays' },
      at: '2026-02-14T12:00:00.000Z',
    })
    expect(db.contacts[MX]!.consents.service!.state).toBe('lapsed')
    await chat.say('sí')
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents.service!.state).toBe('given')
    removeDir(join(files.flowsDir, '..'))
  })

  it('a consent question left unanswered past lapseUnansweredAfterDays is recorded as lapsed, once; a late answer still counts', async () => {
    const time = clockAt('2026-03-01T09:00:00Z')
    const bot = await open({ clock: time.clock })
    const chat = bot.chat(MX)
    await chat.say('¿tienen envíos a Monterrey?')
    await chat.say('sí') // now asked about offers, and silent
    expect((await readStore(bot.dataDir)).contacts[MX]!.handover).toEqual({ message: '¿tienen envíos a Monterrey?' })
    time.advanceDays(29)
    expect(await bot.bot.engine.lapseUnanswered()).toBe(0)
    time.advanceDays(2)
    expect(await bot.bot.engine.lapseUnanswered()).toBe(1)
    expect(await bot.bot.engine.lapseUnanswered()).toBe(0)
    const db = await readStore(bot.dataDir)
    expect(db.ledger.map((r) => [r.event, r.purposes])).toEqual([
      ['given', ['service']],
      ['lapsed', ['marketing']],
    ])
    expect(db.ledger.at(-1)).toMatchObject({
      collection: { method: 'policy-rule', rule: 'lapseUnansweredAfterDays' },
      personal: { contact: MX },
    })
    // The question kept for the staff, never passed to them, is not kept past the lapse either.
    expect(db.contacts[MX]!.handover).toBeUndefined()
    // The question is still open: a late yes is a new record.
    expect((await chat.say('sí'))[0]).toMatch(/¡Gracias!/)
    expect((await readStore(bot.dataDir)).contacts[MX]!.consents.marketing!.state).toBe('given')
  })
})
