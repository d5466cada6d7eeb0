/**
 * `npm run check` as the owner runs it: a separate process over a project's `flows/` and
 * `locales/`, reporting every problem as `file:line: …` (exit 1), or a one-line summary (exit 0).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadBusinessFlow } from '../../src/adapters/flow-files/business-flow.js'
import { CORPUS, expectationsOf, listFiles, ownerProject, ROOT, runCli } from './run-cli.js'

const check = (args: string[], cwd: string) => runCli('check.ts', args, cwd)
const PROBLEM_LINE = /^(?:[\w.-]+\/)*(?:flows|locales)\/[\w./-]+:\d+: \S.{20,}$/

describe('npm run check', () => {
  it('says the real files are valid, with what they hold, and writes nothing', async () => {
    const project = ownerProject()
    const before = listFiles(project)
    const run = await check([], project)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const { flow, policy } = loadBusinessFlow(join(ROOT, 'flows'))
    expect(run.stdout).toBe(
      `flows/ and locales/ are valid: ${Object.keys(flow.steps).length} steps, ${policy.purposes.length} purposes, ${policy.channels.length} channels, 2 languages\n`,
    )
    expect(listFiles(project)).toEqual(before)
  })

  it('lists every problem of a broken flow as file:line, one per line, and exits 1', async () => {
    const project = ownerProject({ brokenCase: 'next-unknown-step' })
    const run = await check([], project)
    expect(run.code).toBe(1)
    const lines = run.stdout.trimEnd().split('\n')
    for (const line of lines) expect(line).toMatch(PROBLEM_LINE)
    for (const { file, line, match } of expectationsOf('next-unknown-step')) {
      expect(
        lines.some((l) => l.startsWith(`${file}:${line}: `) && new RegExp(match).test(l)),
        `${file}:${line} /${match}/ in:\n${run.stdout}`,
      ).toBe(true)
    }
    expect(run.stderr).toMatch(
      new RegExp(`^\\n${lines.length} problems? in flows/ and locales/\\. Fix (it|them) and run npm run check again\\.\\n$`),
    )
  })

  it('catches unknown, misspelt and unclosed {{variables}} in the texts, each at its line', async () => {
    const project = ownerProject()
    const cases = ['message-unknown-variable', 'message-variable-typo', 'message-variable-unclosed']
    const expected: string[] = []
    for (const name of cases) {
      const [edit] = JSON.parse(readFileSync(join(CORPUS, name, 'edits.json'), 'utf8')) as { file: string; find: string; replace: string }[]
      const path = join(project, edit!.file)
      const text = readFileSync(path, 'utf8')
      expect(text.includes(edit!.find), name).toBe(true)
      writeFileSync(path, text.replace(edit!.find, edit!.replace))
      const [{ match }] = JSON.parse(readFileSync(join(CORPUS, name, 'expect.json'), 'utf8')) as { match: string }[]
      expected.push(`${edit!.file}:${text.slice(0, text.indexOf(edit!.find)).split('\n').length}: ${match}`)
    }
    const run = await check([], project)
    expect(run.code).toBe(1)
    const lines = run.stdout.trimEnd().split('\n')
    for (const line of lines) expect(line).toMatch(PROBLEM_LINE)
    for (const pattern of expected)
      expect(
        lines.some((l) => new RegExp(`^${pattern}`).test(l)),
        `${pattern} in:\n${run.stdout}`,
      ).toBe(true)
    expect(lines).toHaveLength(3)
  })

  it('reads the folders given with --flows-dir and --locales-dir, naming files from the project folder', async () => {
    const project = ownerProject({ brokenCase: 'answers-unknown-channel', under: 'owner' })
    const run = await check(['--flows-dir', 'owner/flows', '--locales-dir', join(project, 'owner/locales')], project)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /^owner\/locales\/en\/answers\.json:19: "telgram" is not a channel the bot knows \(did you mean "telegram"\?\)/m,
    )
    expect(run.stdout).toMatch(/^owner\/locales\/en\/answers\.json:17: no words for the channel "telegram"/m)
    for (const line of run.stdout.trimEnd().split('\n')) expect(line).toMatch(PROBLEM_LINE)
  })

  it('reads the folders from .env as the bot does', async () => {
    const project = ownerProject({ under: 'owner' })
    writeFileSync(join(project, '.env'), 'FLOWS_DIR=owner/flows\nLOCALES_DIR=owner/locales\n')
    const run = await check([], project)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^owner\/flows\/ and owner\/locales\/ are valid: /)
  })

  it('exits 2 with the usage on an option it does not know', async () => {
    const run = await check(['--flow-dir', 'flows'], ownerProject())
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^npm run check: Unknown option '--flow-dir'/)
    expect(run.stderr).toMatch(/--flows-dir DIR/)
  })

  it('warns, without failing, when an answer word holds an opt-out phrase, naming its line and how to mend it', async () => {
    const project = ownerProject()
    const file = join(project, 'locales/es/answers.json')
    const lines = readFileSync(file, 'utf8').split('\n')
    const at = lines.findIndex((l) => l.startsWith('  "no": ['))
    lines[at] = lines[at]!.replace('"no", ', '"no", "no quiero ofertas", ')
    writeFileSync(file, lines.join('\n'))
    const run = await check([], project)
    expect(run.code).toBe(0)
    const [warning, summary, ...rest] = run.stdout.trimEnd().split('\n')
    expect(warning).toBe(
      `locales/es/answers.json:${at + 1}: warning: "no quiero ofertas" in "no" holds an opt-out phrase of "contains.stopOffers"; where "no" is expected, ` +
        'a contact writing it is read as "no", not as "stopOffers". Remove it from "no" (the opt-out phrases already cover it), or keep it if it must mean "no" there',
    )
    expect(summary).toMatch(/^flows\/ and locales\/ are valid: /)
    expect(rest).toEqual([])
  })

  it('reports a withdrawal of a purpose that is required or unknown as a problem of its line', async () => {
    const project = ownerProject()
    const file = join(project, 'flows/consent.yaml')
    const lines = readFileSync(file, 'utf8').split('\n')
    const at = lines.findIndex((l) => l.startsWith('  stopOffers:'))
    lines[at] = '  stopOffers: { withdraw: [service, surveys], say: withdraw.offersDone }'
    writeFileSync(file, lines.join('\n'))
    const run = await check([], project)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      new RegExp(`^flows/consent\\.yaml:${at + 1}: withdraw in command stopOffers names "service", a required purpose`, 'm'),
    )
    expect(run.stdout).toMatch(
      new RegExp(
        `^flows/consent\\.yaml:${at + 1}: withdraw in command stopOffers names "surveys", which is not a purpose in policy\\.yaml`,
        'm',
      ),
    )
  })
})
