/**
 * A corpus of broken owner files: each `test/fixtures/broken/<case>/` says how it differs from
 * the real `flows/` and `locales/`, plus `expect.json` listing the `file:line` the owner must be
 * pointed at and a pattern the message must match. Every case is loaded over a copy of the real
 * files, exactly as `npm start` would read them.
 *
 * A case is either `edits.json` (preferred: `[{ file, find, replace }]` applied to the real
 * files, so the case follows them as they change; in expect.json, `"line": "edit"` means the
 * line where the first edit of that file lands, and `"line": "@text"` the line of the first
 * occurrence of text in the edited file), or whole files at their real paths laid over them
 * (when a real file changes, make the same change in the cases that copy it).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { loadBusinessFlow } from '../../src/adapters/flow-files/business-flow.js'
import { loadLocales } from '../../src/adapters/locale-files/locale-bundle.js'
import { formatProblem, OwnerFileError, type Problem } from '../../src/adapters/owner-file.js'

// The setup file moves the working directory to a scratch one: resolve paths from this file.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CORPUS = join(ROOT, 'test/fixtures/broken')
const OWNER_DIRS = ['flows', 'locales'] as const

interface Expectation {
  file: string
  line: number | 'edit' | `@${string}`
  match: string
}

interface Edit {
  file: string
  find: string
  replace: string
}

const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the real owner files with `overlay` (a case directory) laid over them. */
function ownerFiles(overlay?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'owner-files-'))
  scratch.push(dir)
  for (const sub of OWNER_DIRS) {
    cpSync(join(ROOT, sub), join(dir, sub), { recursive: true })
    if (overlay && existsSync(join(overlay, sub))) cpSync(join(overlay, sub), join(dir, sub), { recursive: true })
  }
  if (overlay) for (const edit of editsOf(overlay)) applyEdit(dir, edit)
  return dir
}

function editsOf(caseDir: string): Edit[] {
  const file = join(caseDir, 'edits.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Edit[]) : []
}

function applyEdit(dir: string, { file, find, replace }: Edit): void {
  const path = join(dir, file)
  const text = readFileSync(path, 'utf8')
  expect(text.includes(find), `edit of ${file}: "${find}" is not in the real file any more; update the case`).toBe(true)
  writeFileSync(path, text.replace(find, replace))
}

/** The line (1-based) an expectation names, in the edited copy of its file. */
function lineOf(dir: string, caseDir: string, { file, line }: Expectation): number {
  if (typeof line === 'number') return line
  const lineAt = (text: string, needle: string) => {
    const at = text.indexOf(needle)
    if (at < 0) throw new Error(`expect.json names "${needle}" in ${file}, which is not there`)
    return text.slice(0, at).split('\n').length
  }
  if (line !== 'edit') return lineAt(readFileSync(join(dir, file), 'utf8'), line.slice(1))
  // The text before the first edit is unchanged, so the edit lands where `find` was.
  const edit = editsOf(caseDir).find((e) => e.file === file)
  if (!edit) throw new Error(`expect.json says "line": "edit" for ${file}, but edits.json does not edit it`)
  return lineAt(readFileSync(join(ROOT, file), 'utf8'), edit.find)
}

/** Loads both files and the locales as the bot does at start, with the paths shown to the owner. */
function load(dir: string) {
  const business = loadBusinessFlow(join(dir, 'flows'), 'flows')
  const locales = loadLocales(join(dir, 'locales'), business.flow, business.policy, 'locales', 'flows/consent.yaml')
  return { business, locales }
}

function problemsOf(dir: string): OwnerFileError {
  try {
    load(dir)
  } catch (error) {
    if (error instanceof OwnerFileError) return error
    throw new Error(`expected an OwnerFileError, got: ${error instanceof Error ? error.stack : String(error)}`)
  }
  throw new Error('the broken files loaded without any problem')
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

function expectationsOf(caseDir: string): Expectation[] {
  const raw = JSON.parse(readFileSync(join(caseDir, 'expect.json'), 'utf8')) as Expectation | Expectation[]
  return Array.isArray(raw) ? raw : [raw]
}

const cases = readdirSync(CORPUS)
  .filter((name) => statSync(join(CORPUS, name)).isDirectory())
  .sort()

describe('the real owner files', () => {
  it('load with no problem', () => {
    const { business, locales } = load(ownerFiles())
    expect(business.flow.start).toBe('greet')
    expect(business.policy.purposes.map((p) => p.id)).toEqual(['service', 'marketing'])
    expect(Object.keys(locales.messages).sort()).toEqual(['en', 'es'])
    expect(Object.keys(locales.answers).sort()).toEqual(['en', 'es'])
  })
})

describe('broken owner files are reported as file:line: what to do', () => {
  it('the corpus has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
  })

  it.each(cases)('%s', (name) => {
    const caseDir = join(CORPUS, name)

    // The case holds only edits or changed owner files (at their real paths), and expect.json.
    const overlays = filesUnder(caseDir)
      .map((path) => relative(caseDir, path))
      .filter((path) => path !== 'expect.json' && path !== 'edits.json')
    expect(overlays.length + editsOf(caseDir).length, 'a case changes at least one owner file').toBeGreaterThan(0)
    for (const path of overlays) {
      expect(existsSync(join(ROOT, path)), `${path} is not one of the real owner files`).toBe(true)
      expect(readFileSync(join(caseDir, path), 'utf8'), `${path} is identical to the real one`).not.toBe(
        readFileSync(join(ROOT, path), 'utf8'),
      )
    }
    const expectations = expectationsOf(caseDir)
    expect(expectations.length).toBeGreaterThan(0)

    const dir = ownerFiles(caseDir)
    const error = problemsOf(dir)
    const reported = error.problems.map(formatProblem).join('\n')

    for (const expectation of expectations) {
      const { file, match } = expectation
      const line = lineOf(dir, caseDir, expectation)
      const pattern = new RegExp(match)
      const hit = error.problems.some((p) => p.file === file && p.line === line && pattern.test(p.message))
      expect(hit, `expected ${file}:${line} matching /${match}/; reported:\n${reported}`).toBe(true)
    }

    // Every problem is one plain line for the owner: where, and what to do; never a stack trace.
    expect(error.message).toBe(reported)
    for (const p of error.problems as Problem[]) {
      expect(p.file).toMatch(/^(flows|locales)\//)
      expect(Number.isInteger(p.line) && p.line >= 1, `line of ${formatProblem(p)}`).toBe(true)
      expect(p.message.length, `too short to say what to do: ${formatProblem(p)}`).toBeGreaterThan(20)
      expect(p.message).not.toMatch(/\n|\bat .+:\d+:\d+\)?$|^\s*at |Error:|undefined|\[object Object\]/m)
    }
  })
})
