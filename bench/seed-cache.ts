/**
 * Where pre-populated data dirs are cached (bench/seed.ts makes them): one per size, named by
 * the storage's schema version and a hash of the generator.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
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

/** Removes seeds of the same size made for other storage versions (at 100k they are large), or all of that size. */
export function removeSeeds(cacheDir: string, size: number, { keepCurrent }: { keepCurrent: boolean }): void {
  if (!existsSync(cacheDir)) return
  const keep = keepCurrent ? seedDir(cacheDir, size) : undefined
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    // A .partial one was left by a generator that was killed.
    const ofSize = name.endsWith(`-${size}`) || name.includes(`-${size}.partial-`)
    if (name.startsWith('seed-') && ofSize && path !== keep) rmSync(path, { recursive: true, force: true })
  }
}
