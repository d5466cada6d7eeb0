/**
 * `--whatsapp-about on`: the WhatsApp profile's About says how the business uses data, with the
 * privacy page's link. The text is the owner's (locales/<lang>/messages.json "whatsapp.about"),
 * filled in through the real texts; it is set through Baileys' own `updateProfileStatus` (the
 * socket's method, baileys/lib/Socket/chats.js) whenever the connection opens, as BuilderBot
 * emits `ready` on `connection: 'open'`.
 */
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { createWhatsApp } from '../../src/adapters/whatsapp-provider.js'
import { ConfigError, parseConfig } from '../../src/app/config.js'
import { createLogger } from '../../src/app/logger.js'
import { withNoticePage } from '../../src/app/web/privacy-page.js'
import { WHATSAPP_ABOUT_LIMIT, whatsappAbout } from '../../src/app/whatsapp-about.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { ROOT } from '../support/chat.js'

afterAll(() => {
  rmSync('bot_sessions', { recursive: true, force: true })
  rmSync('baileys.log', { force: true })
})

const files = () => loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)

describe('the WhatsApp About text', () => {
  it("is the notice in short with the privacy page link, within WhatsApp's 139 characters, in the owner's language", async () => {
    const { business, texts } = await files()
    const policy = withNoticePage({ ...business.policy, noticeUrl: undefined } as never, 'https://tienda.example')
    const es = whatsappAbout(policy, texts, 'es')
    const en = whatsappAbout(policy, texts, 'en')
    for (const text of [es, en]) {
      expect(text).toContain(policy.noticeUrl)
      expect(text).toContain(business.policy.controller.name)
      expect([...text].length).toBeLessThanOrEqual(WHATSAPP_ABOUT_LIMIT)
      expect(text).not.toMatch(/\{\{|\}\}/)
    }
    expect(es).toMatch(/Así usamos tus datos/)
    expect(en).toMatch(/uses your data/)
  })

  it('is refused with one clear line without a page to link to, or when too long for WhatsApp', async () => {
    const { business, texts } = await files()
    const withoutPage = { ...business.policy, noticeUrl: undefined }
    expect(() => whatsappAbout(withoutPage as never, texts, 'es')).toThrow(ConfigError)
    expect(() => whatsappAbout(withoutPage as never, texts, 'es')).toThrow(/set PUBLIC_URL/)
    const long = { ...business.policy, noticeUrl: `https://tienda.example/${'a'.repeat(120)}` }
    expect(() => whatsappAbout(long, texts, 'es')).toThrow(/characters once filled in, and WhatsApp's About takes at most 139: shorten/)
  })

  it('is off unless the owner turns it on, with on or off only', () => {
    expect(parseConfig([], {}, ROOT)).not.toHaveProperty('whatsappAbout')
    expect(parseConfig(['--whatsapp-about', 'on'], {}, ROOT)).toMatchObject({ whatsappAbout: true })
    expect(parseConfig([], { WHATSAPP_ABOUT: 'ON' }, ROOT)).toMatchObject({ whatsappAbout: true })
    expect(() => parseConfig(['--whatsapp-about', 'maybe'], {}, ROOT)).toThrow(/--whatsapp-about \(WHATSAPP_ABOUT\) must be "on" or "off"/)
  })

  it('is set on the profile each time the connection opens, and a refusal by WhatsApp is logged, not fatal', async () => {
    const lines: string[] = []
    const whatsapp = await createWhatsApp({
      logger: createLogger('info', (l) => lines.push(l)),
      terminal: new PassThrough(),
      schedule: () => () => {},
      about: 'Así usamos tus datos: https://tienda.example/privacy',
    })
    const set: string[] = []
    let fail = false
    let told!: () => void
    const internals = whatsapp.provider as unknown as { vendor: unknown }
    internals.vendor = {
      sendMessage: async () => ({}),
      updateProfileStatus: async (status: string) => {
        set.push(status)
        told()
        if (fail) throw new Error('rate-overlimit')
      },
    }
    const opened = () => new Promise<void>((resolve) => (told = resolve))
    let next = opened()
    whatsapp.provider.emit('ready', true as never)
    await next
    expect(set).toEqual(['Así usamos tus datos: https://tienda.example/privacy'])
    // A reconnection sets it again; WhatsApp saying no is a log line, the bot goes on.
    fail = true
    next = opened()
    whatsapp.provider.emit('ready', true as never)
    await next
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(set).toHaveLength(2)
    expect(lines.some((l) => l.includes('"whatsapp.about_failed"'))).toBe(true)
    expect(lines.some((l) => l.includes('"whatsapp.about_set"'))).toBe(true)
  })
})
