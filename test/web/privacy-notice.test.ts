/**
 * /privacy as a complete notice, through the real server: every part (legal basis, what a contact
 * gets in return, recipients and transfers, retention, every right with its chat word, the
 * authority, the controller's address) in both languages, from flows/policy.yaml and locales/;
 * and every earlier version at /privacy/<version>, the exact texts the ledger's records refer to.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { escapeHtml } from '../../src/app/web/html.js'
import { readDatabase, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { MX2, openWebBot, type WebBot } from './support.js'

const OLD_VERSION = '2026-06-01'
let web: WebBot
let dataDir: string
let flowsRoot: string

beforeAll(async () => {
  // A first policy version, with contacts answering in both languages: its notices go to the ledger.
  dataDir = tempDir('consent-bot-notices-')
  flowsRoot = tempDir('consent-bot-flows-')
  const flowsDir = join(flowsRoot, 'flows')
  cpSync(join(ROOT, 'flows'), flowsDir, { recursive: true })
  const policy = join(flowsDir, 'policy.yaml')
  writeFileSync(policy, readFileSync(policy, 'utf8').replace(/^version: .*$/m, `version: ${OLD_VERSION}`))
  const old = await openWebBot({ flowsDir, dataDir })
  await old.chat(MX2).say('hola')
  await old.chat(MX2).say('sí')
  await old.chat(US).say('hi')
  await old.chat(US).say('yes')
  await old.close()
  // Then the current policy, on the same data.
  web = await openWebBot({ dataDir })
  await web.chat(MX2).say('hola')
}, 60_000)

afterAll(async () => {
  await web?.close()
  removeDir(dataDir)
  removeDir(flowsRoot)
})

const page = async (path: string) => {
  const response = await fetch(`${web.url}${path}`)
  expect(response.status, path).toBe(200)
  return response.text()
}

/** The text of a section, without tags, spaces collapsed. */
const section = (html: string, id: string) => {
  const match = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html)
  expect(match, `section #${id}`).not.toBeNull()
  return match![1]!
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,:;)])/g, '$1')
    .trim()
}

describe('the privacy page is a complete notice', () => {
  it('in Spanish: legal basis and what you get per purpose, retention, recipients and transfers, rights with their words, authority, address', async () => {
    const es = await page('/privacy?lang=es')
    const purposes = section(es, 'purposes')
    expect(purposes).toContain('atender esta conversación y tus pedidos (necesario para atenderte)')
    expect(purposes).toContain('Base legal: atender la relación que pides con nosotros (contrato).')
    expect(purposes).toContain('Base legal: tu consentimiento.')
    expect(purposes).toContain('Lo que recibes a cambio: Te avisamos cuando llega tu talla')
    expect(purposes).toContain('Cuánto tiempo: guardamos tus datos 2 años y después los borramos.')
    const recipients = section(es, 'recipients')
    expect(recipients).toContain(
      'WhatsApp (Meta Platforms): encargado del tratamiento (trata los datos por cuenta nuestra); guarda los datos en Estados Unidos.',
    )
    expect(recipients).toContain('Transferencias internacionales: tus datos salen de México hacia Estados Unidos.')
    const rights = section(es, 'rights')
    for (const line of [
      'Acceso: saber qué datos tuyos tenemos: escribe MIS DATOS en el chat',
      'Rectificación: corregir tus datos o tus permisos: escribe CAMBIAR en el chat',
      'Supresión: que borremos tus datos: escribe BORRAR en el chat',
      'Limitación: que dejemos de usar tus datos mientras se resuelve una queja: escríbenos a privacidad@tienda.example',
      'Portabilidad: recibir tus datos en un formato que puedas llevar a otro sitio: escríbenos a privacidad@tienda.example',
      'Oposición: que dejemos de usarlos para ofertas: escribe NO MÁS OFERTAS en el chat',
      'Retirar tu consentimiento en cualquier momento: escribe BAJA en el chat',
    ])
      expect(rights).toContain(line)
    expect(es).toContain(
      'ante la autoridad de protección de datos: <a href="https://www.gob.mx/buengobierno" rel="noopener noreferrer">Secretaría Anticorrupción y Buen Gobierno</a>.',
    )
    const controller = section(es, 'controller')
    expect(controller).toContain('Consultas sobre tus datos privacidad@tienda.example')
    expect(controller).toContain('Teléfono +52 55 1234 5678')
    expect(controller).toContain('Dirección Av. Juárez 10, Col. Centro 06000 Ciudad de México México')
  })

  it('in English, every part in its words: the chat words are the English ones', async () => {
    const en = await page('/privacy?lang=en')
    expect(section(en, 'purposes')).toContain('Legal basis: serving the relationship you ask for with us (contract).')
    expect(section(en, 'purposes')).toContain('What you get in return: We tell you when your size or a product you are looking for arrives')
    expect(section(en, 'purposes')).toContain('How long: we keep your data for 2 years, then delete it.')
    expect(section(en, 'recipients')).toContain('Transfers abroad: your data leaves Mexico for United States.')
    const rights = section(en, 'rights')
    for (const line of [
      'Access: know what data of yours we hold: write MY DATA in the chat',
      'Rectification: correct your data or your permissions: write CHANGE in the chat',
      'Erasure: have your data deleted: write DELETE in the chat',
      'Objection: have us stop using it for offers: write NO MORE OFFERS in the chat',
      'Withdraw your consent at any time: write STOP in the chat',
      'Portability: receive your data in a format you can take elsewhere: write to us at privacidad@tienda.example',
    ])
      expect(rights).toContain(line)
    expect(section(en, 'complaint')).toContain(
      'You may complain to the data protection authority: Secretaría Anticorrupción y Buen Gobierno.',
    )
    expect(section(en, 'controller')).toContain('Address Av. Juárez 10, Col. Centro 06000 Ciudad de México Mexico')
  })
})

