/**
 * The full consent receipt of one ledger record, in the shape of the Kantara Initiative's
 * Consent Receipt Specification v1.1, for the contact or an authority that asks for it.
 *
 * Kantara's fields come first; what the ledger adds (the event, each purpose's state, the notice
 * text exactly as shown, the evidence of the chat message, the record's place in the hash chain)
 * follows under names Kantara does not use, so a reader of the specification is not misled. Its
 * JSON schema allows such additional properties (test/cli/receipt-schema.test.ts validates every
 * event's receipt against it, vendored in vendor/kantara/).
 *
 * The ledger record holds the controller's name and contact; what else Kantara asks (the
 * jurisdiction, the controller's address, phone and email, the purpose and data categories) comes
 * from the owner's current `flows/policy.yaml`, which the bot checks for all of them.
 */
import { createHash } from 'node:crypto'
import type { ConsentData } from '../ports/consent-store.js'
import type { LedgerEntry, SignedHead } from '../domain/ledger.js'
import { verifyChain } from '../domain/ledger.js'
import { KANTARA_PII_CATEGORIES, KANTARA_PURPOSE_CATEGORIES, kantaraCode } from '../domain/kantara.js'
import type { Policy, PostalAddress } from '../domain/policy.js'

/** Descriptions of the purposes, in the record's language, when the policy that wrote it is at hand. */
export type PurposeDescriber = (purpose: string, language: string) => { name: string; description: string } | undefined

export interface ReceiptSources {
  data: ConsentData
  /** The policy the bot runs now: it describes the purposes of records written under its version. */
  policy?: Policy
  describe?: PurposeDescriber
  /**
   * The ledger's signing: the key's fingerprint (as the business publishes it) and the newest
   * signed head. A receipt carrying both contradicts any later rewrite of the ledger.
   */
  signing?: { fingerprint: string; latest?: SignedHead }
}

export function findEntry(data: ConsentData, id: string): LedgerEntry | undefined {
  const wanted = id.trim().toUpperCase()
  return data.ledger.find((e) => e.record.id.toUpperCase() === wanted)
}

export function consentReceipt(entry: LedgerEntry, { data, policy, describe, signing }: ReceiptSources) {
  const { record, personal } = entry
  const contact = record.controller.contact
  const samePolicy = policy?.version === record.notice.policyVersion
  const purposes = Object.keys(record.consents).length ? Object.keys(record.consents) : record.purposes
  const upTo = data.ledger.slice(0, data.ledger.indexOf(entry) + 1)
  const chain = verifyChain(upTo)
  // The notice text is shown as the one the contact read only while it still has the record's hash.
  const stored = data.notices[record.notice.hash]?.text
  const noticeHolds = stored !== undefined && createHash('sha256').update(stored).digest('hex') === record.notice.hash
  const email = policy?.controller.email ?? (/@/.test(contact) ? contact : undefined)
  const phone = policy?.controller.phone ?? (/@/.test(contact) ? undefined : contact)
  // Each kind of data the record names, by its Kantara category (the kinds the policy still declares).
  const piiCategory = [
    ...new Set(
      record.personalData.flatMap((kind) => policy?.dataCategories[kind] ?? []).map((c) => kantaraCode(KANTARA_PII_CATEGORIES, c)),
    ),
  ]
  return {
    version: 'KI-CR-v1.1.0',
    ...(policy ? { jurisdiction: policy.jurisdiction } : {}),
    consentReceiptID: record.id,
    consentTimestamp: Math.floor(Date.parse(record.at) / 1000),
    collectionMethod:
      record.collection.method === 'whatsapp-chat'
        ? `Answer written by the contact in a WhatsApp chat with the business's assistant (message ${record.collection.messageId ?? 'unknown'})`
        : record.collection.method === 'whatsapp-preference'
          ? `Set by the contact in WhatsApp's own interface, outside the chat ("Stop promotions": ${record.collection.preference ?? 'unknown'})`
          : `Recorded by the business's policy rule "${record.collection.rule ?? 'unknown'}", without a message from the contact`,
    language: record.notice.language,
    // Once the contact's data is erased, only the pseudonym remains to name them.
    piiPrincipalId: personal?.contact ?? record.principal,
    piiControllers: [
      {
        piiController: record.controller.name,
        contact: contact,
        ...(policy ? { address: postalAddress(policy.controller.address) } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
        ...(record.notice.url ? { piiControllerUrl: record.notice.url } : {}),
        onBehalf: false,
      },
    ],
    // Without a page of its own, the notice is named by the hash of its exact text (given below).
    policyUrl: record.notice.url ?? `urn:hash::sha256:${record.notice.hash}`,
    services: [
      {
        service: `${record.controller.name} – WhatsApp`,
        purposes: purposes.map((id) => {
          const words = describe?.(id, record.notice.language)
          const declared = policy?.purposes.find((p) => p.id === id)
          const required = samePolicy ? declared?.required : undefined
          return {
            purpose: words ? `${words.name}: ${words.description}` : id,
            purposeCategory: (declared?.categories ?? []).map((c) => kantaraCode(KANTARA_PURPOSE_CATEGORIES, c)),
            consentType: record.collection.method === 'whatsapp-chat' ? 'EXPLICIT' : 'POLICY-RULE',
            piiCategory,
            ...(required !== undefined ? { primaryPurpose: required } : {}),
            termination: record.retention,
            thirdPartyDisclosure: false,
            // Not Kantara: the purpose's name in flows/policy.yaml, and its state right after the event.
            purposeId: id,
            consentState: record.consents[id] ?? record.event,
          }
        }),
      },
    ],
    sensitive: false,
    spiCat: [],
    // ---- beyond Kantara v1.1 ----
    event: record.event,
    eventPurposes: record.purposes,
    // The kinds of data as the ledger record names them (piiCategory gives their Kantara categories).
    personalData: record.personalData,
    notice: {
      policyVersion: record.notice.policyVersion,
      sha256: record.notice.hash,
      text: noticeHolds ? stored : null,
      ...(stored !== undefined && !noticeHolds
        ? { textProblem: 'notices.json holds a text under this hash that no longer has it: it was changed after it was shown' }
        : {}),
    },
    evidence: {
      messageId: record.collection.messageId ?? null,
      answer: personal ? (personal.answer ?? null) : null,
      erased: personal === null,
    },
    ledger: {
      seq: entry.seq,
      hash: entry.hash,
      prev: entry.prev,
      chainIntactUpToHere: chain.intact,
      // The newest head signed with the business's key, and the key's fingerprint to compare with the one it published.
      signedHead: signing?.latest ?? null,
      signingKeyFingerprint: signing?.fingerprint ?? null,
    },
  }
}

/** The controller's address in the words of the Kantara example (schema.org PostalAddress). */
function postalAddress(address: PostalAddress) {
  return {
    streetAddress: address.street,
    addressLocality: address.locality,
    ...(address.region ? { addressRegion: address.region } : {}),
    ...(address.postalCode ? { postalCode: address.postalCode } : {}),
    addressCountry: address.country,
  }
}
