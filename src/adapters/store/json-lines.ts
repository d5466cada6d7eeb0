/**
 * JSON Lines files (the journal, the ledger): one JSON value per line, each line ended by a
 * newline. Every line is written with its newline in one write call, so a line without one at
 * the end of the file is a write that a kill cut short: it was never confirmed to anybody.
 */
import { DatabaseFileError, describeJsonError } from './errors.js'

const NEWLINE = 0x0a

export interface SplitLines {
  /** The complete lines, line 1 first. */
  lines: string[]
  /** Bytes up to and including the last newline. */
  completeBytes: number
  /** Bytes after the last newline: a cut-short write (0 when the file ends cleanly). */
  tornBytes: number
}

export function splitLines(buffer: Buffer): SplitLines {
  // A multi-byte UTF-8 character never contains the newline byte, so cutting there is safe.
  const completeBytes = buffer.lastIndexOf(NEWLINE) + 1
  const text = buffer.toString('utf8', 0, completeBytes)
  const lines = text === '' ? [] : text.slice(0, -1).split('\n')
  return { lines, completeBytes, tornBytes: buffer.length - completeBytes }
}

/** Parses one complete line; a line that does not parse is refused with its number. */
export function parseLine(file: string, line: number, text: string): unknown {
  if (text.trim() === '') throw new DatabaseFileError(file, line, 'is an empty line where a record was expected')
  try {
    return JSON.parse(text)
  } catch {
    throw new DatabaseFileError(file, line, describeJsonError(text, line).reason)
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
