/**
 * The owner's lists as a campaign reads them, from `npm run campaign` and from the dashboard alike:
 * numbers without + in the policy's jurisdiction, and the do-not-contact list's numbers.
 */
import { readContactList } from '../adapters/contact-list.js'
import type { Policy } from '../domain/policy.js'

/** The country whose numbers may be written without +: the policy's jurisdiction (MX of MX-CMX). */
export const listCountry = (policy: Policy): string => policy.jurisdiction.slice(0, 2)

/** The numbers on a do-not-contact list (a CSV with a phone column, or one number per line). */
export async function readDoNotContact(file: string, policy: Policy): Promise<string[]> {
  const list = await readContactList(file, { defaultCountry: listCountry(policy), headerOptional: true })
  return list.clients.map((c) => c.phone)
}
