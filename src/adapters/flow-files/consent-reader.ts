/**
 * Reads `flows/consent.yaml` from the top: where the conversation starts, the step a changed
 * policy is asked again at, the defaults, the commands and the steps (each read by its reader).
 */
import type { Node } from 'yaml'
import type { Flow, Outcome, Step } from '../../domain/flow.js'
import type { OwnerFile } from '../owner-file.js'
import { readDefaults } from './defaults-reader.js'
import { IDENTIFIER } from './identifier.js'
import { readOutcome } from './outcome-reader.js'
import { readStep } from './step-reader.js'

export function readFlow(file: OwnerFile): Flow {
  const top = file.entries(file.doc.contents as Node, 'consent.yaml', 1)
  file.onlyKnownKeys(top, ['start', 'reconsent', 'defaults', 'commands', 'steps'], 'consent.yaml')
  const startEntry = top.find((e) => e.key === 'start')
  if (!startEntry) file.problem(1, '"start" is missing: add "start: <the first step>"')
  const start = (startEntry && file.text(startEntry.value, 'start', startEntry.line)) ?? ''
  const reconsentEntry = top.find((e) => e.key === 'reconsent')
  const reconsent = reconsentEntry && file.text(reconsentEntry.value, 'reconsent', reconsentEntry.line)

  const defaults = readDefaults(
    file,
    top.find((e) => e.key === 'defaults'),
  )

  const commands: Record<string, Outcome> = {}
  const commandsEntry = top.find((e) => e.key === 'commands')
  for (const entry of file.entries(commandsEntry?.value, 'commands', commandsEntry?.line ?? 1)) {
    commands[entry.key] = readOutcome(file, entry.value, `command ${entry.key}`, entry.line, true)
  }

  const steps: Record<string, Step> = {}
  const stepsEntry = top.find((e) => e.key === 'steps')
  if (!stepsEntry) file.problem(1, '"steps" is missing: the conversation needs at least one step')
  for (const entry of file.entries(stepsEntry?.value, 'steps', stepsEntry?.line ?? 1)) {
    if (!IDENTIFIER.test(entry.key)) file.problem(entry.line, `step name "${entry.key}" must be one word (letters, digits, _)`)
    steps[entry.key] = readStep(file, entry.key, entry.value, entry.line, defaults)
  }
  return {
    start,
    startLine: startEntry?.line ?? 1,
    ...(reconsent ? { reconsent, reconsentLine: reconsentEntry!.line } : {}),
    commands,
    media: defaults.media ?? { say: ['errors.textOnly'], line: 1 },
    steps,
  }
}
