/**
 * A corpus of broken owner files: each `test/fixtures/broken/<case>/` holds only the files that
 * differ from the real `flows/` and `locales/`, plus `expect.json` listing the `file:line` the
 * owner must be pointed at and a pattern the message must match. Every case is loaded over a copy
 * of the real files, exactly as `npm start` would read them. A case holds whole files: when a
 * real file changes, make the same change in the cases that copy it so they stay realistic.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { loadBusinessFlow } from '../../src/adapters/flow-files.js'
import { loadLocales } from '../../src/adapters/locale-files.js'
import { formatProblem, OwnerFileError, type Problem } from '../../src/adapters/owner-file.js'

// The setup file moves the working directory to a scratch one: resolve paths from this file.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CORPUS = join(ROOT, 'test/fixtures/broken')
const OWNER_DIRS = ['flows', 'locales'] as const

interface Expectation {
  file: string
  line: number
  match: string
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
  return dir
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

const cases = readdirSync(CORPUS).filter((name) => statSync(join(CORPUS, name)).isDirectory()).sort()

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

    // The case holds only changed owner files (at their real paths) and expect.json.
    const overlays = filesUnder(caseDir).map((path) => relative(caseDir, path)).filter((path) => path !== 'expect.json')
    expect(overlays.length, 'a case changes at least one owner file').toBeGreaterThan(0)
    for (const path of overlays) {
      expect(existsSync(join(ROOT, path)), `${path} is not one of the real owner files`).toBe(true)
      expect(readFileSync(join(caseDir, path), 'utf8'), `${path} is identical to the real one`).not.toBe(readFileSync(join(ROOT, path), 'utf8'))
    }
    const expectations = expectationsOf(caseDir)
    expect(expectations.length).toBeGreaterThan(0)

    const error = problemsOf(ownerFiles(caseDir))
    const reported = error.problems.map(formatProblem).join('\n')

    for (const { file, line, match } of expectations) {
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
