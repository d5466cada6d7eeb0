/**
 * The crash bot (test/support/crash-bot.ts) as a process a test starts, feeds and kills: bundled
 * into one file once per test file (packages left as imports of their absolute paths), so a
 * process starts in about half the time it takes through tsx.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire, isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { tempDir } from '../adapters/store/helpers.js'

const ROOT = resolve(import.meta.dirname, '../..')

/**
 * The bot script bundled into one file (packages left as imports of their absolute paths), so a
 * process starts in about half the time it takes through tsx: the test starts over twenty of them.
 * esbuild comes with tsx.
 */
let script: string
/** Bundles the crash bot before the file's tests. */
export function bundleCrashBot(): void {
  beforeAll(async () => {
    const esbuild = createRequire(fileURLToPath(import.meta.resolve('tsx')))('esbuild') as typeof import('esbuild')
    // Kept for the whole file (tempDir's folders go after each test), removed after it.
    const dir = mkdtempSync(join(tmpdir(), 'crash-bundle-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    // The PostgreSQL store reads its SQL files beside its module: in the bundle, beside the bundle.
    cpSync(join(ROOT, 'src/adapters/postgres/migrations'), join(dir, 'migrations'), { recursive: true })
    script = join(dir, 'crash-bot.mjs')
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
}

export interface Run {
  child: ChildProcessWithoutNullStreams
  /** Resolves once the line is printed (or rejects if the process ends first). */
  printed(line: string): Promise<void>
  /** Resolves once the process has printed `count` confirmations (or has ended). */
  confirmations(count: number): Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

/** Starts a bot process for `contacts` contacts; it loads its modules, then waits for go(). `env`: CRASH_DATABASE_URL and the like. */
export function startProcess(dataDir: string, contacts: number, onLine: (line: string) => void, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [script, dataDir, String(contacts), ROOT], {
    cwd: tempDir('crash-cwd-'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
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
