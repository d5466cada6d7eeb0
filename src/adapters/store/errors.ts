/**
 * A data file the bot cannot trust. The bot refuses to start rather than overwrite it, names the
 * file and line, and points to the newest backup it kept. Messages never quote the file's
 * content: it holds phone numbers and answers.
 */

export class DatabaseFileError extends Error {
  /** `backup`: left out while loading; then the newest backup's folder, or null when there is none. */
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
    readonly backup?: string | null,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}. ${advice(backup)}`)
    this.name = 'DatabaseFileError'
  }

  /** The same problem, with where the owner can find the last good copy of their data. */
  withBackup(backup: string | null): DatabaseFileError {
    return new DatabaseFileError(this.file, this.line, this.reason, backup)
  }
}

function advice(backup: string | null | undefined): string {
  const untouched = 'The file was left as it is'
  if (backup === undefined) return `${untouched}.`
  if (backup === null)
    return `${untouched}. There is no backup yet: mend the file by hand, or move the data directory away to start empty (keep it: it is your evidence).`
  return `${untouched}. The newest backup is ${backup}: to go back to it, stop the bot, move the files of the data directory (not backups/) aside and copy the backup's files in; or mend the file by hand.`
}

/** Where JSON.parse gave up, as a 1-based line and a reason without the file's text in it. */
export function describeJsonError(text: string, startLine = 1): { line: number; reason: string } {
  const offset = firstJsonError(text)
  const before = text.slice(0, offset)
  // What is unexpected begins a line: what is missing (a comma, a bracket) is at the end of the one before.
  const lastSolid = before.trimEnd().length
  if (offset < text.length && lastSolid > 0 && before.slice(lastSolid).includes('\n')) {
    const line = startLine + countNewlines(before.slice(0, lastSolid))
    return { line, reason: `is not valid JSON (what follows this line is unexpected: a comma or a bracket may be missing at its end)` }
  }
  const line = startLine + countNewlines(before)
  const column = offset - (before.lastIndexOf('\n') + 1) + 1
  const found = offset >= text.length ? 'the text ends too early' : `unexpected ${JSON.stringify(text[offset])}`
  return { line, reason: `is not valid JSON (${found} at column ${column}; the line was cut short or edited)` }
}

export function countNewlines(text: string): number {
  let count = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++
  return count
}

/**
 * The offset of the first character that makes `text` invalid JSON (text.length when it ends
 * too early). JSON.parse only sometimes says where; this is called only once it has failed.
 */
export function firstJsonError(text: string): number {
  let i = 0
  const fail = (): never => {
    throw i
  }
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) i--, fail()
  }
  const string = () => {
    if (text[i] !== '"') fail()
    i++
    for (;;) {
      if (i >= text.length) fail()
      const ch = text[i]!
      if (ch === '"') return void i++
      if (ch < ' ') fail()
      if (ch === '\\') {
        i++
        if (text[i] === 'u') {
          i++
          for (let k = 0; k < 4; k++)
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail()
            else i++
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail()
        else i++
      } else i++
    }
  }
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!match || match[0] === '' || match[0] === '-') fail()
    i += match![0].length
  }
  const value = (): void => {
    space()
    const ch = text[i]
    if (ch === '{') {
      i++
      space()
      if (text[i] === '}') return void i++
      for (;;) {
        space()
        string()
        space()
        if (text[i] !== ':') fail()
        i++
        value()
        space()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else fail()
      }
    }
    if (ch === '[') {
      i++
      space()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        space()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else fail()
      }
    }
    if (ch === '"') return string()
    if (ch === 't') return literal('true')
    if (ch === 'f') return literal('false')
    if (ch === 'n') return literal('null')
    return number()
  }
  try {
    value()
    space()
    if (i < text.length) fail()
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length)
    throw offset
  }
  return text.length
}
