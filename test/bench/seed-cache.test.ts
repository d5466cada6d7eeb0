/**
 * The bench's seeds are shared by the runs of one checkout: a bench never deletes a seed another
 * one is reading or still making, whatever its commit or flags; leftovers of processes gone go.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { removeSeeds, seedDir, useSeed } from '../../bench/seed-cache.js'
import { tempDir } from '../adapters/store/helpers.js'

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!

describe('the seed cache', () => {
  it("keeps a seed another bench reads and one it is still making; removes an old seed, a gone process's half-made seed and its marker", () => {
    const cache = tempDir('consent-bot-seeds-')
    const size = 1000
    const current = seedDir(cache, size)
    const olderGenerator = join(cache, `seed-schema2-000000000000-${size}`)
    const readByAnother = join(cache, `seed-schema2-111111111111-${size}`)
    const makingNow = `${current}.partial-${process.pid}`
    const leftBehind = `${current}.partial-${deadPid()}`
    for (const dir of [current, olderGenerator, readByAnother, makingNow, leftBehind]) mkdirSync(dir)
    // Another bench (here: this live process) is copying from it.
    const release = useSeed(readByAnother)
    const staleMarker = `${olderGenerator}.using-${deadPid()}`
    useSeed(olderGenerator)() // made and released at once
    writeFileSync(staleMarker, '')

    const kept = removeSeeds(cache, size, { keepCurrent: true })
    expect(kept).toEqual([readByAnother])
    expect([current, readByAnother, makingNow].every(existsSync)).toBe(true)
    expect([olderGenerator, leftBehind, staleMarker].some(existsSync)).toBe(false)

    // --fresh-seed removes the current seed too, but still not one in use.
    release()
    const again = useSeed(current)
    expect(removeSeeds(cache, size, { keepCurrent: false })).toEqual([current])
    again()
    removeSeeds(cache, size, { keepCurrent: false })
    expect(readdirSync(cache).sort()).toEqual([makingNow.slice(cache.length + 1)])
  })
})
