/**
 * The category lists of the Kantara Initiative's Consent Receipt Specification v1.1 (2018-02-20):
 * a receipt names, for each purpose, one or more purpose categories, and for each purpose the
 * categories of personal data it uses. The owner picks them in `flows/policy.yaml`; this is the
 * one place the allowed values live.
 *
 * Source: Consent Receipt Specification v1.1.0, Appendix "Purpose Categories" and appendix
 * "Categories of Personal Data" (Kantara Consent & Information Sharing Work Group), the same
 * numbered lists as in its Minimum Viable Consent Receipt draft. A receipt writes them as the
 * specification's example does (vendor/kantara/kantara-consent-receipt-v1_1-example.json):
 * number, " - ", name, e.g. "6 - Marketing". The JSON schema itself leaves them free text.
 */

/** Kantara CR v1.1 purpose categories, in the specification's order (the number is the place + 1). */
export const KANTARA_PURPOSE_CATEGORIES = [
  'Core Function',
  'Contracted Service',
  'Delivery',
  'Contact Requested',
  'Personalized Experience',
  'Marketing',
  'Marketing Third Parties',
  'Sharing for Delivery',
  'Sharing for Marketing',
  '3rd Party Sharing for Core Function',
  '3rd Party Sharing for ...',
  'Legally Required Data Retention',
  'Required by Law Enforcement or Government',
  'Protecting Your Health',
  'Protecting Our Interests',
  'Improve Performance',
] as const

/** Kantara CR v1.1 categories of personal data (PII categories), in the specification's order. */
export const KANTARA_PII_CATEGORIES = [
  'Biographical',
  'Contact',
  'Biometric',
  'Communications/Social',
  'Network/Service',
  'Health',
  'Financial',
  'Official/Government Identifiers',
  'Social Services/Welfare',
  'Judicial',
  'Property/Asset',
  'Human Resources',
  'Psychological/Attitudinal',
  'Membership',
  'Behavioral',
  'Profiling',
] as const

export type KantaraPurposeCategory = (typeof KANTARA_PURPOSE_CATEGORIES)[number]
export type KantaraPiiCategory = (typeof KANTARA_PII_CATEGORIES)[number]

/**
 * The list's own spelling of `written` ("marketing", "6 - Marketing" and "6" all name
 * "Marketing"), or undefined when it is not in the list.
 */
export function kantaraCategory<T extends string>(list: readonly T[], written: string): T | undefined {
  const text = written.trim()
  const numbered = /^(\d+)(?:\s*-\s*(.*))?$/.exec(text)
  if (numbered) {
    const byNumber = list[Number(numbered[1]) - 1]
    if (byNumber && (numbered[2] === undefined || byNumber.toLowerCase() === numbered[2].trim().toLowerCase())) return byNumber
    return undefined
  }
  return list.find((c) => c.toLowerCase() === text.toLowerCase())
}

/** A category as the receipt writes it: "6 - Marketing". */
export function kantaraCode(list: readonly string[], category: string): string {
  return `${list.indexOf(category) + 1} - ${category}`
}
