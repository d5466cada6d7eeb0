/**
 * Issue 13: one bot per data folder. Two real `npm start` processes on one folder: the second
 * refuses to start with one line naming the first one's PID, and changes nothing; the owner's
 * read-only commands run beside the first; a lock a kill -9 left behind does not stop a restart.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { readConsentData } from '../../src/adapters/lowdb-store.js'
import { contents, tempDir } from '../adapters/store/helpers.js'
import { runScript } from '../support/run-script.js'

const ROOT = resolve(import.meta.dirname, '../..')
const env = { ...process.env, NODE_ENV: 'production', DATA_DIR: '' }

/** A piped bot whose input stays open: it runs (and holds its data folder) until `end()`. */
function startHeldBot(dataDir: string, from: string) {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/main/start.ts'), '--from', from, '--data-dir', dataDir],
    {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  )
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once the bot has answered `count` lines (its store is open, its lock held). */
    async answered(count: number) {
      for (let waited = 0; (stdout.match(/\n/g)?.length ?? 0) < count; waited += 50) {
        if (waited > 60_000 || child.exitCode !== null) throw new Error(`no answer: ${stdout}\n${stderr}`)
        await sleep(50)
      }
    },
  }
}

/** Resolves once the backup a start makes is complete (its folder renamed from `….partial`). */
async function backupDone(dataDir: string): Promise<void> {
  const backups = join(dataDir, 'backups')
  for (let waited = 0; ; waited += 50) {
    const names = existsSync(backups) ? readdirSync(backups) : []
    if (names.length > 0 && !names.some((n) => n.endsWith('.partial'))) return
    if (waited > 60_000) throw new Error(`no complete backup in ${backups}: ${names.join(', ')}`)
    await sleep(50)
  }
}

describe('one bot per data folder', () => {
  it('a second bot on the same folder refuses to start, naming the first one’s PID; export and ledger:verify run beside it', async () => {
    const dataDir = tempDir('one-bot-')
    const first = startHeldBot(dataDir, '34610000001')
    first.child.stdin.write('hola\n')
    await first.answered(1)
    expect(readFileSync(join(dataDir, 'bot.pid'), 'utf8').trim()).toBe(String(first.child.pid))
    // The first bot's backup after its start goes on while it answers (slowly on a busy machine):
    // the folder is compared once it is done, so the only change left to see is the second bot's.
    await backupDone(dataDir)
    const before = contents(dataDir)

    const second = await runScript('src/main/start.ts', ['--from', '34610000002', '--data-dir', dataDir], { env, input: 'hola\n' })
    expect(second.code).toBe(1)
    expect(second.stdout).toBe('')
    expect(second.stderr.trim().split('\n')).toEqual([expect.stringContaining(`another bot (PID ${first.child.pid}) is already running`)])
    expect(second.stderr).not.toMatch(/\n\s+at /)
    // The second one changed nothing, and the first one still holds its folder.
    expect(contents(dataDir)).toEqual(before)

    const verify = await runScript('src/main/commands/ledger-verify.ts', ['--data-dir', dataDir], { env })
    expect(verify.code).toBe(0)
    const exported = await runScript('src/main/commands/export.ts', ['--data-dir', dataDir, '--what', 'ledger', '--out', '-'], { env })
    expect(exported.code).toBe(0)

    first.child.stdin.end('sí\n')
    expect((await first.exited).code).toBe(0)
    expect(existsSync(join(dataDir, 'bot.lock'))).toBe(false)
    expect(existsSync(join(dataDir, 'bot.pid'))).toBe(false)
    const records = readConsentData(dataDir).ledger
    expect(records.map((entry) => entry.seq)).toEqual(records.map((_, i) => i + 1))
  }, 120_000)

  it('a lock left by a bot killed with SIGKILL does not stop the next start', async () => {
    const dataDir = tempDir('one-bot-killed-')
    const first = startHeldBot(dataDir, '34610000001')
    first.child.stdin.write('hola\n')
    await first.answered(1)
    first.child.kill('SIGKILL')
    await first.exited
    expect(existsSync(join(dataDir, 'bot.lock'))).toBe(true)

    const next = await runScript('src/main/start.ts', ['--from', '34610000001', '--data-dir', dataDir], { env, input: 'sí\n' })
    expect(next.stderr).toBe('')
    expect(next.code).toBe(0)
    expect(readConsentData(dataDir).contacts['34610000001']?.consents.service?.state).toBe('given')
  }, 120_000)
})
