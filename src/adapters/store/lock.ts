/**
 * One bot per data folder. Two bots on one folder would each number ledger records from their
 * own memory (two `seq 1`), rename each other's files away and lose contacts: the second one
 * refuses to start instead, naming the first one's PID.
 *
 * The lock is proper-lockfile's (`bot.lock/`, made with an atomic mkdir and touched every few
 * seconds while the bot runs, so a lock nobody touches for `stale` ms is stale on any file
 * system); the PID beside it (`bot.pid`) names the holder, and tells a lock a kill left behind
 * from a live one at once: a holder whose process is gone (or is this very process, which holds
 * no lock of this folder: a folder copied, a container restarted with the same PID) held a
 * stale lock. The owner's tools only read and never take the lock.
 */
import { readFileSync } from 'node:fs'
import { rmdir, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import lockfile from 'proper-lockfile'
import { FILE_MODE } from './durable-file.js'

export const LOCK_DIR = 'bot.lock'
export const PID_FILE = 'bot.pid'

/** A lock is stale once nobody has touched it this long (proper-lockfile touches it every stale/2). */
const STALE_MS = 10_000
/** A holder that has just made the lock writes its PID within this time. */
const PID_WAIT_MS = 500

/** Another bot runs on this data folder. */
export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | undefined,
  ) {
    const who = pid === undefined ? 'another bot' : `another bot (PID ${pid})`
    super(
      `${who} is already running on the data folder ${dataDir}. Stop it first, or give this one a folder of its own (--data-dir or DATA_DIR); the owner's commands (export, receipt, ledger:verify) can run beside it`,
    )
    this.name = 'StoreLockedError'
  }
}

/** Folders this process holds the lock of (a second open in the same process is refused too). */
const held = new Set<string>()

export interface StoreLock {
  release(): Promise<void>
}

/**
 * Takes the data folder's lock or throws StoreLockedError. `onLost` is told if the lock is
 * taken away while held (someone removed it, or the folder's disk stopped answering).
 */
export async function lockDataDir(dataDir: string, onLost: (error: Error) => void): Promise<StoreLock> {
  const dir = resolve(dataDir)
  if (held.has(dir)) throw new StoreLockedError(dataDir, process.pid)
  const options = { lockfilePath: join(dir, LOCK_DIR), realpath: false, stale: STALE_MS, onCompromised: onLost }
  let releaseLock: () => Promise<void>
  for (let attempt = 1; ; attempt++) {
    try {
      releaseLock = await lockfile.lock(dir, options)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt > 2) {
        if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new StoreLockedError(dataDir, readPid(dir))
        throw error
      }
      const holder = await liveHolder(dir)
      if (holder !== 'gone') throw new StoreLockedError(dataDir, holder)
      // A kill left the lock behind: its process is gone.
      await rmdir(join(dir, LOCK_DIR)).catch(() => {})
    }
  }
  held.add(dir)
  // Already this PID (a folder copied as a kill left it): left as it is, so a refused start changes no file.
  const wrote = readPid(dir) !== process.pid
  if (wrote) await writeFile(join(dir, PID_FILE), `${process.pid}\n`, { mode: FILE_MODE })
  let released: Promise<void> | undefined
  return {
    release() {
      released ??= (async () => {
        held.delete(dir)
        if (wrote && readPid(dir) === process.pid) await unlink(join(dir, PID_FILE)).catch(() => {})
        await releaseLock().catch(() => {})
      })()
      return released
    },
  }
}

/** The PID of the lock's live holder, undefined if it is alive but not yet named, or 'gone'. */
async function liveHolder(dir: string): Promise<number | undefined | 'gone'> {
  // A holder that made the lock a moment ago may not have written its PID yet: give it a moment.
  for (let waited = 0; ; waited += 50) {
    const pid = readPid(dir)
    if (pid !== undefined && pid !== process.pid && isAlive(pid)) return pid
    if (waited >= PID_WAIT_MS) return pid === undefined && (await lockIsFresh(dir)) ? undefined : 'gone'
    await sleep(50)
  }
}

/** Whether the lock was touched lately (a holder with no PID file: an older bot, or one starting). */
async function lockIsFresh(dir: string): Promise<boolean> {
  try {
    return await lockfile.check(dir, { lockfilePath: join(dir, LOCK_DIR), realpath: false, stale: STALE_MS })
  } catch {
    return false
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Whether a process runs with this PID (a zombie, killed and not yet reaped, does not count). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}
