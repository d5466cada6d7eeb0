/**
 * The bot as a business runs it, in a process of its own: `npm start` (src/main/start.ts through
 * tsx) in an owner's project folder, with only the environment given (the developer's settings do
 * not leak in); killed after each test if still running. And what such tests share: a free port,
 * an owner's `.env`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { ROOT } from '../cli/run-cli.js'

/** A port nobody listens on now (the OS picks it; closed again at once for the bot to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface Started {
  child: ChildProcessWithoutNullStreams
  readonly stdout: string
  readonly stderr: string
  /** Resolves with the first match of `pattern` in stdout; rejects if the process ends first. */
  stdoutMatch(pattern: RegExp): Promise<RegExpMatchArray>
  /** The exit code (a signal's name when it was killed by one). */
  exited: Promise<number | string | null>
}

const children: ChildProcessWithoutNullStreams[] = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** `npm start -- …` (or another of the project's scripts) in `cwd`, with only `env` (and PATH, HOME) in its environment: the developer's settings do not leak in. */
export function start(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, script = 'src/main/start.ts'): Started {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, script), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  const watchers: (() => void)[] = []
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    for (const watcher of [...watchers]) watcher()
  })
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | string | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)))
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    stdoutMatch(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout)
          if (!match) return
          watchers.splice(watchers.indexOf(check), 1)
          resolve(match)
        }
        watchers.push(check)
        check()
        void exited.then((code) => reject(new Error(`the bot ended (${code}) before printing ${pattern}:\n${stdout}\n${stderr}`)))
      })
    },
    exited,
  }
}

/** Writes an owner's `.env`: KEY=value lines. */
export function writeDotEnv(project: string, values: Record<string, string>): void {
  writeFileSync(
    join(project, '.env'),
    `${Object.entries(values)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  )
}
