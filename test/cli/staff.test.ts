/**
 * `npm run staff` as the owner runs it: on a data folder filled by real conversations (a contact
 * who finished the questions and waits for the team, one who asked for a person), with the bot
 * stopped (the command opens the store and changes it through the engine) and with the bot
 * running (the command asks it through its web server, as the dashboard's buttons do).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openConsentReader, openLowdbStore } from '../../src/adapters/lowdb-store.js'
import { startWebServer } from '../../src/app/web/server.js'
import { loadBusinessFiles } from '../../src/main/bot.js'
import { MX, openTestBot, readDatabase, removeDir, ROOT, tempDir, US } from '../support/chat.js'
import { testEngine, text } from '../support/engine.js'
import { ADMIN_TOKEN } from '../web/support.js'
import { ownerProject, runCli } from './run-cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir)
})

/** MX finished the questions and waits for the team; US refused the service and asked for a person (the bot paused). */
async function chatsHandedOver(): Promise<string> {
  const bot = await openTestBot()
  dirs.push(bot.dataDir)
  for (const body of ['hola, ¿tienen envío?', 'sí', 'no', 'whatsapp']) await bot.chat(MX).say(body)
  for (const body of ['hi', 'no', 'talk to a person']) await bot.chat(US).say(body)
  await bot.close()
  return bot.dataDir
}

const staff = (args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}, project = ownerProject()) =>
  runCli('staff.ts', [...args, '--data-dir', dataDir], project, env)

