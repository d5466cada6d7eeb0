/** The campaign store contract, run against every adapter: in memory, on files, and on PostgreSQL. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createMemoryCampaignStore } from '../../src/adapters/memory-campaign-store.js'
import { everyNumberForm, openCampaignStore } from '../../src/main/campaign-store.js'
import { FILES } from '../../src/main/store.js'
import { listAll, tempDir } from '../adapters/store/helpers.js'
import { postgresPerFile } from '../support/postgres.js'
import { type CampaignPlaceFactory, campaignStoreContract } from './campaign-store.contract.js'

const memory: CampaignPlaceFactory = async () => {
  const store = everyNumberForm(createMemoryCampaignStore())
  return { open: async () => store, reopens: false }
}

/** Opened as the bot opens them (src/main/campaign-store.ts), with every form of a number on the suppression list. */
const files: CampaignPlaceFactory = async () => {
  const dir = tempDir('consent-campaigns-')
  return {
    open: () => openCampaignStore(FILES, { dataDir: dir }),
    reopens: true,
    // Every byte of the data folder, the key and the digests included.
    stored: async () =>
      listAll(dir)
        .filter((file) => !file.isDir)
        .map((file) => readFileSync(join(dir, file.path), 'latin1'))
        .join('\n'),
  }
}

const postgres = postgresPerFile()

/** A fresh database each; the store's number is tienda-centro, its neighbour tienda-norte. */
const onPostgres: CampaignPlaceFactory = async () => {
  const url = await postgres.database()
  const dataDir = tempDir('consent-campaigns-pg-')
  const open = (number: string) => openCampaignStore({ kind: 'postgres', url, number }, { dataDir })
  return {
    open: () => open('tienda-centro'),
    reopens: true,
    neighbour: () => open('tienda-norte'),
    // Every row of the campaign tables, as text.
    stored: async () => {
      const tables = ['campaigns', 'campaign_targets', 'campaign_suppression', 'campaign_suppression_keys']
      const rows = await Promise.all(tables.map((table) => postgres.sql<{ row: string }>(url, `SELECT t::text AS row FROM ${table} t`)))
      return rows
        .flat()
        .map((r) => r.row)
        .join('\n')
    },
  }
}

campaignStoreContract('memory store', memory)
campaignStoreContract('file store', files)
campaignStoreContract('PostgreSQL store', onPostgres, { numbers: true })
