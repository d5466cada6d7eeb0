/**
 * Reads `flows/policy.yaml` and `flows/consent.yaml` into a validated policy and flow.
 * Every mistake becomes `flows/<file>:<line>: what is wrong, and how to mend it`; all of them
 * are reported at once so the owner can fix a file in one go. Each file has its reader
 * (policy-reader.ts, consent-reader.ts); this reads both and checks the flow against the policy.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { checkFlow } from '../../domain/flow-check.js'
import type { BusinessFlow } from '../../domain/flow.js'
import { OwnerFile, OwnerFileError, type Problem } from '../owner-file.js'
import { readFlow } from './consent-reader.js'
import { readPolicy } from './policy-reader.js'

/** Reads and checks both files; throws OwnerFileError listing every problem. */
export function loadBusinessFlow(flowsDir: string, shownDir = 'flows'): BusinessFlow {
  const problems: Problem[] = []
  const business = readBusinessFlow(flowsDir, shownDir, problems)
  if (!business || problems.length > 0) throw new OwnerFileError(problems)
  return business
}

/**
 * Reads and checks both files, adding every problem to `problems`. Returns what could be read
 * (for further checks of the texts) unless a file is missing or not valid YAML.
 */
export function readBusinessFlow(flowsDir: string, shownDir: string, problems: Problem[]): BusinessFlow | undefined {
  const policyFile = OwnerFile.read(join(flowsDir, 'policy.yaml'), `${shownDir}/policy.yaml`, problems)
  const flowFile = OwnerFile.read(join(flowsDir, 'consent.yaml'), `${shownDir}/consent.yaml`, problems)
  if (!policyFile?.ok || !flowFile?.ok) return undefined

  const policy = readPolicy(policyFile)
  const before = problems.length
  const flow = readFlow(flowFile)
  // The graph checks need a well-formed flow; a problem in the policy alone does not stop them,
  // so the owner sees every mistake of both files at once.
  if (problems.length === before) {
    for (const p of checkFlow(flow, policy)) flowFile.problem(p.line, p.message)
  }
  // Line numbers are left out: moving a comment is not a new version of the conversation.
  const flowVersion = createHash('sha256')
    .update(JSON.stringify(flow, (key, value) => (key === 'line' ? undefined : value)))
    .digest('hex')
    .slice(0, 12)
  return { policy, flow, flowVersion }
}
