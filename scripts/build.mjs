/**
 * Builds what `npm start` runs: the TypeScript of src/ compiled to JavaScript in dist/ (with
 * source maps, so a stack trace names the .ts line), and the files the code reads beside itself
 * (PostgreSQL's migrations). `dist/.built` marks a finished build: a build cut off leaves none,
 * and the next start builds again.
 *
 * Why compiled: tsx compiles every module at each start and stays resident (about 75 MB), and the
 * bot is a long-running process; the owner's commands, short-lived, still run through tsx.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const stamp = join(dist, '.built')

/** Files other than TypeScript that the code reads from its own folder. */
const ASSETS = ['.sql']

export function build() {
  rmSync(stamp, { force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' })
  if (compiled.status !== 0) throw new Error('the TypeScript in src/ does not compile (see above)')
  for (const file of walk(join(root, 'src'))) {
    if (!ASSETS.some((ext) => file.endsWith(ext))) continue
    const target = join(dist, relative(join(root, 'src'), file))
    mkdirSync(dirname(target), { recursive: true })
    cpSync(file, target)
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`)
}

export function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(path)
    else yield path
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    build()
  } catch (error) {
    process.stderr.write(`npm run build: ${error.message}\n`)
    process.exit(1)
  }
}
