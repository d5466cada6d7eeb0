/**
 * The terms a contact was shown: which policy version, what it collects, for which purposes,
 * for how long. Kept on the contact so that when the owner changes the policy, the contact can
 * be told what changed, not only that something did.
 */
import type { Policy, RetentionUnit } from './policy.js'

export interface Terms {
  policyVersion: string
  /** Hash of the notice text shown, in the contact's language. */
  noticeHash: string
  purposes: string[]
  personalData: string[]
  retention: { amount: number; unit: RetentionUnit }
}

export function termsOf(policy: Policy, noticeHash: string): Terms {
  return {
    policyVersion: policy.version,
    noticeHash,
    purposes: policy.purposes.map((p) => p.id),
    personalData: [...policy.collects],
    retention: { ...policy.retention },
  }
}

export type TermsChange =
  | { kind: 'version'; from: string; to: string }
  | { kind: 'newPurpose'; purpose: string }
  | { kind: 'removedPurpose'; purpose: string }
  | { kind: 'newData'; data: string }
  | { kind: 'retention'; from: Terms['retention']; to: Terms['retention'] }
  /** A consent older than the policy's `consentValidForDays`. */
  | { kind: 'expired'; purpose: string; since: string; days: number }

/** What the policy changed since `old` (always the version first, then each concrete change). */
export function termsChanges(old: Terms, policy: Policy): TermsChange[] {
  if (old.policyVersion === policy.version) return []
  const changes: TermsChange[] = [{ kind: 'version', from: old.policyVersion, to: policy.version }]
  for (const p of policy.purposes) if (!old.purposes.includes(p.id)) changes.push({ kind: 'newPurpose', purpose: p.id })
  for (const id of old.purposes) if (!policy.purposes.some((p) => p.id === id)) changes.push({ kind: 'removedPurpose', purpose: id })
  for (const data of policy.collects) if (!old.personalData.includes(data)) changes.push({ kind: 'newData', data })
  if (old.retention.amount !== policy.retention.amount || old.retention.unit !== policy.retention.unit) {
    changes.push({ kind: 'retention', from: old.retention, to: policy.retention })
  }
  return changes
}

const DAY_MS = 24 * 60 * 60 * 1000

/** Purposes whose consent (a contact's, by purpose), given more than `consentValidForDays` ago, no longer holds. */
export function expiredConsents(
  consents: Readonly<Record<string, { state: string; at: string }>>,
  policy: Policy,
  now: Date,
): TermsChange[] {
  const days = policy.consentValidForDays
  if (!days) return []
  return Object.entries(consents)
    .filter(([, c]) => c.state === 'given' && now.getTime() - Date.parse(c.at) > days * DAY_MS)
    .map(([purpose, c]) => ({ kind: 'expired' as const, purpose, since: c.at, days }))
}

/** Whether a question left unanswered since `since` has passed the policy's timeout. */
export function unansweredTooLong(policy: Policy, since: string, now: Date): boolean {
  const days = policy.lapseUnansweredAfterDays
  return !!days && now.getTime() - Date.parse(since) > days * DAY_MS
}

/**
 * Why what a contact agreed to no longer holds, if it does not: the policy has a new version
 * since they were shown it, or a consent is older than the policy allows. Only a contact who
 * answered something is asked again.
 */
export function outdatedTerms(
  contact: { terms?: Terms; consents: Readonly<Record<string, { state: string; at: string }>> },
  policy: Policy,
  now: Date,
): TermsChange[] {
  if (Object.keys(contact.consents).length === 0) return []
  const changed = contact.terms ? termsChanges(contact.terms, policy) : []
  return [...changed, ...expiredConsents(contact.consents, policy, now)]
}
