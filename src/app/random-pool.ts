/**
 * Random bytes drawn from a buffer filled a few kilobytes at a time: every record takes a
 * receipt id and a salt, and one call to the system's generator per record showed in profiles.
 */
import { randomFillSync } from 'node:crypto'

const POOL_SIZE = 4096
const pool = Buffer.alloc(POOL_SIZE)
let offset = POOL_SIZE

/** `size` fresh random bytes (a copy: the pool is refilled, never handed out). */
export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_SIZE) return randomFillSync(Buffer.alloc(size))
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size))
  // Used bytes are wiped so that they can never be handed out twice, even by a bug.
  pool.fill(0, offset, offset + size)
  offset += size
  return bytes
}
