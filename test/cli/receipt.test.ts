/**
 * `npm run receipt -- <id>`: the owner produces the full Kantara-style receipt of the record a
 * contact was given the id of, from the command line.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MX, readDatabase, testBots } from '../support/chat.js'
import { ownerProject, runCli } from './run-cli.js'

const open = testBots()

describe('npm run receipt', () => {
  it('prints the Kantara v1.1 receipt of the id the contact was given, with the notice shown and the evidence', async () => {
    const bot = await open()
    const chat = bot.chat(MX)
    for (const body of ['hola', 'Sí, acepto', 'no']) await chat.say(body)
    const thanks = (await chat.say('whatsapp')).find((reply) => reply.includes('Tu comprobante'))!
    const id = /Tu comprobante: \*([^*]+)\*/.exec(thanks)![1]!
    await bot.close()

    const run = await runCli('receipt.ts', [id.toLowerCase(), '--data-dir', bot.dataDir], ownerProject())
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const receipt = JSON.parse(run.stdout)
    const record = readDatabase(bot.dataDir).ledger.find((r) => r.id === id)!
    expect(receipt).toMatchObject({
      version: 'KI-CR-v1.1.0',
      consentReceiptID: id,
      consentTimestamp: Math.floor(Date.parse(record.at) / 1000),
      language: 'es',
      piiPrincipalId: MX,
      piiControllers: [
        { piiController: 'Tienda Ejemplo', email: 'privacidad@tienda.example', piiControllerUrl: 'https://tienda.example/privacidad' },
      ],
      policyUrl: 'https://tienda.example/privacidad',
      sensitive: false,
      event: 'refused',
      eventPurposes: ['marketing'],
      evidence: { answer: 'no', erased: false },
      ledger: { seq: 2, chainIntactUpToHere: true },
    })
    expect(receipt.collectionMethod).toMatch(/WhatsApp chat .*message test-/)
    const [service, marketing] = receipt.services[0].purposes
    expect(service).toMatchObject({
      purposeId: 'service',
      purposeCategory: ['1 - Core Function'],
      consentType: 'EXPLICIT',
      primaryPurpose: true,
      consentState: 'given',
      termination: '2 years',
      piiCategory: ['2 - Contact', '4 - Communications/Social'],
    })
    expect(receipt.personalData).toEqual(['phone', 'messages', 'channel'])
    expect(service.purpose).toMatch(/^atender esta conversación y tus pedidos: Usamos tu número/)
    expect(marketing).toMatchObject({ purposeCategory: ['6 - Marketing'], primaryPurpose: false, consentState: 'refused' })
    expect(receipt.notice.text).toMatch(/Aviso de privacidad de Tienda Ejemplo/)
  })

  it('after an erasure, names the contact by pseudonym only; an unknown id exits 1', async () => {
    const bot = await open()
    const chat = bot.chat(MX)
    for (const body of ['hola', 'sí', 'no', 'whatsapp']) await chat.say(body)
    const id = readDatabase(bot.dataDir).ledger[0]!.id
    for (const body of ['borrar', 'sí']) await chat.say(body)
    await bot.close()
    const project = ownerProject()
    const run = await runCli('receipt.ts', [id, '--data-dir', bot.dataDir], project)
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(MX)
    expect(JSON.parse(run.stdout)).toMatchObject({ piiPrincipalId: expect.stringMatching(/^p-/), evidence: { answer: null, erased: true } })

    const missing = await runCli('receipt.ts', ['ZZZZ-ZZZZ-ZZ', '--data-dir', join(bot.dataDir)], project)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no record with id ZZZZ-ZZZZ-ZZ/)
  })
})
