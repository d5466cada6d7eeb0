/**
 * The browser of the page tests: the Chromium that the npm package `@sparticuz/chromium` carries
 * inside itself (brotli-packed, no download, no install script, no apt), driven by playwright-core.
 * It is unpacked at the first launch into node_modules/.cache, once per version of the package,
 * and it sees only the fonts the package ships (Open Sans), not the machine's: the same pages look
 * the same on every machine.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { ROOT } from '../support/chat.js'

/**
 * Without the background-networking flags Chromium tries Google's hosts at every start; this
 * machine's network refuses them. As root, Chromium needs --no-sandbox.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

interface Unpacked {
  executablePath: string
  /** The environment Chromium starts with: its fonts are the package's. */
  env: Record<string, string>
}

let unpacked: Promise<Unpacked> | undefined

/** Where the package's Chromium lies unpacked, unpacking it first if no run did yet. */
export function chromiumFromNpm(): Promise<Unpacked> {
  unpacked ??= unpack()
  return unpacked
}

async function unpack(): Promise<Unpacked> {
  const pkg = join(ROOT, 'node_modules/@sparticuz/chromium')
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }
  const cache = join(ROOT, 'node_modules/.cache/consent-bot-chromium')
  const dir = join(cache, version)
  if (!existsSync(join(dir, 'chromium'))) {
    mkdirSync(cache, { recursive: true })
    // Unpacked aside, then renamed in one step: a test file running beside this one, or a run
    // stopped half-way, never leaves a half-written browser where the next run looks.
    const partial = mkdtempSync(join(cache, `${version}.partial-`))
    try {
      const { default: Chromium } = await import('@sparticuz/chromium')
      // The package unpacks into os.tmpdir(); it reads TMPDIR before its first await.
      const tmpdir = process.env.TMPDIR
      process.env.TMPDIR = partial
      const inflating = Chromium.executablePath(join(pkg, 'bin'))
      if (tmpdir === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = tmpdir
      if ((await inflating) !== join(partial, 'chromium')) throw new Error(`Chromium was not unpacked into ${partial}`)
      writeFileSync(
        join(partial, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${dir}/fonts</dir>\n  <cachedir>${dir}/fonts-cache</cachedir>\n</fontconfig>\n`,
      )
      renameSync(partial, dir)
    } catch (error) {
      rmSync(partial, { recursive: true, force: true })
      // Another test file unpacked the same version first: use that one.
      if (!existsSync(join(dir, 'chromium'))) throw error
    }
  }
  return { executablePath: join(dir, 'chromium'), env: { FONTCONFIG_FILE: join(dir, 'fonts.conf') } }
}

function environment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return { ...env, ...extra }
}

/** A headless browser with a profile of its own in `userDataDir`. */
export async function launchPersistentChromium(
  userDataDir: string,
  options: Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'args' | 'env'> = {},
): Promise<BrowserContext> {
  const { executablePath, env } = await chromiumFromNpm()
  return chromium.launchPersistentContext(userDataDir, { ...options, executablePath, env: environment(env), headless: true, args: ARGS })
}

/** A headless browser whose pages each get a fresh context. */
export async function launchChromium(): Promise<Browser> {
  const { executablePath, env } = await chromiumFromNpm()
  return chromium.launch({ executablePath, env: environment(env), headless: true, args: ARGS })
}
