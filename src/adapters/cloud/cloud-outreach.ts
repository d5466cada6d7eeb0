/**
 * A campaign's invitation on the Cloud API. A business may start a conversation only with a
 * message template Meta approved (messages/template-messages; "Customer service windows"): the
 * owner names one per language in flows/policy.yaml (`campaign: templates`), written with the
 * notice in their words and quick-reply buttons labelled with the answers (Sí / No / Info). A
 * tapped button comes back as a `button` message whose payload is its label, read as if typed.
 *
 * Meta's limits stop the campaign rather than being retried past (the Graph client already waited
 * and retried the ones worth it): 130429 throughput, 131048 spam rate, 131049 marketing-message
 * limit, 131056 per-recipient rate. They reject with NotSent, naming the reason.
 */
import type { Language } from '../../domain/language.js'
import type { Logger } from '../../ports/logger.js'
import { NotSent, type NotSentReason } from '../../ports/messenger.js'
import type { Outreach } from '../../ports/outreach.js'
import { GraphError, type GraphClient } from './graph-client.js'
import { targetOf } from './send-bodies.js'

/** The templates the owner named, per language: Meta's template name and its language code (es_MX). */
export type Templates = Partial<Record<Language, { name: string; language: string }>>

/** Meta's codes that mean "stop writing first for now", and what each is. */
export const STOPPING_CODES: ReadonlyMap<number, NotSentReason> = new Map([
  [130429, 'rate-limited'],
  [131048, 'spam-limit'],
  [131049, 'marketing-limit'],
  [131056, 'pair-limit'],
])

export interface CloudOutreachOptions {
  client: GraphClient
  templates: Templates
  logger: Logger
  /** Told each wamid sent, as for replies. */
  onSent?: (wamid: string) => void
}

export function createCloudOutreach({ client, templates, logger, onSent }: CloudOutreachOptions): Outreach {
  return {
    async invite(contact, { language }) {
      const template = templates[language]
      if (!template) {
        logger.warn('cloud.no_template', { language })
        throw new NotSent('no-template')
      }
      try {
        const answer = await client.send({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          ...targetOf(contact),
          type: 'template',
          template: { name: template.name, language: { code: template.language } },
        })
        const ids = answer.messages.map((m) => m.id)
        for (const id of ids) onSent?.(id)
        return ids
      } catch (error) {
        const reason = error instanceof GraphError ? STOPPING_CODES.get(error.code) : undefined
        if (reason) throw new NotSent(reason, (error as GraphError).code)
        throw error
      }
    },
  }
}
