/** What a bench's figures were taken on: the commit and the data folder's filesystem. */
import { execFileSync } from 'node:child_process'
import { statfsSync } from 'node:fs'
import { ROOT } from './paths.js'

/** The commit, and whether the bot's code or the owner's files had uncommitted changes; nothing outside a git checkout. */
export function gitState(): { commit?: string; dirty?: boolean } {
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return {
      commit: git(['rev-parse', 'HEAD']).trim(),
      dirty: git(['status', '--porcelain', '--', 'src', 'flows', 'locales']).trim() !== '',
    }
  } catch {
    return {} // not a git checkout: the figures stand without it
  }
}

/** The filesystem a folder is on, as the kernel names it (`ext2/ext3`, `xfs`, `tmpfs`…); `unknown` off Linux. */
export function filesystemOf(dir: string): string {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

const TMPFS_MAGIC = 0x01021994
const RAMFS_MAGIC = 0x858458f6

/** Whether `dir` is in memory, where the store's writes and fsyncs cost nothing and the figures would flatter it. */
export function inMemory(dir: string): string | undefined {
  const type = statfsSync(dir).type
  return type === TMPFS_MAGIC ? 'tmpfs' : type === RAMFS_MAGIC ? 'ramfs' : undefined
}
