/**
 * One ledger record as a consent record of the W3C Data Privacy Vocabulary (DPV 2), in JSON-LD:
 * the shape ISO/IEC TS 27560 asks of a consent record (who, which controller, which notice, which
 * purposes and data, under which legal basis, which state, when). `npm run receipt -- <id>
 * --format dpv` prints it.
 *
 * The context is given inline (no document is fetched to read it). Terms of the bot's own that DPV
 * has no word for (the ledger's event, its place in the chain) are under the `cb:` prefix.
 */
import type { ConsentEvent, ConsentState } from '../domain/consent.js'
import type { KantaraPiiCategory, KantaraPurposeCategory } from '../domain/kantara.js'
import type { LedgerEntry } from '../domain/ledger.js'
import type { ReceiptSources } from './receipt.js'

export const DPV_CONTEXT = {
  dpv: 'https://w3id.org/dpv#',
  pd: 'https://w3id.org/dpv/pd#',
  loc: 'https://w3id.org/dpv/loc#',
  dct: 'http://purl.org/dc/terms/',
  schema: 'https://schema.org/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  cb: 'urn:consent-bot:terms#',
} as const

/** Each purpose or consent state of the ledger as a DPV consent status. */
const STATUS: Record<ConsentState, string> = {
  given: 'dpv:ConsentGiven',
  refused: 'dpv:ConsentRefused',
  withdrawn: 'dpv:ConsentWithdrawn',
  lapsed: 'dpv:ConsentExpired',
}

/** The DPV purpose nearest each Kantara purpose category (dpv:Purpose where DPV has none closer). */
const PURPOSE: Record<KantaraPurposeCategory, string> = {
  'Core Function': 'dpv:ServiceProvision',
  'Contracted Service': 'dpv:RequestedServiceProvision',
  Delivery: 'dpv:DeliveryOfGoods',
  'Contact Requested': 'dpv:CustomerCare',
  'Personalized Experience': 'dpv:ServicePersonalisation',
  Marketing: 'dpv:DirectMarketing',
  'Marketing Third Parties': 'dpv:Marketing',
  'Sharing for Delivery': 'dpv:ServiceProvision',
  'Sharing for Marketing': 'dpv:Marketing',
  '3rd Party Sharing for Core Function': 'dpv:ServiceProvision',
  '3rd Party Sharing for ...': 'dpv:Purpose',
  'Legally Required Data Retention': 'dpv:LegalCompliance',
  'Required by Law Enforcement or Government': 'dpv:LegalCompliance',
  'Protecting Your Health': 'dpv:Purpose',
  'Protecting Our Interests': 'dpv:Purpose',
  'Improve Performance': 'dpv:ServiceOptimisation',
}

/** The DPV personal data category nearest each Kantara PII category, where there is one. */
const DATA: Partial<Record<KantaraPiiCategory, string>> = {
  Contact: 'pd:Contact',
  'Communications/Social': 'pd:Communication',
  Biometric: 'pd:Biometric',
  Financial: 'pd:Financial',
  'Official/Government Identifiers': 'pd:OfficialID',
  Behavioral: 'pd:Behavioural',
}

/** Whether the event changes a consent (the others: a look at one's data, an erasure, a merge). */
function isConsentEvent(event: ConsentEvent): event is ConsentState {
  return event in STATUS
}

export function dpvConsentRecord(entry: LedgerEntry, { policy, describe }: Pick<ReceiptSources, 'policy' | 'describe'>) {
  const { record } = entry
  const urn = (kind: string, id: string) => `urn:consent-bot:${kind}:${encodeURIComponent(id)}`
  const purposes = Object.keys(record.consents).length ? Object.keys(record.consents) : record.purposes
  // The contact indicated it themselves: in the chat, or in WhatsApp's own settings.
  const fromContact = record.collection.method !== 'policy-rule'
  const controller = policy?.controller
  return {
    '@context': DPV_CONTEXT,
    '@id': urn('record', record.id),
    '@type': 'dpv:ConsentRecord',
    'dct:identifier': record.id,
    'dct:created': { '@value': record.at, '@type': 'xsd:dateTime' },
    'cb:event': record.event,
    'cb:eventPurposes': record.purposes.map((p) => ({ '@id': urn('purpose', p) })),
    ...(isConsentEvent(record.event) ? { 'dpv:hasConsentStatus': { '@id': STATUS[record.event] } } : {}),
    ...(fromContact
      ? {
          'dpv:isIndicatedBy': { '@id': urn('principal', record.principal) },
          'dpv:isIndicatedAtTime': { '@value': record.at, '@type': 'xsd:dateTime' },
        }
      : { 'cb:rule': record.collection.rule ?? null }),
    'dpv:hasDataSubject': { '@id': urn('principal', record.principal), '@type': 'dpv:DataSubject' },
    'dpv:hasDataController': {
      '@id': urn('controller', record.controller.name),
      '@type': 'dpv:DataController',
      'schema:name': record.controller.name,
      'dpv:hasContact': record.controller.contact,
      ...(controller?.email ? { 'schema:email': controller.email } : {}),
      ...(controller ? { 'schema:telephone': controller.phone } : {}),
      ...(controller
        ? {
            'schema:address': {
              '@type': 'schema:PostalAddress',
              'schema:streetAddress': controller.address.street,
              'schema:addressLocality': controller.address.locality,
              ...(controller.address.region ? { 'schema:addressRegion': controller.address.region } : {}),
              ...(controller.address.postalCode ? { 'schema:postalCode': controller.address.postalCode } : {}),
              'schema:addressCountry': controller.address.country,
            },
          }
        : {}),
    },
    ...(policy ? { 'dpv:hasJurisdiction': { '@id': `loc:${policy.jurisdiction}` } } : {}),
    'dpv:hasLegalBasis': { '@id': fromContact ? 'dpv:ExplicitlyExpressedConsent' : 'dpv:Consent' },
    'dpv:hasNotice': {
      '@id': record.notice.url ?? `urn:hash::sha256:${record.notice.hash}`,
      '@type': 'dpv:ConsentNotice',
      'dct:hasVersion': record.notice.policyVersion,
      'dct:language': record.notice.language,
      'cb:sha256': record.notice.hash,
    },
    'dpv:hasPurpose': purposes.map((id) => {
      const declared = policy?.purposes.find((p) => p.id === id)
      const words = describe?.(id, record.notice.language)
      const state = record.consents[id]
      return {
        '@id': urn('purpose', id),
        '@type': ['dpv:Purpose', ...new Set((declared?.categories ?? []).map((c) => PURPOSE[c]))],
        'dct:title': words?.name ?? id,
        ...(words ? { 'dct:description': words.description } : {}),
        ...(state ? { 'dpv:hasConsentStatus': { '@id': STATUS[state] } } : {}),
      }
    }),
    'dpv:hasPersonalData': record.personalData.map((kind) => ({
      '@id': urn('data', kind),
      '@type': ['dpv:PersonalData', ...new Set((policy?.dataCategories[kind] ?? []).flatMap((c) => (DATA[c] ? [DATA[c]] : [])))],
      'dct:title': kind,
    })),
    'dpv:hasStorageCondition': { '@type': 'dpv:StorageDuration', 'dct:description': record.retention },
    'cb:ledger': { 'cb:seq': entry.seq, 'cb:hash': entry.hash, 'cb:prev': entry.prev },
  }
}
