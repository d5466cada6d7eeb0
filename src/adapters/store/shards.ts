/**
 * Contacts and their conversations, spread over `contacts/NN.json` by a hash of the contact id,
 * so that saving the contacts a burst of messages touched rewrites a few small files, never the
 * whole database.
 *
 * Each file is valid JSON an owner can open, one contact per line:
 *
 *     {"schemaVersion":2,"contacts":{
 *     "5215512345678":{"id":"5215512345678","principal":"p-…",…},
 *     …
 *     },"conversations":{
 *     "5215512345678":{"flowVersion":"…","snapshot":{…},…}
 *     }}
 *
 * In memory a contact is kept as its compact JSON text (about half the memory of the parsed
 * objects, and a fresh copy on every load), so writing a shard joins strings rather than
 * stringifying objects, and reading one keeps each line's text as it is.
 */
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { parseJsonFile } from './durable-file.js'
import { DatabaseFileError, firstJsonError } from './errors.js'
import { isObject } from './json-lines.js'

export const SCHEMA_VERSION = 2

/** A contact and their conversation, each as compact JSON. */
export interface StoredEntry {
  contact: string
  conversation?: string
}

/** One shard's contacts by id. */
export type ShardEntries = Map<string, StoredEntry>

/** Which shard a contact lives in: FNV-1a of the id, stable across versions and machines. */
export function shardOf(contactId: string, shards: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < contactId.length; i++) {
    hash ^= contactId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % shards
}

export const shardFileName = (index: number): string => `${String(index).padStart(2, '0')}.json`

const HEADER = `{"schemaVersion":${SCHEMA_VERSION},"contacts":{`
export const MIDDLE = '},"conversations":{'
export const FOOTER = '}}'
/**
 * The header the bot writes: with a checksum of every line after it. A file whose lines still
 * match it is exactly as the bot wrote and checked it, so at start-up its lines are taken
 * without parsing each one again (most of a cold start); a file edited by hand, or damaged, no
 * longer matches and is checked line by line as before. The checksum is CRC-32 (zlib's: twice
 * SHA-1's speed, and it guards against damage and edits, not forgery: the ledger's signed chain
 * does that); files sealed with SHA-1 by earlier versions are still read.
 */
export const SEALED_HEADER = new RegExp(
  `^\\{"schemaVersion":${SCHEMA_VERSION},"checksum":"(crc32-[0-9a-f]{8}|[0-9a-f]{40})","contacts":\\{$`,
)
export const sealedHeader = (checksum: string) => `{"schemaVersion":${SCHEMA_VERSION},"checksum":"${checksum}","contacts":{`
/** The checksum of a file's body, as the bot writes it now; `crc` continues one over earlier pieces. */
export const crcChecksum = (crc: number) => `crc32-${(crc >>> 0).toString(16).padStart(8, '0')}`
const checksumOf = (body: string | Uint8Array) => crcChecksum(crc32(body))
/** Whether a body matches the checksum its header names (CRC-32, or an earlier version's SHA-1). */
export const checksumMatches = (sealed: string, body: string | Uint8Array): boolean =>
  sealed.startsWith('crc32-') ? checksumOf(body) === sealed : createHash('sha1').update(body).digest('hex') === sealed

export function serializeShard(entries: ShardEntries): string {
  const contacts: string[] = []
  const conversations: string[] = []
  for (const [id, entry] of entries) {
    const key = JSON.stringify(id)
    contacts.push(`${key}:${entry.contact}`)
    if (entry.conversation !== undefined) conversations.push(`${key}:${entry.conversation}`)
  }
  const block = (lines: string[]) => (lines.length ? `${lines.join(',\n')}\n` : '')
  const body = `${block(contacts)}${MIDDLE}\n${block(conversations)}${FOOTER}\n`
  return `${sealedHeader(checksumOf(body))}\n${body}`
}

/** What is wrong with a contact's shape, if anything (the fields every reader relies on). */
export function contactProblem(value: unknown, id?: string): string | undefined {
  if (!isObject(value)) return 'holds a contact that is not an object'
  if (typeof value.id !== 'string' || value.id === '') return 'holds a contact without an id'
  if (id !== undefined && value.id !== id) return 'holds a contact filed under another id than its own'
  if (typeof value.principal !== 'string') return 'holds a contact without a principal (pseudonym)'
  if (typeof value.language !== 'string') return 'holds a contact without a language'
  if (!isObject(value.consents)) return 'holds a contact without consents'
  return undefined
}