describe('npm run staff, the bot not running', () => {
  it('lists the chats, pauses one typed as the owner writes it, then lists it paused; resume gives it back', async () => {
    const dataDir = await chatsHandedOver()
    const before = await staff(['list'], dataDir)
    expect(before.stderr).toBe('')
    expect(before.code).toBe(0)
    const lines = before.stdout.split('\n')
    expect(lines[0]).toBe('Waiting for a person (2), oldest first:')
    expect(lines[1]).toMatch(
      /^ {2}\+52 55 1234 5678 {2}since .* \((?:this minute|\d+ minutes? ago)\) {2}wrote to the team {2}bot answering$/,
    )
    expect(lines[2]).toMatch(
      /^ {2}\+1 415 555 2671 {2}since .* {2}asked for a person {2}bot paused until .* \(when they asked for a person\)$/,
    )
    expect(before.stdout).toContain('Chats your team answered: 0 in the last 30 days, 0 in all.')
    // What the contacts wrote stays off the terminal.
    expect(before.stdout).not.toMatch(/envío|talk to/)

    const paused = await staff(['pause', '+52 55 1234 5678'], dataDir)
    expect(paused.stderr).toBe('')
    expect(paused.code).toBe(0)
    expect(paused.stdout).toMatch(/^The bot is paused in the chat with \+52 55 1234 5678 until .*: it answers only commands there\.\n$/)
    const handover = readDatabase(dataDir).contacts[MX]!.handover!
    expect(handover).toMatchObject({ pausedBy: 'cli', reason: 'message' })
    // The policy's pause: twelve hours from now.
    expect(Date.parse(handover.pausedUntil!) - Date.now()).toBeGreaterThan(11.9 * 3_600_000)

    const after = await staff(['list'], dataDir)
    expect(after.stdout.split('\n')[1]).toMatch(/^ {2}\+52 55 1234 5678 .* {2}bot paused until .* \(from the command line\)$/)

    // Unquoted, the number arrives as words; the stored id (with WhatsApp's "1") works too.
    const resumed = await staff(['resume', '+1', '415', '555', '2671'], dataDir)
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toBe('The bot answers the chat with +1 415 555 2671 again.\n')
    expect((await staff(['resume', MX], dataDir)).code).toBe(0)
    expect((await staff(['list'], dataDir)).stdout).toBe(
      'No chat is waiting for a person, and the bot is not paused in any.\nChats your team answered: 0 in the last 30 days, 0 in all.\n',
    )
  }, 60_000)

  it("lists in the owner's words: the dashboard's texts from locales/en/pages.json, as edited there", async () => {
    const dataDir = await chatsHandedOver()
    const project = ownerProject()
    const file = join(project, 'locales/en/pages.json')
    const pages = JSON.parse(readFileSync(file, 'utf8'))
    pages.dashboard.staff.reason.asked = 'wants a human'
    pages.dashboard.staff.pausedBy.asked = 'paused on their asking'
    pages.dashboard.staff.handled = 'Handled by the team: {{recent}} this month, {{all}} ever.'
    writeFileSync(file, JSON.stringify(pages, null, 2))
    const listed = await staff(['list'], dataDir, {}, project)
    expect(listed.stderr).toBe('')
    expect(listed.stdout.split('\n')[2]).toMatch(
      /^ {2}\+1 415 555 2671 {2}since .* {2}wants a human {2}bot paused until .* \(paused on their asking\)$/,
    )
    expect(listed.stdout).toContain('Handled by the team: 0 this month, 0 ever.\n')

    // A pages.json the checks refuse stops the command, as it would stop the bot.
    pages.dashboard.staff.handled = 'Handled: {{count}}'
    writeFileSync(file, JSON.stringify(pages, null, 2))
    const broken = await staff(['list'], dataDir, {}, project)
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe('npm run staff: flows/ or locales/ have problems: run npm run check\n')
  }, 60_000)

  it('says in one line that it knows no such number, and exits 1; a number it cannot read is a usage error', async () => {
    const dataDir = await chatsHandedOver()
    const unknown = await staff(['pause', '+52 55 9999 0000'], dataDir)
    expect(unknown.code).toBe(1)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toBe(
      `npm run staff: no contact with the number +52 55 9999 0000 in ${dataDir} (npm run staff -- list shows the chats)\n`,
    )
    expect(readDatabase(dataDir).contacts['5255999900000']).toBeUndefined()

    const words = await staff(['pause', 'Ana'], dataDir)
    expect(words.code).toBe(2)
    expect(words.stderr).toMatch(/^npm run staff: "Ana" is not a phone number with its country code/)
    const nothing = await staff(['pause'], dataDir)
    expect(nothing.code).toBe(2)
    const missing = await staff(['list'], join(dataDir, 'nowhere'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^npm run staff: no data folder at .*nowhere: the bot has not run there yet\n$/)
  }, 60_000)
})

describe('npm run staff, the bot running', () => {
  /** The data folder held as a running bot holds it (the store's lock), its engine behind a web server. */
  async function runningBot(dataDir: string) {
    const store = await openLowdbStore(dataDir)
    const { engine } = await testEngine(store)
    const { business, texts } = await loadBusinessFiles(join(ROOT, 'flows'), join(ROOT, 'locales'), 'es', ROOT)
    const server = await startWebServer(
      {
        reader: openConsentReader(dataDir),
        policy: business.policy,
        flow: business.flow,
        texts,
        defaultLanguage: 'es',
        adminToken: ADMIN_TOKEN,
        chats: engine,
      },
      { port: 0, host: '127.0.0.1' },
    )
    return {
      engine,
      port: String(server.address().port),
      async close() {
        await server.close()
        await store.close()
      },
    }
  }

  it('asks the running bot through its web server, which makes the change in its own queue', async () => {
    const dataDir = tempDir()
    dirs.push(dataDir)
    const bot = await runningBot(dataDir)
    try {
      for (const [i, body] of ['hola', 'sí', 'no', 'whatsapp'].entries()) await bot.engine.handle(text(MX, `m${i}`, body))
      const env = { HTTP_PORT: bot.port, ADMIN_TOKEN }
      const paused = await staff(['pause', '+52 55 1234 5678'], dataDir, env)
      expect(paused.stderr).toBe('')
      expect(paused.code).toBe(0)
      expect(readDatabase(dataDir).contacts[MX]!.handover).toMatchObject({ pausedBy: 'cli' })

      const unknown = await staff(['resume', '+1 415 555 2671'], dataDir, env)
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toMatch(/^npm run staff: no contact with the number \+1 415 555 2671 in /)

      // Without the token, or with the server off, it cannot: one line saying so, exit 1.
      const noToken = await staff(['resume', MX], dataDir, { HTTP_PORT: bot.port })
      expect(noToken.code).toBe(1)
      expect(noToken.stderr).toMatch(
        /^npm run staff: the bot \(PID \d+\) is running on .*: set ADMIN_TOKEN \(as the bot has it, in \.env\) to resume the chat through it\n$/,
      )
      const off = await staff(['resume', MX], dataDir, { HTTP_PORT: '0', ADMIN_TOKEN })
      expect(off.code).toBe(1)
      expect(off.stderr).toMatch(/^npm run staff: the bot .* is running on .* with its web server off: .*\n$/)
      const wrong = await staff(['resume', MX], dataDir, { HTTP_PORT: bot.port, ADMIN_TOKEN: `${ADMIN_TOKEN}-old` })
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toMatch(/it refused ADMIN_TOKEN: set it as the bot has it\n$/)
      expect(readDatabase(dataDir).contacts[MX]!.handover?.pausedUntil).toBeDefined()

      // `list` only reads, beside the running bot.
      expect((await staff(['list'], dataDir)).stdout).toMatch(/\+52 55 1234 5678 .*bot paused until .* \(from the command line\)/)
    } finally {
      await bot.close()
    }
  }, 60_000)
})
