/**
 * Runs one of the project's scripts (`src/main/start.ts`, `src/main/commands/*.ts`) as `npm start` / `npm run`
 * would: a separate Node process through tsx, with its output collected for the test.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Working directory (default: the project). */
  cwd?: string
  /** The whole environment of the process (default: this one's, with NODE_ENV=production). */
  env?: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  input?: string
}

/** `script` is relative to the project, e.g. `src/main/start.ts`. */
export function runScript(script: string, args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, script), ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? { ...process.env, NODE_ENV: 'production' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}
