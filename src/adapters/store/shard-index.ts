/**
 * Where each contact is in a contact file, so the store keeps the places in memory rather than
 * the contacts (about 60 bytes a contact instead of 1.3 KB) and reads a contact from its file
 * when it is asked for. A file in the layout `serializeShard` writes (one contact a line) is
 * indexed by its lines' byte offsets; a new file is assembled from the old one's bytes and the
 * changed contacts, without parsing or re-encoding the contacts that did not change.
 */
import { crc32 } from 'node:zlib'
import { DatabaseFileError } from './errors.js'
import {
  checksumMatches,
  crcChecksum,
  FOOTER,
  MIDDLE,
  readShard,
  SEALED_HEADER,
  sealedHeader,
  type ShardEntries,
  type StoredEntry,
} from './shards.js'

/** A contact's lines packed in one number: contact line × PACK + conversation line (0: none; line 0 is the header). */
const PACK = 2 ** 24

export interface ShardIndex {
  /** The byte offset where each line of the file starts, and the file's length last. */
  starts: Uint32Array
  /** Each contact's lines, in the file's order (see PACK). */
  lines: Map<string, number>
  /** `…@lid` → the number its contact is filed under, for the file's contacts that carry one. */
  lids: Map<string, string>
}

export const emptyIndex = (): ShardIndex => ({ starts: new Uint32Array(0), lines: new Map(), lids: new Map() })

const NEWLINE = 0x0a
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const AT = 0x40
const LID_END = '@lid"'

/**
 * Reads a contact file for the store: where its contacts are (`index`), or, for a file an owner
 * laid out otherwise, its entries (kept in memory until the next compaction rewrites it). A file
 * that matches its checksum is indexed without parsing a line; any other is checked line by line
 * first (DatabaseFileError names the line).
 */
export function indexShard(buffer: Buffer, file: string, index: number, shards: number): { index: ShardIndex } | { entries: ShardEntries } {
  const checked = check(buffer, file, index, shards)
  return checked && !checked.ownLayout ? { entries: checked.entries } : { index: locate(buffer, file) }
}

/** Every contact of a contact file, as a reader wants them (checked as `indexShard` checks them). */
export function shardEntries(buffer: Buffer, file: string, index: number, shards: number): ShardEntries {
  const checked = check(buffer, file, index, shards)
  if (checked) return checked.entries
  const located = locate(buffer, file)
  const read: ReadAt = (position, length) => buffer.subarray(position, position + length)
  const entries: ShardEntries = new Map()
  for (const [id, packed] of located.lines) entries.set(id, readEntry(read, located, packed, file))
  return entries
}

/** Nothing when the file matches its seal (as the bot wrote it); else every line checked. */
function check(buffer: Buffer, file: string, index: number, shards: number): ReturnType<typeof readShard> | undefined {
  const headerEnd = buffer.indexOf(NEWLINE)
  const sealed = headerEnd < 0 ? null : SEALED_HEADER.exec(buffer.toString('latin1', 0, headerEnd))
  if (sealed !== null && checksumMatches(sealed[1]!, buffer.subarray(headerEnd + 1))) return undefined
  return readShard(buffer.toString('utf8'), file, index, shards)
}

