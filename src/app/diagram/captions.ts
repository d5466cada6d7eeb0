/**
 * The diagram's own words (not the bot's): headings, the legend and a few arrow captions, from
 * `locales/<lang>/pages.json` (`diagram`), so an owner can edit them.
 */
import type { Language } from '../../domain/language.js'
import type { Texts } from '../../ports/texts.js'
import { pageTexts } from '../page-texts.js'

export interface DiagramCaptions {
  title: string
  /** Where the picture comes from, with the command in `backticks` (Markdown code). */
  source: string
  anyStep: string
  reconsent: string
  access: string
  erasure: string
  all: string
  language: string
  nextMessage: string
  channelSaved: string
  channelStep: string
  /** An answer or command that passes the chat to a person. */
  handover: string
  /** A quiet step: the bot says nothing more, what the contact writes goes to the staff. */
  quiet: string
  legendTitle: string
  /** How to read the picture, one line each. */
  legend: string[]
  /** How to read the Mermaid diagrams, which draw no dashed arrows but dashed boxes. */
  mermaidLegend: string[]
  /** The heading of the Mermaid diagram of the first conversation. */
  firstPart: string
  /** The heading of the Mermaid diagram of what follows from `step`. */
  partFrom(step: string): string
}

export function diagramCaptions(texts: Texts, language: Language): DiagramCaptions {
  const t = pageTexts(texts, language)
  const common = (['steps', 'answers', 'marks', 'stays', 'rights', 'start'] as const).map((line) => t(`diagram.legend.${line}`))
  return {
    title: t('diagram.title'),
    source: t('diagram.source'),
    anyStep: t('diagram.anyStep'),
    reconsent: t('diagram.reconsent'),
    access: t('diagram.access'),
    erasure: t('diagram.erasure'),
    all: t('diagram.all'),
    language: t('diagram.language'),
    nextMessage: t('diagram.nextMessage'),
    channelSaved: t('diagram.channelSaved'),
    channelStep: t('diagram.channelStep'),
    handover: t('diagram.handover'),
    quiet: t('diagram.quiet'),
    legendTitle: t('diagram.legendTitle'),
    // The two legends share their first lines; they differ in how "waits" is drawn (a dashed
    // arrow in the SVG, a label in Mermaid) and Mermaid's boxes for steps of another part.
    legend: [...common, t('diagram.legend.waits'), t('diagram.legend.anyStep')],
    mermaidLegend: [...common, t('diagram.legend.waitsMermaid'), t('diagram.legend.elsewhere'), t('diagram.legend.anyStep')],
    firstPart: t('diagram.firstPart'),
    partFrom: (step) => t('diagram.partFrom', { step }),
  }
}
