/**
 * `ledger.jsonl`: the permanent evidence. One LedgerEntry per line, each chained to the one before
 * (see src/domain/ledger.ts), appended and fsynced, never edited, except that an erasure sets
 * the `personal` part of that contact's entries to null (their hashes cover only its digest).
 *
 * The ledger grows with every answer ever given (about 1 KB a record), so the bot never loads it
 * whole: it reads the last line at start-up, and streams the file for an erasure.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import type { LedgerEntry } from '../../domain/ledger.js'
import { DatabaseFileError } from './errors.js'
import { isObject, parseLine } from './json-lines.js'

export const LEDGER_FILE = 'ledger.jsonl'

const CHUNK = 1 << 20
const NEWLINE = 0x0a

export function ledgerEntryProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'holds a ledger entry that is not an object'
  if (!Number.isSafeInteger(value.seq) || (value.seq as number) < 1) return 'holds a ledger entry without a valid seq'
  if (typeof value.prev !== 'string' || typeof value.hash !== 'string') return 'holds a ledger entry without prev and hash'
  if (!isObject(value.record) || typeof value.record.id !== 'string') return 'holds a ledger entry without a record'
  if (typeof value.personalDigest !== 'string') return 'holds a ledger entry without a personalDigest'
  if (value.personal !== null && !isObject(value.personal))
    return 'holds a ledger entry whose personal details are neither an object nor null'
  return undefined
}

export function parseLedgerLine(file: string, line: number, text: string): LedgerEntry {
  const value = parseLine(file, line, text)
  const problem = ledgerEntryProblem(value)
  if (problem) throw new DatabaseFileError(file, line, problem)
  return value as LedgerEntry
}

export interface LedgerTail {
  /** The last complete entry, if any. */
  last?: LedgerEntry
  /** Bytes up to and including the last newline. */
  completeBytes: number
  /** Bytes of a last line cut short by a kill. */
  tornBytes: number
}

/** The ledger's last entry, read from the end of the file (at start-up, before anything else runs). */
export function readLedgerTail(file: string): LedgerTail {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { completeBytes: 0, tornBytes: 0 }
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    const { size } = fstatSync(fd)
    // Read ever larger pieces of the end until they hold the last complete line whole.
    for (let length = Math.min(size, 64 * 1024); ; length = Math.min(size, length * 4)) {
      const buffer = Buffer.alloc(length)
      readSync(fd, buffer, 0, length, size - length)
      const lastNewline = buffer.lastIndexOf(NEWLINE)
      const start = lastNewline < 0 ? -1 : buffer.lastIndexOf(NEWLINE, lastNewline - 1) + 1
      const whole = length === size
      if (lastNewline < 0 && whole) return { completeBytes: 0, tornBytes: size }
      if (lastNewline >= 0 && (start > 0 || whole)) {
        const completeBytes = size - length + lastNewline + 1
        const text = buffer.toString('utf8', start, lastNewline)
        const line = countLines(fd, size - length + start)
        return { last: parseLedgerLine(file, line + 1, text), completeBytes, tornBytes: size - completeBytes }
      }
    }
  } finally {
    closeSync(fd)
  }
}

/** Lines that end before `offset` (only needed to name a line; costs a read of the file). */
function countLines(fd: number, offset: number): number {
  const buffer = Buffer.alloc(CHUNK)
  let lines = 0
  for (let position = 0; position < offset; ) {
    const bytesRead = readSync(fd, buffer, 0, Math.min(CHUNK, offset - position), position)
    if (bytesRead === 0) break
    for (let i = buffer.indexOf(NEWLINE); i !== -1 && i < bytesRead; i = buffer.indexOf(NEWLINE, i + 1)) lines++
    position += bytesRead
  }
  return lines
}

export interface FileLine {
  /** 1-based. */
  line: number
  text: string
  /** False for the file's last bytes when they have no newline: a write cut short. */
  complete: boolean
}

/** Cuts a stream of bytes into lines; a line may span pieces. */
class LineSplitter {
  private carry = Buffer.alloc(0)
  constructor(private line: number) {}

  push(piece: Buffer): FileLine[] {
    const data = this.carry.length ? Buffer.concat([this.carry, piece]) : piece
    const lines: FileLine[] = []
    let from = 0
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, from)) {
      lines.push({ line: this.line++, text: data.toString('utf8', from, i), complete: true })
      from = i + 1
    }
    this.carry = Buffer.from(data.subarray(from))
    return lines
  }

  end(): FileLine[] {
    return this.carry.length ? [{ line: this.line, text: this.carry.toString('utf8'), complete: false }] : []
  }
}

/** The lines of a file read in pieces, from byte `start` (which begins line `firstLine`) to `end`. */
export async function* readLines(file: string, start = 0, end = Infinity, firstLine = 1): AsyncGenerator<FileLine> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(CHUNK)
    const splitter = new LineSplitter(firstLine)
    for (let position = start; position < end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - position), position)
      if (bytesRead === 0) break
      position += bytesRead
      yield* splitter.push(buffer.subarray(0, bytesRead))
    }
    yield* splitter.end()
  } finally {
    await handle.close()
  }
}

/** The same, synchronously (for the owner's tools, which read everything at once). */
export function* readLinesSync(file: string): Generator<FileLine> {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(CHUNK)
    const splitter = new LineSplitter(1)
    for (let position = 0; ; ) {
      const bytesRead = readSync(fd, buffer, 0, CHUNK, position)
      if (bytesRead === 0) break
      position += bytesRead
      yield* splitter.push(buffer.subarray(0, bytesRead))
    }
    yield* splitter.end()
  } finally {
    closeSync(fd)
  }
}

/**
 * Copies ledger lines from `file` (bytes `start`…`end`, beginning at line `firstLine`) to `out`,
 * with the personal details of the entries of `addresses` (a person's number and `…@lid`) set to
 * null. Only lines that mention one of them are parsed. Returns the number of lines copied.
 */
export async function copyRedacted(
  file: string,
  out: FileHandle,
  addresses: readonly string[],
  start: number,
  end: number,
  firstLine: number,
): Promise<number> {
  const needles = addresses.map((a) => JSON.stringify(a).slice(1, -1))
  const pending: string[] = []
  let pendingLength = 0
  let lines = 0
  const drain = async () => {
    if (pending.length) await out.write(pending.join(''))
    pending.length = 0
    pendingLength = 0
  }
  for await (const { line, text, complete } of readLines(file, start, end, firstLine)) {
    if (!complete) throw new DatabaseFileError(file, line, 'ends in the middle of a line')
    let kept = text
    if (needles.some((needle) => text.includes(needle))) {
      const entry = parseLedgerLine(file, line, text)
      if (entry.personal && addresses.includes(entry.personal.contact)) kept = JSON.stringify({ ...entry, personal: null })
    }
    pending.push(kept, '\n')
    pendingLength += kept.length + 1
    lines++
    if (pendingLength > CHUNK) await drain()
  }
  await drain()
  return lines
}
