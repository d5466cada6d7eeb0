/**
 * Where pre-populated data dirs are cached (bench/seed.ts makes them): one per size, named by
 * the storage's schema version and a hash of the sources that decide what the store writes.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { SCHEMA_VERSION } from '../src/adapters/lowdb-store.js'
import { ROOT } from './paths.js'

/**
 * What decides the files of a seeded data dir: the storage code (any file under src/ whose path
 * says store, ledger, journal, shard or lowdb), the record types, and the generator. Engine
 * changes do not count: the seeded contacts are never touched by the bench's conversations.
 */
const STORAGE_FILE = /store|ledger|journal|shard|lowdb|consent\.ts$/i
const SEED_INPUTS = ['src', 'bench/seed.ts', 'bench/paths.ts']

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)))
}

function seedInputs(): string[] {
  return SEED_INPUTS.flatMap((p) => filesUnder(join(ROOT, p))).filter((file) => !file.startsWith(join(ROOT, 'src')) || STORAGE_FILE.test(relative(ROOT, file)))
}

/** Names the cache entry: storage schema version plus a hash of the sources it depends on. */
export function seedKey(): string {
  const hash = createHash('sha256')
  for (const file of seedInputs()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return `schema${SCHEMA_VERSION}-${hash.digest('hex').slice(0, 12)}`
}

/** The seeded data dir for `size` under `cacheDir` (made by the caller with `seed.ts` if missing). */
export function seedDir(cacheDir: string, size: number): string {
  return join(cacheDir, `seed-${seedKey()}-${size}`)
}

/** Removes seeds of the same size made for other storage versions: at 100k they are large. */
export function removeStaleSeeds(cacheDir: string, size: number): void {
  if (!existsSync(cacheDir)) return
  const keep = seedDir(cacheDir, size)
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    if (name.startsWith('seed-') && name.endsWith(`-${size}`) && path !== keep) rmSync(path, { recursive: true, force: true })
  }
}
