/**
 * What the owner's tools read (dashboard, downloads, export, receipts, ledger:verify): everything
 * stored, without writing anything, also while the bot runs. A store's adapter implements it
 * beside the store itself, so a tool never knows whether the data sits in files or in a database.
 *
 * @example
 *   const data = await reader.read()
 *   for await (const step of reader.ledger()) if (step.kind === 'record') check(step.entry, step.where)
 */
import type { LedgerEntry, SignedHead } from '../domain/ledger.js'
import type { ConsentData } from './consent-store.js'

export interface ConsentReader {
  /**
   * Everything stored, as a running bot would find it after a restart. Read in turns: a bot
   * serving its dashboard goes on answering messages during the read.
   */
  read(): Promise<ConsentData>
  /**
   * The ledger, record by record in the order written, each with where it is kept: the walk
   * ends at the first record that cannot be read.
   */
  ledger(): AsyncIterable<LedgerStep>
  /**
   * What seals the ledger from outside it: the places that name a head it reached, the signed
   * heads and the key that signs them. Read without judging them (a cut ledger still answers):
   * ledger:verify compares them with the ledger. A store without seals leaves it out.
   */
  seals?(): Promise<LedgerSeals>
}

/** The ledger's seals, each named by where it is kept. */
export interface LedgerSeals {
  /** Where the ledger itself is kept (e.g. `/srv/bot/data/ledger.jsonl`). */
  ledger: string
  /** Where the notice texts are kept, and the contacts. */
  notices: string
  contacts: string
  /** Places outside the ledger that name a record it reached (its number and hash), oldest first. */
  anchors: { where: string; seq: number; hash: string; at: string }[]
  /** The signed heads, oldest first. */
  signed: { where: string; head: SignedHead }[]
  /** The signing key's public half (PEM) and its fingerprint; absent when there is no key. */
  key?: { where: string; publicKey: string; fingerprint: string }
}

/**
 * One step of a walk through the ledger. `where` names the place the way its owner finds it:
 * `/srv/bot/data/ledger.jsonl:12` for a file, `ledger row seq 12` for a table.
 */
export type LedgerStep =
  | { kind: 'record'; where: string; entry: LedgerEntry }
  /** A record that does not read as one (the walk ends here). */
  | { kind: 'unreadable'; where: string; reason: string }
  /** A write a crash cut short before it was confirmed: not a record (a file's last line without its newline). */
  | { kind: 'unconfirmed'; where: string }
