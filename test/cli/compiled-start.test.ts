/**
 * `npm start` runs the compiled JavaScript of dist/, built by its `prestart` when missing or
 * older than src/: on a copy of the project (its src/, scripts/, settings, flows/ and locales/,
 * the installed packages linked), through npm itself, as an owner types it after `npm ci`.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './run-cli.js'

const project = mkdtempSync(join(tmpdir(), 'compiled-start-'))
afterAll(() => rmSync(project, { recursive: true, force: true }))
for (const part of ['src', 'scripts', 'flows', 'locales', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
  cpSync(join(ROOT, part), join(project, part), { recursive: true })
symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'))

/** `npm start` in the copy, a piped chat of one message; its output and exit code. */
function npmStart(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', '--data-dir', dataDir], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end('hola\n')
  })
}

describe('npm start', () => {
  it('builds dist/ on the first start, answers from the compiled code, builds again only after src/ changes', async () => {
    expect(existsSync(join(project, 'dist'))).toBe(false)
    const first = await npmStart(join(project, 'data-1'))
    expect(first.stderr).toMatch(/^Building the bot \(src\/ → dist\/\)/)
    expect(first.stdout).toMatch(/^¡Hola! 👋 Te escribe el asistente de \*Tienda Ejemplo\*/)
    expect(first.code).toBe(0)
    expect(existsSync(join(project, 'dist/main/start.js'))).toBe(true)
    // PostgreSQL's migrations are read beside the compiled code.
    expect(existsSync(join(project, 'dist/adapters/postgres/migrations/001_initial.sql'))).toBe(true)

    const again = await npmStart(join(project, 'data-2'))
    expect(again.stderr).not.toMatch(/Building/)
    expect(again.stdout).toMatch(/^¡Hola!/)

    // An edit of the code (here: a newer file) is built before it runs.
    const later = new Date(Date.now() + 60_000)
    utimesSync(join(project, 'src/domain/consent.ts'), later, later)
    const edited = await npmStart(join(project, 'data-3'))
    expect(edited.stderr).toMatch(/^Building the bot/)
    expect(edited.stdout).toMatch(/^¡Hola!/)
  }, 120_000)
})
