/**
 * `npm run bench:cloud` end to end for a second, with few contacts: both parts measured, every
 * figure in the JSON, every acknowledged message answered. The figures themselves are not judged
 * here: they belong to the machine they were taken on.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, removeDir, tempDir } from '../support/chat.js'

const run = promisify(execFile)
const scratch = tempDir('consent-bot-bench-cloud-test-')
afterAll(() => removeDir(scratch))

describe('npm run bench:cloud', () => {
  it('measures the webhook route and the bot end to end, and every acknowledged message was answered', async () => {
    const out = join(scratch, 'cloud.json')
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/cloud-webhook.ts',
        ...['--seconds', '1', '--warmup', '0', '--contacts', '20', '--concurrency', '4', '--batch', '100'],
        // Wherever the system's temp folder is: the figures are not judged here.
        ...['--dir', scratch, '--allow-tmpfs', '--out', out],
      ],
      { cwd: ROOT },
    )
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(report.route).toMatchObject({ messages: 100, usPerMessage: expect.any(Number) })
    expect(report.route.usPerMessage).toBeGreaterThan(0)
    const e = report.endToEnd
    expect(e.acknowledged).toBeGreaterThan(0)
    expect(e.messagesPerSecond).toBeGreaterThan(0)
    expect(e.p99Ms).toBeGreaterThanOrEqual(e.p50Ms)
    expect(e.repliesPerSecond).toBeGreaterThan(0)
    expect(e.peakRssMb).toBeGreaterThan(0)
    // The scripted conversation as the bot answers it: greeting, notice and question; then the next questions.
    expect(e.repliesPerStep[0]).toBe(3)
    expect(e.notAcknowledged).toBe(0)
    expect(e.repliesReceived).toBe(e.repliesExpected)
    expect(e.graphRefused).toBe(0)
    expect(e.logErrors).toBe(0)
    expect(e.unsaved).toBe(0)
    expect(stdout).toMatch(/messages\/s acknowledged/)
    expect(stdout).toMatch(/Load average at start/)
  }, 20_000)
})
