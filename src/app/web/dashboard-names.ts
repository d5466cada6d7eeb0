/**
 * The owner's words for what the dashboard counts, in the page's language: a purpose by its name
 * (`purposes.<id>.name`), a channel by its name (`channels.<channel>`), a step by the first sentence
 * of its question (the flow diagram labels it by its first line). The ids stay in the page's data attributes only.
 */
import type { Flow } from '../../domain/flow.js'
import type { Language } from '../../domain/language.js'
import type { Policy } from '../../domain/policy.js'
import { shownKeyOf } from '../../domain/steps.js'
import type { Texts } from '../../ports/texts.js'
import { firstLine } from '../diagram/flow-graph.js'
import { pageTexts } from '../page-texts.js'

export interface DashboardNames {
  purpose(id: string): string
  channel(channel: string): string
  step(id: string): string
}

/** The first sentence of a text's first line ("¿Por dónde prefieres que hablemos? Responde…" → its question). */
function firstSentence(text: string): string {
  const line = firstLine(text)
  const end = /[?!.](?=\s)/.exec(line)
  return end ? line.slice(0, end.index + 1) : line
}

export function dashboardNames(texts: Texts, language: Language, flow: Flow, policy: Policy): DashboardNames {
  const t = pageTexts(texts, language)
  // Filled in as the bot would for every contact (the flow diagram does the same).
  const vars = { business: policy.controller.name, controllerContact: policy.controller.contact }
  const purposes = new Set(policy.purposes.map((p) => p.id))
  const channels = new Set<string>(policy.channels.map((c) => c.channel))
  const steps = new Map<string, string>()
  for (const step of Object.values(flow.steps)) {
    const shown = shownKeyOf(step)
    const text = step.kind === 'channel' ? t('diagram.channelStep') : shown ? firstSentence(texts.render(language, shown, vars)) : ''
    if (text) steps.set(step.id, text)
  }
  return {
    // A purpose or channel no longer in the policy has no name in the texts: its id is what is left.
    purpose: (id) => (purposes.has(id) ? texts.render(language, `purposes.${id}.name`) : id),
    channel: (channel) => (channels.has(channel) ? texts.render(language, `channels.${channel}`) : channel),
    step: (id) => steps.get(id) ?? id,
  }
}