/** The lines of a file in the bot's layout, already checked (by its checksum or line by line). */
function locate(buffer: Buffer, file: string): ShardIndex {
  const offsets: number[] = []
  for (let at = 0; at < buffer.length; ) {
    offsets.push(at)
    const end = buffer.indexOf(NEWLINE, at)
    at = end < 0 ? buffer.length : end + 1
  }
  offsets.push(buffer.length)
  const starts = Uint32Array.from(offsets)
  const lines = new Map<string, number>()
  // Contact and conversation lines start with their key's quote; the lines between the blocks with a brace.
  let line = 1
  for (; buffer[starts[line]!] === QUOTE; line++) lines.set(keyAt(buffer, starts[line]!), line * PACK)
  const conversations = line + 1
  for (line = conversations; buffer[starts[line]!] === QUOTE; line++) {
    const id = keyAt(buffer, starts[line]!)
    lines.set(id, lines.get(id)! + line)
  }
  // Rare (contacts merged with their `…@lid`): every `@` of the contacts' block is found (memchr,
  // far faster than a search for a word), and the lines where one ends an `…@lid"` are parsed.
  const lids = new Map<string, string>()
  const contactsEnd = starts[conversations - 1]!
  let last = -1
  for (let at = buffer.indexOf(AT); at >= 0 && at < contactsEnd; at = buffer.indexOf(AT, at + 1)) {
    if (buffer.toString('latin1', at, at + LID_END.length) !== LID_END) continue
    const found = lineOf(starts, at)
    if (found === last) continue
    last = found
    const json = lineJson(buffer.subarray(starts[found]!, starts[found + 1]! - 1), file, found)
    const lid = (JSON.parse(json) as { lid?: unknown }).lid
    if (typeof lid === 'string') lids.set(lid, keyAt(buffer, starts[found]!))
  }
  return { starts, lines, lids }
}

/** The line holding byte `at` (binary search of the line starts). */
function lineOf(starts: Uint32Array, at: number): number {
  let low = 0
  let high = starts.length - 2
  while (low < high) {
    const middle = (low + high + 1) >>> 1
    if (starts[middle]! <= at) low = middle
    else high = middle - 1
  }
  return low
}

/** The id a line is keyed by: the JSON string at its start. */
function keyAt(buffer: Buffer, start: number): string {
  let escaped = false
  for (let at = start + 1; at < buffer.length; at++) {
    const byte = buffer[at]
    if (byte === BACKSLASH) {
      escaped = true
      at++
    } else if (byte === QUOTE) {
      return escaped ? (JSON.parse(buffer.toString('utf8', start, at + 1)) as string) : buffer.toString('utf8', start + 1, at)
    }
  }
  throw new Error('a contact line without the end of its key')
}

/** The JSON of a line (`"id":{…}` with or without its comma), without its key. */
function lineJson(bytes: Buffer, file: string, line: number): string {
  const text = bytes.toString('utf8')
  const keyEnd = text.indexOf('":') + 2
  if (keyEnd < 2) throw new DatabaseFileError(file, line + 1, 'is not a contact line')
  return text.endsWith(',') ? text.slice(keyEnd, -1) : text.slice(keyEnd)
}

/** Reads `length` bytes at `position` of the file being indexed. */
export type ReadAt = (position: number, length: number) => Buffer

/** A contact's entry, read from its file at the places `index` holds. */
export function readEntry(read: ReadAt, index: ShardIndex, packed: number, file: string): StoredEntry {
  const contactLine = Math.floor(packed / PACK)
  const conversationLine = packed % PACK
  const at = (line: number) => lineJson(read(index.starts[line]!, index.starts[line + 1]! - index.starts[line]! - 1), file, line)
  return { contact: at(contactLine), ...(conversationLine ? { conversation: at(conversationLine) } : {}) }
}

/** A line of the new file: a range of the old file's bytes, or a changed contact's text. */
type Piece = { start: number; end: number } | string

/** How many lines, or bytes of checksum, between two turns given back to the event loop. */
const LINES_PER_TURN = 4096
const BYTES_PER_TURN = 2 * 1024 * 1024

/**
 * A new contact file: the old file's contacts that did not change, copied as bytes in their
 * order, each changed one in its place (a removed one left out), then the new ones; and the new
 * file's index. The bytes are those `serializeShard` writes for the same entries. At a million
 * contacts a file is 18 MB: the work is done in turns (`turn` between them), so the messages
 * handled meanwhile never wait for a whole file (40 ms at once; a few at a time in turns).
 */
