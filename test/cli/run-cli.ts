/**
 * Runs one of the owner's commands (`src/main/commands/*.ts`) as `npm run …` would: a separate Node process
 * through tsx, in a project folder of the test's own (a copy of the real owner files, optionally
 * with a broken-corpus case laid over them), so nothing is written into this repository.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { runScript, type Run } from '../support/run-script.js'

// The setup file moves the working directory to a scratch one: paths start from this file.
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CORPUS = join(ROOT, 'test/fixtures/broken')

export type { Run }

export function runCli(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  // Settings in the developer's environment must not change what the test sees.
  return runScript(`src/main/commands/${script}`, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
  })
}

const projects: string[] = []
afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A project folder holding `flows/` and `locales/` under `under` (default: at its top), copied
 * from the real ones, with the files of corpus case `brokenCase` (if any) laid over them.
 */
export function ownerProject(options: { brokenCase?: string; under?: string } = {}): string {
  const project = mkdtempSync(join(tmpdir(), 'owner-project-'))
  projects.push(project)
  for (const sub of ['flows', 'locales']) {
    const target = join(project, options.under ?? '', sub)
    cpSync(join(ROOT, sub), target, { recursive: true })
    const overlay = options.brokenCase && join(CORPUS, options.brokenCase, sub)
    if (overlay && existsSync(overlay)) cpSync(overlay, target, { recursive: true })
  }
  return project
}

export interface Expectation {
  file: string
  line: number
  match: string
}

export function expectationsOf(brokenCase: string): Expectation[] {
  const raw = JSON.parse(readFileSync(join(CORPUS, brokenCase, 'expect.json'), 'utf8')) as Expectation | Expectation[]
  return Array.isArray(raw) ? raw : [raw]
}

/** Every file under `dir`, relative to it, sorted: to see what a command left behind. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort()
}
