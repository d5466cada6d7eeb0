/**
 * Where pre-populated data dirs are cached (bench/seed.ts makes them): one per size, named by
 * the storage's schema version and a hash of the generator.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SCHEMA_VERSION } from '../src/adapters/lowdb-store.js'
import { ROOT } from './paths.js'

/**
 * A seed is kept while the storage's schema version and the generator stay the same. Changes
 * to the store that keep its files readable (most tuning) reuse it: at 100,000 contacts a new
 * one takes minutes, most of it the engine having 400,000 conversations' messages. After a change
 * of format without a new schema version, `--fresh-seed` makes them again.
 */
const GENERATOR = ['bench/seed.ts', 'bench/seed-clone.ts', 'bench/paths.ts']

/** Names the cache entry: storage schema version plus a hash of the generator. */
export function seedKey(): string {
  const hash = createHash('sha256')
  for (const file of GENERATOR)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(ROOT, file)))
      .update('\0')
  return `schema${SCHEMA_VERSION}-${hash.digest('hex').slice(0, 12)}`
}

/** The seeded data dir for `size` under `cacheDir` (made by the caller with `seed.ts` if missing). */
export function seedDir(cacheDir: string, size: number): string {
  return join(cacheDir, `seed-${seedKey()}-${size}`)
}

/** Whether a process still runs (a seed it is making or reading is not to be touched). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const USING = /\.using-(\d+)$/
const PARTIAL = /\.partial-(\d+)$/

/**
 * Marks `seed` as being read by this process until the returned function is called: another
 * bench (of this checkout, another commit, or with --fresh-seed) never deletes a seed in use.
 */
export function useSeed(seed: string): () => void {
  const marker = `${seed}.using-${process.pid}`
  writeFileSync(marker, '')
  return () => rmSync(marker, { force: true })
}

/** Whether a live process reads `seed` now. */
function inUse(cacheDir: string, seed: string): boolean {
  return readdirSync(cacheDir).some((name) => {
    const pid = USING.exec(name)?.[1]
    return pid !== undefined && join(cacheDir, name.replace(USING, '')) === seed && alive(Number(pid))
  })
}

/**
 * Removes seeds of the same size made for other storage versions or generators (at a million
 * contacts they take gigabytes), or all of that size. Never one another bench is reading, nor one
 * a live process is still making; markers and half-made seeds of processes gone are removed.
 */
export function removeSeeds(cacheDir: string, size: number, { keepCurrent }: { keepCurrent: boolean }): string[] {
  if (!existsSync(cacheDir)) return []
  const keep = keepCurrent ? seedDir(cacheDir, size) : undefined
  const kept: string[] = []
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    const using = USING.exec(name)?.[1]
    if (using !== undefined) {
      if (!alive(Number(using))) rmSync(path, { force: true })
      continue
    }
    if (!name.startsWith('seed-')) continue
    const making = PARTIAL.exec(name)?.[1]
    if (making !== undefined) {
      if (name.includes(`-${size}.partial-`) && !alive(Number(making))) rmSync(path, { recursive: true, force: true })
      continue
    }
    if (!name.endsWith(`-${size}`) || path === keep) continue
    if (inUse(cacheDir, path)) kept.push(path)
    else rmSync(path, { recursive: true, force: true })
  }
  return kept
}
