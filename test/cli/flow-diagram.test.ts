/**
 * `npm run flow:diagram` as the owner runs it: a separate process that checks the files first,
 * then writes the Markdown (Mermaid) file and the HTML page next to it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listFiles, ownerProject, runCli } from './run-cli.js'

const draw = (args: string[], cwd: string) => runCli('flow-diagram.ts', args, cwd)

describe('npm run flow:diagram', () => {
  it('writes flow-diagram.md and flow-diagram.html in the project folder, in the default language', async () => {
    const project = ownerProject()
    const run = await draw([], project)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('Wrote flow-diagram.md (Mermaid) and flow-diagram.html (open it in a browser).\n')
    const markdown = readFileSync(join(project, 'flow-diagram.md'), 'utf8')
    expect(markdown).toMatch(/^# La conversación, paso a paso\n/)
    expect(markdown).toMatch(/^```mermaid\nstateDiagram-v2\n {2}\[\*\] --> greet\n/m)
    // Command words as written for this language, not those pooled from every language.
    expect(markdown).toMatch(/^ {2}anyStep --> withdrawn : baja \/ stop \/ cancelar … ✗ todos$/m)
    const html = readFileSync(join(project, 'flow-diagram.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>\n<html lang="es">/)
    expect(html).toContain('<title>Tienda Ejemplo: La conversación, paso a paso</title>')
    expect(html).toMatch(/<g class="step" data-step="askService">/)
  })

  it('writes where --out says, labelled in the --lang language', async () => {
    const project = ownerProject()
    const run = await draw(['--out', 'docs/flow.md', '--lang', 'en'], project)
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('Wrote docs/flow.md (Mermaid) and docs/flow.html (open it in a browser).\n')
    expect(readFileSync(join(project, 'docs/flow.md'), 'utf8')).toMatch(
      /^ {2}anyStep --> withdrawn : stop \/ unsubscribe \/ cancel … ✗ all$/m,
    )
    expect(readFileSync(join(project, 'docs/flow.html'), 'utf8')).toMatch(/^<html lang="en">$/m)
    expect(existsSync(join(project, 'flow-diagram.md'))).toBe(false)
  })

  it('draws nothing from broken files, and says what to fix', async () => {
    const project = ownerProject({ brokenCase: 'next-unknown-step' })
    const before = listFiles(project)
    const run = await draw([], project)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^flows\/consent\.yaml:39: next of answer yes of askService "askMarketting" is not a step/m)
    expect(listFiles(project)).toEqual(before)
  })

  it('exits 2 on a language it does not speak', async () => {
    const run = await draw(['--lang', 'fr'], ownerProject())
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^npm run flow:diagram: --lang \(DEFAULT_LANGUAGE\) must be "es" or "en", not "fr"/)
  })
})