export function conversationProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'holds a conversation that is not an object'
  if (typeof value.flowVersion !== 'string') return 'holds a conversation without a flowVersion'
  return undefined
}

/**
 * Reads one contact file, checking every line: the layout the bot writes line by line (each
 * line's text kept as is, a problem named by its line), a file an owner re-formatted by parsing
 * it whole. Says whether the file is in the bot's layout. (A file that matches its seal needs no
 * check: shard-index.ts reads it by its lines' offsets.)
 */
export function readShard(text: string, file: string, index: number, shards: number): { entries: ShardEntries; ownLayout: boolean } {
  const entries = parseOwnLayout(text, file, index, shards)
  if (entries) return { entries, ownLayout: true }
  const value = parseJsonFile<{ contacts: Record<string, unknown>; conversations: Record<string, unknown> }>(file, text, (value) => {
    if (!isObject(value) || !isObject(value.contacts) || !isObject(value.conversations))
      return 'is not a contacts file (it needs schemaVersion, contacts and conversations)'
    if (value.schemaVersion !== SCHEMA_VERSION)
      return `has schema version ${String(value.schemaVersion)}, and this bot reads version ${SCHEMA_VERSION}`
    return undefined
  })
  const parsed: ShardEntries = new Map()
  let position = 0
  for (const [id, contact] of Object.entries(value.contacts)) {
    position++
    const problem = contactProblem(contact, id) ?? placementProblem(id, index, shards)
    if (problem) throw new DatabaseFileError(file, undefined, `${problem} (contact number ${position} in the file)`)
    parsed.set(id, { contact: JSON.stringify(contact) })
  }
  position = 0
  for (const [id, conversation] of Object.entries(value.conversations)) {
    position++
    const entry = parsed.get(id)
    const problem = conversationProblem(conversation) ?? (entry ? undefined : 'holds a conversation of a contact that is not in the file')
    if (problem) throw new DatabaseFileError(file, undefined, `${problem} (conversation number ${position} in the file)`)
    entry!.conversation = JSON.stringify(conversation)
  }
  return { entries: parsed, ownLayout: false }
}

const ENTRY = /^"(?:[^"\\]|\\.)*":/

/** The layout `serializeShard` writes; undefined when the file is laid out otherwise. */
function parseOwnLayout(text: string, file: string, index: number, shards: number): ShardEntries | undefined {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const middle = lines.indexOf(MIDDLE)
  if ((lines[0] !== HEADER && !SEALED_HEADER.test(lines[0]!)) || middle < 0 || lines.at(-1) !== FOOTER) return undefined
  const parsed: ShardEntries = new Map()
  const read = (from: number, to: number, take: (id: string, json: string, value: unknown, line: number) => void): boolean => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!
      const key = ENTRY.exec(line)?.[0]
      const last = i === to - 1
      if (!key || line.endsWith(',') === last) return false
      const json = last ? line.slice(key.length) : line.slice(key.length, -1)
      let value: unknown
      try {
        value = JSON.parse(json)
      } catch {
        const column = key.length + firstJsonError(json) + 1
        throw new DatabaseFileError(file, i + 1, `is not valid JSON (at column ${column}; the line was cut short or edited)`)
      }
      take(JSON.parse(key.slice(0, -1)) as string, json, value, i + 1)
    }
    return true
  }
  const contactsRead = read(1, middle, (id, json, value, line) => {
    const problem =
      contactProblem(value, id) ??
      placementProblem(id, index, shards) ??
      (parsed.has(id) ? 'repeats a contact already in the file' : undefined)
    if (problem) throw new DatabaseFileError(file, line, problem)
    parsed.set(id, { contact: json })
  })
  if (!contactsRead) return undefined
  const conversationsRead = read(middle + 1, lines.length - 1, (id, json, value, line) => {
    const entry = parsed.get(id)
    const problem = conversationProblem(value) ?? (entry ? undefined : 'holds a conversation of a contact that is not in the file')
    if (problem) throw new DatabaseFileError(file, line, problem)
    entry!.conversation = json
  })
  return conversationsRead ? parsed : undefined
}

function placementProblem(id: string, index: number, shards: number): string | undefined {
  const home = shardOf(id, shards)
  return home === index
    ? undefined
    : `holds a contact that belongs in contacts/${shardFileName(home)} (contacts are placed by a hash of their id)`
}