describe('earlier versions', () => {
  it('are listed on /privacy, and each is served read-only as the exact text the ledger refers to', async () => {
    const es = await page('/privacy?lang=es')
    expect(section(es, 'versions')).toContain('Versión 2026-11-01 (vigente)')
    expect(es).toContain(`<a href="privacy/${OLD_VERSION}?lang=es">Versión ${OLD_VERSION}</a>`)

    const { ledger, notices } = readDatabase(dataDir)
    for (const [language, path] of [
      ['es', `/privacy/${OLD_VERSION}?lang=es`],
      ['en', `/privacy/${OLD_VERSION}?lang=en`],
    ] as const) {
      const record = ledger.find((r) => r.notice.policyVersion === OLD_VERSION && r.notice.language === language)
      expect(record, `a ${language} record of the old version`).toBeDefined()
      const kept = notices[record!.notice.hash]!
      expect(kept.policyVersion).toBe(OLD_VERSION)
      const old = await page(path)
      expect(old).toContain(`<code>${record!.notice.hash}</code>`)
      // Every line of the exact text the contact was shown, as written (WhatsApp's marks and bullets aside).
      const shown = old
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .replace(/ ([.,:;)])/g, '$1')
      for (const line of kept.text.split('\n').filter((l) => l.trim()))
        expect(shown, line).toContain(escapeHtml(line.replace(/^• /, '').replace(/[*_~]/g, '')).replace(/\s+/g, ' ').trim())
      expect(old).toContain(`(versión ${OLD_VERSION})`.replace('versión', language === 'es' ? 'versión' : 'version'))
      expect(old).not.toContain('versión 2026-11-01')
    }
  })

  it('answers 404 for a version the ledger does not know, and refuses to write', async () => {
    for (const path of ['/privacy/2020-01-01', '/privacy/', '/privacy/%E0%A4%A', '/privacy/2026-06-01/x'])
      expect((await fetch(`${web.url}${path}`)).status, path).toBe(404)
    expect((await fetch(`${web.url}/privacy/${OLD_VERSION}`, { method: 'POST' })).status).toBe(405)
  })
})
