/**
 * A contact never receives raw braces: a variable a text uses that the bot has no value for at
 * that point reads as nothing. The owner's files are checked for unknown variables at start
 * (test/cli/check.test.ts); this covers a text and the code that fills it drifting apart. The
 * texts are the real ones through the real i18next adapter, with one text changed in memory.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createI18nTexts } from '../../src/adapters/i18n-texts.js'
import { ReplyTexts } from '../../src/app/reply-texts.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { ROOT } from '../support/chat.js'

describe('a reply whose text uses a variable the bot has no value for', () => {
  it('is sent without the braces', async () => {
    const files = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
    const messages = structuredClone(files.locales.messages)
    const errors = messages.es.errors as Record<string, string>
    errors.slowDown = `${errors.slowDown} {{nadie}}`
    const texts = await createI18nTexts({ ...files.locales, messages }, 'es', Object.keys(files.business.flow.commands))
    const replies = new ReplyTexts(files.business.policy, texts)
    const note = replies.plain('es', 'errors.slowDown')
    expect(note).not.toMatch(/\{\{|\}\}/)
    expect(note.startsWith(errors.slowDown.replace(' {{nadie}}', ''))).toBe(true)
  })
})