export async function assembleShard(
  old: { buffer: Buffer; index: ShardIndex } | undefined,
  changed: ReadonlyMap<string, StoredEntry | null>,
  turn: () => Promise<void> = async () => {},
): Promise<{ data: Buffer; index: ShardIndex }> {
  const ids: string[] = []
  const contacts: Piece[] = []
  const conversations: (Piece | undefined)[] = []
  const own = (line: number): Piece => {
    const { buffer, index } = old!
    const end = index.starts[line + 1]! - 1
    return { start: index.starts[line]!, end: buffer[end - 1] === COMMA ? end - 1 : end }
  }
  const take = (id: string, entry: StoredEntry) => {
    const key = JSON.stringify(id)
    ids.push(id)
    contacts.push(`${key}:${entry.contact}`)
    conversations.push(entry.conversation === undefined ? undefined : `${key}:${entry.conversation}`)
  }
  for (const [id, packed] of old?.index.lines ?? []) {
    const entry = changed.get(id)
    if (entry === null) continue
    if (entry !== undefined) take(id, entry)
    else {
      const conversationLine = packed % PACK
      ids.push(id)
      contacts.push(own(Math.floor(packed / PACK)))
      conversations.push(conversationLine ? own(conversationLine) : undefined)
    }
    if (ids.length % LINES_PER_TURN === 0) await turn()
  }
  for (const [id, entry] of changed) if (entry !== null && !old?.index.lines.has(id)) take(id, entry)

  // Sized first, then written into one buffer: the header (its length is fixed), then the body.
  const bytesOf = (piece: Piece) => (typeof piece === 'string' ? Buffer.byteLength(piece) : piece.end - piece.start)
  const headerLength = Buffer.byteLength(`${sealedHeader(crcChecksum(0))}\n`)
  const talking: number[] = []
  let length = headerLength + MIDDLE.length + 1 + FOOTER.length + 1
  for (let i = 0; i < ids.length; i++) {
    length += bytesOf(contacts[i]!) + 2
    if (conversations[i] !== undefined) {
      talking.push(i)
      length += bytesOf(conversations[i]!) + 2
    }
  }
  // The last line of a block has no comma.
  length -= (ids.length ? 1 : 0) + (talking.length ? 1 : 0)
  const data = Buffer.allocUnsafe(length)
  const starts = new Uint32Array(ids.length + talking.length + 4)
  let at = headerLength
  let line = 1
  const put = (piece: Piece, last: boolean) => {
    starts[line++] = at
    at += typeof piece === 'string' ? data.write(piece, at) : old!.buffer.copy(data, at, piece.start, piece.end)
    at += last ? data.write('\n', at) : data.write(',\n', at)
  }
  for (let i = 0; i < ids.length; i++) {
    put(contacts[i]!, i === ids.length - 1)
    if (i % LINES_PER_TURN === LINES_PER_TURN - 1) await turn()
  }
  starts[line++] = at
  at += data.write(`${MIDDLE}\n`, at)
  for (let j = 0; j < talking.length; j++) {
    put(conversations[talking[j]!]!, j === talking.length - 1)
    if (j % LINES_PER_TURN === LINES_PER_TURN - 1) await turn()
  }
  starts[line++] = at
  at += data.write(`${FOOTER}\n`, at)
  starts[line] = at
  let crc = 0
  for (let from = headerLength; from < at; from += BYTES_PER_TURN) {
    crc = crc32(data.subarray(from, Math.min(at, from + BYTES_PER_TURN)), crc)
    await turn()
  }
  data.write(`${sealedHeader(crcChecksum(crc))}\n`, 0)

  const lines = new Map<string, number>()
  ids.forEach((id, i) => lines.set(id, (i + 1) * PACK))
  const firstConversation = ids.length + 2
  talking.forEach((i, j) => lines.set(ids[i]!, lines.get(ids[i]!)! + firstConversation + j))
  const lids = new Map<string, string>()
  for (const [lid, id] of old?.index.lids ?? []) if (lines.has(id) && !changed.has(id)) lids.set(lid, id)
  for (const [id, entry] of changed) {
    if (!entry?.contact.includes('"lid":"')) continue
    const lid = (JSON.parse(entry.contact) as { lid?: unknown }).lid
    if (typeof lid === 'string') lids.set(lid, id)
  }
  return { data: data.subarray(0, at), index: { starts, lines, lids } }
}
