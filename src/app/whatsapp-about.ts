/**
 * The WhatsApp profile's About text: the place WhatsApp itself gives a business to say who it is,
 * so a short form of the notice goes there, with the privacy page's link (`--whatsapp-about on`).
 */
import type { Language } from '../domain/language.js'
import type { Policy } from '../domain/policy.js'
import type { Texts } from '../ports/texts.js'
import { ConfigError } from './config.js'

/** WhatsApp cuts an About text longer than this. */
export const WHATSAPP_ABOUT_LIMIT = 139

/** `locales/<language>/messages.json` "whatsapp.about", filled in; refused (one clear line) when it cannot be right. */
export function whatsappAbout(policy: Policy, texts: Texts, language: Language): string {
  if (!policy.noticeUrl) {
    throw new ConfigError(
      "--whatsapp-about on needs the privacy page's address for the About text: set PUBLIC_URL (or noticeUrl in flows/policy.yaml)",
    )
  }
  const text = texts.render(language, 'whatsapp.about', { business: policy.controller.name, url: policy.noticeUrl })
  const length = [...text].length
  if (length > WHATSAPP_ABOUT_LIMIT) {
    throw new ConfigError(
      `--whatsapp-about on: locales/${language}/messages.json "whatsapp.about" is ${length} characters once filled in, and WhatsApp's About takes at most ${WHATSAPP_ABOUT_LIMIT}: shorten the text (or the address)`,
    )
  }
  return text
}
