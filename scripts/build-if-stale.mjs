/**
 * Runs before `npm start`: builds dist/ when it is missing or older than anything it is built
 * from (src/, the TypeScript settings, the installed packages), so a fresh clone, a `git pull` or
 * an edit of the code is always what runs. Checking takes a few milliseconds.
 */
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, walk } from './build.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stamp = join(root, 'dist', '.built')

function stale() {
  if (!existsSync(stamp)) return true
  const built = statSync(stamp).mtimeMs
  const sources = [
    ...walk(join(root, 'src')),
    join(root, 'tsconfig.json'),
    join(root, 'tsconfig.build.json'),
    join(root, 'package-lock.json'),
  ]
  return sources.some((file) => existsSync(file) && statSync(file).mtimeMs > built)
}

if (stale()) {
  process.stderr.write('Building the bot (src/ → dist/), once after an install or a change of the code…\n')
  try {
    build()
  } catch (error) {
    process.stderr.write(`npm start: ${error.message}\n`)
    process.exit(1)
  }
}
