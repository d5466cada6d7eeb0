/**
 * The flow's defaults (`defaults:` at the top of consent.yaml): the answers, the `unclear` and the
 * `media` every question takes unless it says otherwise, and how a question's own ones meet them.
 */
import type { Node } from 'yaml'
import type { Outcome, Unclear } from '../../domain/flow.js'
import type { OwnerFile } from '../owner-file.js'
import { readOutcome, readUnclear } from './outcome-reader.js'

/** An answer a question does not take although the flow's defaults give it: `info: off`. */
export const OFF = 'off'

/** What every question takes unless it says otherwise (`defaults:` at the top of consent.yaml). */
export interface Defaults {
  answers: Record<string, Outcome>
  unclear?: Unclear
  media?: Outcome
}

export function readDefaults(file: OwnerFile, entry: { value: Node | null; line: number } | undefined): Defaults {
  const defaults: Defaults = { answers: {} }
  if (!entry) return defaults
  const fields = file.entries(entry.value, 'defaults', entry.line)
  file.onlyKnownKeys(fields, ['answers', 'unclear', 'media'], 'defaults')
  for (const field of fields) {
    if (field.key === 'answers') {
      for (const a of file.entries(field.value, 'the answers of defaults', field.line)) {
        defaults.answers[a.key] = { ...readOutcome(file, a.value, `default answer ${a.key}`, a.line), fromDefaults: true }
      }
    } else if (field.key === 'unclear') defaults.unclear = readUnclear(file, field.value, 'defaults', field.line)
    else if (field.key === 'media') defaults.media = readOutcome(file, field.value, 'media of defaults', field.line)
  }
  return defaults
}

/** A step's own `unclear`, its missing `after` and `then` taken from the defaults. */
export function withDefaults(own: Unclear | undefined, defaults: Unclear | undefined): Unclear | undefined {
  if (!own || !defaults) return own ?? defaults
  if (own.after !== undefined || own.then !== undefined || defaults.after === undefined) return own
  return { ...own, after: defaults.after, then: defaults.then! }
}
