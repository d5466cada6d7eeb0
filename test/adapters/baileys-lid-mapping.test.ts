/**
 * Contacts split between a number and its LID in an existing data folder are merged at start,
 * from the LID mapping Baileys keeps in the session folder. The mapping is written by Baileys'
 * own LIDMappingStore through its own multi-file key store (baileys/lib/Signal/lid-mapping.js,
 * useMultiFileAuthState), exactly as a connected socket writes it.
 */
import { join } from 'node:path'
import { addTransactionCapability, useMultiFileAuthState } from 'baileys'
import { LIDMappingStore } from 'baileys/lib/Signal/lid-mapping.js'
import { afterEach, describe, expect, it } from 'vitest'
import { lidMappingReader } from '../../src/adapters/baileys-lid-mapping.js'
import { openLowdbStore, readConsentData } from '../../src/adapters/lowdb-store.js'
import { startBot } from '../../src/main/bot.js'
import type { InboundSource } from '../../src/ports/inbound-source.js'
import { RecordingProvider, removeDir, ROOT, tempDir } from '../support/chat.js'
import { testEngine } from '../support/engine.js'

const NUMBER = '34612345678'
const LID = '123456789012345@lid'
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet, level: 'silent' }

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach(removeDir))

async function baileysMapping(sessionDir: string, lid: string, number: string) {
  const { state } = await useMultiFileAuthState(sessionDir)
  // As the socket wraps the key store (baileys/lib/Socket/socket.js) before handing it to the mapping.
  const keys = addTransactionCapability(state.keys, quiet as never, { maxCommitRetries: 1, delayBetweenTriesMs: 0 })
  await new LIDMappingStore(keys, quiet as never).storeLIDPNMappings([{ lid, pn: `${number}@s.whatsapp.net` }])
}

describe('the LID mapping Baileys keeps', () => {
  it('files a LID that writes alone under the number Baileys knows for it', async () => {
    const dataDir = tempDir()
    const session = tempDir()
    dirs.push(dataDir, session)
    await baileysMapping(session, LID, '14155550123')
    const provider = new RecordingProvider()
    let deliver!: (inbound: Parameters<Parameters<InboundSource['onMessage']>[0]>[0]) => void
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider,
      messenger: { send: async (to, text) => void provider.sent.push({ to, text }) },
      inbound: { onMessage: (listener) => ((deliver = listener), () => {}), numberOf: lidMappingReader(session) },
    })
    deliver({ contact: LID, messageId: 'x1', text: 'ok', kind: 'text' })
    await bot.settled()
    await bot.close()
    // Greeted in the language of the number's country, answered on the LID chat, filed under the number.
    expect(provider.sent[0]).toMatchObject({ to: LID, text: expect.stringMatching(/^Hi! 👋/) })
    const data = readConsentData(dataDir)
    expect(Object.keys(data.contacts)).toEqual(['14155550123'])
    expect(data.contacts['14155550123']!.lid).toBe(LID)
  })

  it('tells the number of a LID it has seen, and nothing for one it has not', async () => {
    const session = tempDir()
    dirs.push(session)
    await baileysMapping(session, LID, NUMBER)
    const numberOf = lidMappingReader(session)
    expect(await numberOf(LID)).toBe(NUMBER)
    expect(await numberOf('999999999999999@lid')).toBeUndefined()
    expect(await numberOf(NUMBER)).toBeUndefined()
  })

  it('merges at start the contacts a data folder holds split between a number and its LID', async () => {
    const dataDir = tempDir()
    const session = tempDir()
    dirs.push(dataDir, session)
    // Before: the person wrote from the LID alone, then from the number: two contacts.
    const store = await openLowdbStore(dataDir, { keepBackups: 1 })
    const { engine } = await testEngine(store, [], { rateLimit: false })
    for (const [from, id, body] of [
      [LID, 'a', 'hola'],
      [LID, 'b', 'sí'],
      [NUMBER, 'c', 'hola'],
    ] as const)
      await engine.handle({ contact: from, messageId: id, text: body, kind: 'text' })
    await engine.settled()
    await store.close()
    expect(Object.keys(readConsentData(dataDir).contacts).sort()).toEqual([LID, NUMBER].sort())

    await baileysMapping(session, LID, NUMBER)
    const bot = await startBot({
      flowsDir: join(ROOT, 'flows'),
      localesDir: join(ROOT, 'locales'),
      dataDir,
      defaultLanguage: 'es',
      provider: new RecordingProvider(),
      inbound: { onMessage: () => () => {}, numberOf: lidMappingReader(session) },
    })
    await bot.close()
    const data = readConsentData(dataDir)
    expect(Object.keys(data.contacts)).toEqual([NUMBER])
    expect(data.contacts[NUMBER]!.lid).toBe(LID)
    expect(data.contacts[NUMBER]!.consents.service!.state).toBe('given')
    expect(data.ledger.map((e) => e.record.event)).toEqual(['given', 'merged'])
    expect(data.ledger[1]!.record.collection).toEqual({ method: 'policy-rule', rule: 'whatsapp-lid-mapping' })
  })
})
