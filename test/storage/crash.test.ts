/**
 * Issue 5, crash safety: the bot process (test/support/crash-bot.ts, the real bot under a scripted
 * load of many contacts) is killed with SIGKILL at random points, again and again, on the same data
 * directory. After each kill: every file parses (a last line cut short aside), every consent and
 * channel the bot confirmed to a contact is in the files, and the ledger chain holds. Each restart
 * resumes the conversations where they stood, and a last run finishes them all.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire, isBuiltin } from 'node:module'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { openConsentReader, readConsentData } from '../../src/adapters/lowdb-store.js'
import { verifyLedger } from '../../src/main/commands/ledger-verify.js'
import { verifyChain } from '../../src/domain/ledger.js'
import { listAll, tempDir } from '../adapters/store/helpers.js'

const ROOT = resolve(import.meta.dirname, '../..')
const CONTACTS = 100
const KILLS = 20

/**
 * The bot script bundled into one file (packages left as imports of their absolute paths), so a
 * process starts in about half the time it takes through tsx: the test starts over twenty of them.
 * esbuild comes with tsx.
 */
let script: string
beforeAll(async () => {
  const esbuild = createRequire(fileURLToPath(import.meta.resolve('tsx')))('esbuild') as typeof import('esbuild')
  script = join(tempDir('crash-bundle-'), 'crash-bot.mjs')
  await esbuild.build({
    entryPoints: [join(ROOT, 'test/support/crash-bot.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [
      {
        name: 'packages-by-path',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
            isBuiltin(path) ? { path, external: true } : { path: import.meta.resolve(path), external: true },
          )
        },
      },
    ],
  })
})

interface Run {
  child: ChildProcessWithoutNullStreams
  /** Resolves once the line is printed (or rejects if the process ends first). */
  printed(line: string): Promise<void>
  /** Resolves once the process has printed `count` confirmations (or has ended). */
  confirmations(count: number): Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

/** Starts a bot process; it loads its modules, then waits for go(). */
function startProcess(dataDir: string, onLine: (line: string) => void): Run {
  const child = spawn(process.execPath, [script, dataDir, String(CONTACTS), ROOT], {
    cwd: tempDir('crash-cwd-'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const seen = new Set<string>()
  const waiting: { line: string; resolve: () => void }[] = []
  let confirmations = 0
  const counting: { count: number; resolve: () => void }[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, stderr })),
  )
  const run: Run = {
    child,
    exited,
    confirmations: (count) =>
      confirmations >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            counting.push({ count, resolve })
            void exited.then(() => resolve())
          }),
    printed: (line) =>
      seen.has(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiting.push({ line, resolve })
            void exited.then(({ stderr: err }) => reject(new Error(`the bot process ended before printing ${line}:\n${err}`)))
          }),
  }
  createInterface({ input: child.stdout }).on('line', (line) => {
    seen.add(line)
    if (line.startsWith('CONFIRMED ')) {
      confirmations++
      for (const c of counting.filter((c) => c.count <= confirmations)) c.resolve()
    }
    onLine(line)
    for (const w of waiting.filter((w) => w.line === line)) w.resolve()
  })
  return run
}

/** Every data file parses; a .jsonl file may end in a line cut short. Temp files and half-made backups are skipped. */
function expectEveryFileParses(dataDir: string): void {
  for (const { path, isDir } of listAll(dataDir)) {
    if (isDir || path.endsWith('.tmp') || path.split('/').some((part) => part.endsWith('.partial'))) continue
    const text = readFileSync(join(dataDir, path), 'utf8')
    if (path.endsWith('.jsonl')) {
      const lines = text.split('\n')
      // The last element is '' for a file ending in a newline, or a line cut short: not checked.
      for (const [i, line] of lines.slice(0, -1).entries()) expect(() => JSON.parse(line), `${path}:${i + 1}`).not.toThrow()
    } else expect(() => JSON.parse(text), path).not.toThrow()
  }
}

describe('a bot killed with SIGKILL at random points', () => {
  it('loses no confirmed consent or channel, leaves files that parse and a chain that holds, and resumes', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir('crash-data-')
    const confirmed: [contact: string, what: string][] = []
    const onLine = (line: string) => {
      if (line.startsWith('CONFIRMED ')) confirmed.push(line.split(' ').slice(1) as [string, string])
    }
    let kills = 0
    let killedMidCompaction = 0
    // The next processes load their modules while the current one runs; each reads the data only on go.
    const ahead = [startProcess(dataDir, onLine), startProcess(dataDir, onLine)]
    for (;;) {
      const run = ahead.shift()!
      await run.printed('LOADED')
      ahead.push(startProcess(dataDir, onLine))
      run.child.stdin.write('go\n')
      await run.printed('READY')
      if (kills < KILLS) {
        // Kill after a random number of confirmations (0: during start-up's own work), give or take a few ms.
        const after = Math.floor(Math.random() * 20)
        await run.confirmations(after)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
        run.child.kill('SIGKILL')
      }
      const { code, signal, stderr } = await run.exited
      if (signal === 'SIGKILL') kills++
      else expect({ code, stderr }).toEqual({ code: 0, stderr: '' })

      // A rotated journal still there: the kill came in the middle of a compaction.
      if (readdirSync(dataDir).some((name) => /^journal\.\d+\.jsonl$/.test(name))) killedMidCompaction++
      expectEveryFileParses(dataDir)
      const data = readConsentData(dataDir)
      for (const [contact, what] of confirmed) {
        const stored = data.contacts[contact]
        const [item, state] = what.split(':')
        const found = item === 'greeted' ? Boolean(stored) : item === 'channel' ? stored?.channel?.channel : stored?.consents[item!]?.state
        expect([contact, what, found]).toEqual([contact, what, item === 'greeted' ? true : state])
      }
      expect(verifyChain(data.ledger)).toMatchObject({ intact: true })
      expect(await verifyLedger(openConsentReader(dataDir))).toMatchObject({ intact: true })
      if (code === 0) break
    }
    for (const waiting of ahead) waiting.child.kill('SIGKILL')

    expect(kills).toBe(KILLS)
    // Kills landed in the middle of compactions too (each run folds the journal its predecessors left).
    expect(killedMidCompaction).toBeGreaterThan(0)
    // The last run finished every conversation: each contact went through each step once.
    const data = readConsentData(dataDir)
    expect(Object.keys(data.contacts)).toHaveLength(CONTACTS)
    for (const contact of Object.values(data.contacts)) {
      expect(contact.channel?.channel).toBe('whatsapp')
      expect(contact.consents.marketing?.state).toBe(Number(contact.id.slice(-1)) % 2 ? 'refused' : 'given')
    }
  })
})
