/**
 * Where campaigns are kept, opened from the same config as the consent store (store.ts): the
 * data folder's files, or the number's rows in PostgreSQL. Either comes wrapped so that the
 * suppression list knows every form of a number (see everyNumberForm).
 */
import { openCampaignFiles } from '../adapters/store/campaign-files.js'
import type { StoreConfig } from '../app/config.js'
import { isPhoneNumber, numberForms } from '../app/identity.js'
import type { CampaignStore } from '../ports/campaign-store.js'
import type { Logger } from '../ports/logger.js'

/**
 * Opens the campaigns of the store `choice` names. On files it needs no lock of its own: it is
 * opened by the bot, which holds the data folder's (and on PostgreSQL the number's) already.
 */
export async function openCampaignStore(choice: StoreConfig, options: { dataDir: string; logger?: Logger }): Promise<CampaignStore> {
  const logger = options.logger ? { logger: options.logger } : {}
  if (choice.kind === 'files') return everyNumberForm(await openCampaignFiles(options.dataDir, logger))
  // Loaded only when asked for, as store.ts does: a bot on files never loads `pg`.
  const { openPostgresCampaignStore } = await import('../adapters/postgres/campaigns.js')
  return everyNumberForm(await openPostgresCampaignStore({ url: choice.url, number: choice.number, ...logger }))
}

/**
 * `store` with a suppression list that holds a person under every form of their number: a
 * Mexican mobile is written both with and without the 1 after 52 (numberForms), and a person
 * erased under one form is never written to under the other. Each form's digest is added, and
 * each is checked (so a list that holds only one, from an older bot or a write cut short between
 * the two, still stops the campaign). Addresses without a number (a `…@lid`, a user id) are kept
 * as they are.
 */
export function everyNumberForm(store: CampaignStore): CampaignStore {
  const forms = (address: string) => (isPhoneNumber(address) ? numberForms(address) : [address])
  return {
    create: (plan) => store.create(plan),
    get: (id) => store.get(id),
    list: () => store.list(),
    mark: (id, index, state) => store.mark(id, index, state),
    setStatus: (id, status) => store.setStatus(id, status),
    async isErased(address) {
      for (const form of forms(address)) if (await store.isErased(form)) return true
      return false
    },
    async addErased(address) {
      for (const form of forms(address)) await store.addErased(form)
    },
    // Digests, whatever form each was made from: carried as they are.
    suppressionList: () => store.suppressionList(),
    adoptSuppressionList: (list) => store.adoptSuppressionList(list),
    close: () => store.close(),
  }
}
