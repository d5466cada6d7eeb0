/** Contacts, conversations and consent records shaped as the engine writes them, for store tests. */
import { createHash } from 'node:crypto'
import type { ConsentRecord } from '../../../src/domain/consent.js'
import type { ContactChange } from '../../../src/ports/consent-store.js'

export const NOTICE_TEXT = 'Tienda Ejemplo usa tus datos para atenderte.'
/** The notice's hash as the bot computes it (src/app/notice.ts): ledger:verify checks it. */
export const NOTICE_HASH = createHash('sha256').update(NOTICE_TEXT).digest('hex')
let records = 0

export function record(principal: string, event: ConsentRecord['event'] = 'given', purposes = ['service']): ConsentRecord {
  return {
    id: `R${String(++records).padStart(6, '0')}`,
    schema: 'consent-record/2',
    principal,
    controller: { name: 'Tienda Ejemplo', contact: 'privacidad@tienda.example' },
    notice: { policyVersion: '2026-11-01', hash: NOTICE_HASH, language: 'es' },
    event,
    purposes,
    consents: Object.fromEntries(
      purposes.map((p) => [p, event === 'given' || event === 'refused' || event === 'withdrawn' || event === 'lapsed' ? event : 'given']),
    ),
    personalData: ['phone', 'messages'],
    retention: '2 years',
    collection: { method: 'whatsapp-chat', messageId: `3EB0${records}` },
    at: '2026-11-25T10:00:00.000Z',
  }
}

/**
 * One message's change for `id`: `version` shows up in the contact's lastSeen and the conversation,
 * so a test can tell which commit a stored state came from. With `answer`, a consent is recorded.
 */
export function change(id: string, version: number, answer?: string): ContactChange {
  const at = new Date(Date.UTC(2026, 10, 25, 10, 0, version)).toISOString()
  const principal = `p-${id.slice(-6)}`
  const given = answer ? record(principal) : undefined
  return {
    contact: {
      id,
      principal,
      language: 'es',
      firstSeen: '2026-11-25T10:00:00.000Z',
      lastSeen: at,
      consents: given ? { service: { state: 'given', at, record: given.id, policyVersion: '2026-11-01' } } : {},
    },
    conversation: {
      flowVersion: 'f1',
      snapshot: { status: 'active', value: 'askMarketing', context: { phone: id, version } },
      updatedAt: at,
      recentMessageIds: [`m${version}`],
    },
    records: given ? [{ record: given, personal: { salt: `salt-${records}`, contact: id, answer: answer! } }] : [],
    notices: given ? { [NOTICE_HASH]: { policyVersion: '2026-11-01', language: 'es', text: NOTICE_TEXT } } : {},
  }
}

/** The version a stored conversation came from (see `change`). */
export const versionOf = (conversation: { snapshot: unknown } | undefined): number | undefined =>
  (conversation?.snapshot as { context?: { version?: number } } | undefined)?.context?.version
