import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, USAGE, type Config } from '../../src/app/config.js'

const CWD = resolve('/srv/bot')

function config(argv: string[] = [], env: NodeJS.ProcessEnv = {}): Config {
  const result = parseConfig(argv, env, CWD)
  if (result === 'help') throw new Error('expected a Config, got "help"')
  return result
}

/** The ConfigError parseConfig throws, so its message can be checked. */
function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(argv, env, CWD)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`parseConfig(${JSON.stringify(argv)}) did not throw`)
}

describe('parseConfig defaults', () => {
  it('runs the console provider in Spanish, with paths resolved against cwd', () => {
    expect(config()).toEqual({
      provider: 'console',
      dataDir: resolve(CWD, 'data'),
      flowsDir: resolve(CWD, 'flows'),
      localesDir: resolve(CWD, 'locales'),
      defaultLanguage: 'es',
      from: '5215512345678',
      logLevel: 'warn',
      rateLimit: false,
      http: { port: 3210, host: '127.0.0.1', explicit: false },
      store: { kind: 'files' },
    })
  })

  it('has no pairing phone unless one is given', () => {
    expect(config()).not.toHaveProperty('pairingPhone')
  })

  it('logs at info with the WhatsApp provider (warn in the terminal chat)', () => {
    expect(config(['--provider', 'whatsapp']).logLevel).toBe('info')
    expect(config(['--provider', 'console']).logLevel).toBe('warn')
  })

  it('treats blank environment values as unset', () => {
    const c = config([], { PROVIDER: '  ', DATA_DIR: '', DEFAULT_LANGUAGE: ' ', CONSOLE_FROM: '', WHATSAPP_PAIRING_PHONE: ' ' })
    expect(c.provider).toBe('console')
    expect(c.dataDir).toBe(resolve(CWD, 'data'))
    expect(c.defaultLanguage).toBe('es')
    expect(c.from).toBe('5215512345678')
    expect(c.pairingPhone).toBeUndefined()
  })
})

describe('parseConfig: environment', () => {
  const env: NodeJS.ProcessEnv = {
    PROVIDER: 'whatsapp',
    DATA_DIR: 'var/bot',
    FLOWS_DIR: '/etc/bot/flows',
    LOCALES_DIR: 'texts',
    DEFAULT_LANGUAGE: 'en',
    CONSOLE_FROM: '+34612345678',
    WHATSAPP_PAIRING_PHONE: '+34 612-34-56-78',
    LOG_LEVEL: 'debug',
    DATABASE_URL: 'postgres://bot:pw@db.example/consent',
    BOT_NUMBER: 'tienda-centro',
  }

  it('is used when no flag is given', () => {
    expect(config([], env)).toEqual({
      provider: 'whatsapp',
      dataDir: resolve(CWD, 'var/bot'),
      flowsDir: '/etc/bot/flows',
      localesDir: resolve(CWD, 'texts'),
      defaultLanguage: 'en',
      from: '34612345678',
      pairingPhone: '34612345678',
      logLevel: 'debug',
      rateLimit: { messages: 20, seconds: 10 },
      http: { port: 3210, host: '127.0.0.1', explicit: false },
      store: { kind: 'postgres', url: 'postgres://bot:pw@db.example/consent', number: 'tienda-centro' },
    })
  })

  it('is trimmed', () => {
    expect(config([], { PROVIDER: ' whatsapp ', DEFAULT_LANGUAGE: 'en\n' })).toMatchObject({ provider: 'whatsapp', defaultLanguage: 'en' })
  })

  it('flags override it', () => {
    const c = config(
      [
        '--provider',
        'console',
        '--data-dir',
        '/tmp/bot-data',
        '--flows-dir',
        'my-flows',
        '--locales-dir',
        'my-locales',
        '--lang',
        'es',
        '--from',
        '447700900123',
        '--pairing-code',
        '525512345678',
        '--log-level',
        'error',
        '--number',
        'tienda-norte',
      ],
      env,
    )
    expect(c).toEqual({
      provider: 'console',
      dataDir: '/tmp/bot-data',
      flowsDir: resolve(CWD, 'my-flows'),
      localesDir: resolve(CWD, 'my-locales'),
      defaultLanguage: 'es',
      from: '447700900123',
      pairingPhone: '525512345678',
      logLevel: 'error',
      rateLimit: false,
      http: { port: 3210, host: '127.0.0.1', explicit: false },
      store: { kind: 'postgres', url: 'postgres://bot:pw@db.example/consent', number: 'tienda-norte' },
    })
  })

  it('accepts --flag=value', () => {
    expect(config(['--provider=whatsapp', '--lang=en'])).toMatchObject({ provider: 'whatsapp', defaultLanguage: 'en' })
  })
})

describe('parseConfig: help', () => {
  it('returns "help" for --help and -h, even next to other flags', () => {
    expect(parseConfig(['--help'], {}, CWD)).toBe('help')
    expect(parseConfig(['-h'], {}, CWD)).toBe('help')
    expect(parseConfig(['--provider', 'whatsapp', '--help'], {}, CWD)).toBe('help')
  })

  it('the usage text lists every flag', () => {
    for (const flag of [
      '--provider',
      '--data-dir',
      '--from',
      '--lang',
      '--pairing-code',
      '--flows-dir',
      '--locales-dir',
      '--log-level',
      '--number',
      '--help',
    ]) {
      expect(USAGE).toContain(flag)
    }
  })
})

describe('parseConfig: bad values throw a ConfigError naming the flag', () => {
  it('a provider other than console or whatsapp', () => {
    const error = configError(['--provider', 'telegram'])
    expect(error.name).toBe('ConfigError')
    expect(error.message).toContain('--provider')
    expect(error.message).toContain('PROVIDER')
    expect(error.message).toContain('"telegram"')
  })

  it('a bad provider from the environment', () => {
    expect(configError([], { PROVIDER: 'WhatsApp' }).message).toContain('--provider')
  })

  it('a language the bot does not speak', () => {
    const error = configError(['--lang', 'fr'])
    expect(error.message).toContain('--lang')
    expect(error.message).toContain('"fr"')
    expect(configError([], { DEFAULT_LANGUAGE: 'pt' }).message).toContain('DEFAULT_LANGUAGE')
  })

  it.each(['abc', '12345', '1234567890123456', '+52 55 1234 5678', '52-5512345678'])('--from %j', (from) => {
    expect(configError(['--from', from]).message).toContain('--from')
  })

  it.each(['abc', '12345', '1234567890123456', '+34 612 ext 5'])('--pairing-code %j', (phone) => {
    expect(configError(['--pairing-code', phone]).message).toContain('--pairing-code')
  })

  it('a log level that does not exist', () => {
    expect(configError(['--log-level', 'verbose']).message).toContain('--log-level')
  })

  it('an unknown flag, with the usage text', () => {
    const error = configError(['--port', '3000'])
    expect(error.message).toContain('--port')
    expect(error.message).toContain(USAGE)
  })

  it('a flag without its value', () => {
    expect(configError(['--provider']).message).toContain('--provider')
  })

  it('a positional argument', () => {
    expect(configError(['whatsapp']).message).toContain('whatsapp')
  })
})

describe('parseConfig: the dashboard off this computer needs a strong token', () => {
  const short = 'a'.repeat(16)
  const strong = 'b'.repeat(32)

  it('HTTP_HOST=0.0.0.0 with a 16-character ADMIN_TOKEN is refused, naming the reason', () => {
    const error = configError([], { HTTP_HOST: '0.0.0.0', ADMIN_TOKEN: short })
    expect(error.message).toMatch(/ADMIN_TOKEN is too short for a dashboard reachable from other computers \(HTTP_HOST is 0\.0\.0\.0\)/)
    expect(error.message).toMatch(/16 characters, at least 32 needed/)
    expect(configError(['--http-host', '192.168.1.20'], { ADMIN_TOKEN: short }).message).toMatch(/at least 32/)
  })

  it('a 32-character token off loopback, or a 16-character one on loopback, is accepted', () => {
    expect(config([], { HTTP_HOST: '0.0.0.0', ADMIN_TOKEN: strong }).http).toMatchObject({ host: '0.0.0.0', adminToken: strong })
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(config([], { HTTP_HOST: host, ADMIN_TOKEN: short }).http).toMatchObject({ host, adminToken: short })
  })

  it('without a dashboard (no token, or the pages off) any host is fine', () => {
    expect(config([], { HTTP_HOST: '0.0.0.0' }).http).toMatchObject({ host: '0.0.0.0' })
    expect(config(['--no-http'], { HTTP_HOST: '0.0.0.0', ADMIN_TOKEN: short }).http).toBeUndefined()
  })
})

describe('parseConfig: telling the staff of waiting chats', () => {
  const secret = 's'.repeat(16)

  it('is absent unless set', () => {
    expect(config()).not.toHaveProperty('staff')
    expect(config([], { STAFF_WEBHOOK_URL: ' ', STAFF_WEBHOOK_SECRET: '', STAFF_WHATSAPP: '' })).not.toHaveProperty('staff')
  })

  it('reads the webhook and the WhatsApp number from the environment', () => {
    const c = config([], {
      STAFF_WEBHOOK_URL: 'https://n8n.tienda.example/webhook/bot?token=x',
      STAFF_WEBHOOK_SECRET: ` ${secret} `,
      STAFF_WHATSAPP: '+34 612 34 56 78',
    })
    expect(c.staff).toEqual({ webhook: { url: 'https://n8n.tienda.example/webhook/bot?token=x', secret }, whatsapp: '34612345678' })
  })

  it('takes plain http:// only to this computer', () => {
    for (const url of ['http://localhost:5678/hook', 'http://127.0.0.1/hook', 'http://[::1]:8080/hook'])
      expect(config([], { STAFF_WEBHOOK_URL: url, STAFF_WEBHOOK_SECRET: secret }).staff?.webhook?.url).toBe(url)
    const error = configError([], { STAFF_WEBHOOK_URL: 'http://crm.tienda.example/hook?token=x', STAFF_WEBHOOK_SECRET: secret })
    expect(error.message).toMatch(
      /^STAFF_WEBHOOK_URL must start with https:\/\/ \(plain http:\/\/ only to localhost, 127\.0\.0\.1 or \[::1\]\)/,
    )
    expect(error.message).not.toContain('token=x')
  })

  it.each([
    'crm.tienda.example/hook',
    'ftp://crm.tienda.example/hook',
    'https://user:pass@crm.tienda.example/hook',
    'https://crm.tienda.example/#x',
  ])('STAFF_WEBHOOK_URL %j is refused', (url) => {
    expect(configError([], { STAFF_WEBHOOK_URL: url, STAFF_WEBHOOK_SECRET: secret }).message).toMatch(
      /^STAFF_WEBHOOK_URL must be the https:\/\//,
    )
  })

  it('needs a secret of at least 16 characters with the URL, and says how to make one', () => {
    const url = 'https://crm.tienda.example/hook'
    expect(configError([], { STAFF_WEBHOOK_URL: url }).message).toMatch(
      /^STAFF_WEBHOOK_SECRET must be set with STAFF_WEBHOOK_URL, at least 16 characters \(0 now\)/,
    )
    const short = configError([], { STAFF_WEBHOOK_URL: url, STAFF_WEBHOOK_SECRET: 'fifteen-chars-x' })
    expect(short.message).toContain('(15 now)')
    expect(short.message).toContain('randomBytes')
    expect(short.message).not.toContain('fifteen-chars-x')
  })

  it('refuses a secret without a URL', () => {
    expect(configError([], { STAFF_WEBHOOK_SECRET: secret }).message).toMatch(/^STAFF_WEBHOOK_SECRET is set but STAFF_WEBHOOK_URL is not/)
  })

  it('the secret is no flag', () => {
    expect(configError(['--staff-webhook-secret', secret]).message).toContain('--staff-webhook-secret')
  })

  it.each([
    ['34612345678', '34612345678'],
    ['+52 55 1234 5678', '525512345678'],
    ['+52 1 55 1234 5678', '5215512345678'],
    ['+1 212 555 0100', '12125550100'],
    ['120363012345678901@g.us', '120363012345678901@g.us'],
    ['5215512345678-1612345678@g.us', '5215512345678-1612345678@g.us'],
  ])('STAFF_WHATSAPP %j is %j', (given, kept) => {
    expect(config([], { STAFF_WHATSAPP: given }).staff).toEqual({ whatsapp: kept })
  })

  it.each([
    '612345678',
    '+34 612-34-56-78',
    'staff@tienda.example',
    '5215512345678@s.whatsapp.net',
    '120363012345678901@g.us.evil',
    '+999 1234',
  ])('STAFF_WHATSAPP %j is refused, with how to write it', (given) => {
    const error = configError([], { STAFF_WHATSAPP: given })
    expect(error.message).toMatch(
      /^STAFF_WHATSAPP must be the staff's WhatsApp number with country code \(e\.g\. \+34 612 34 56 78\) or a group id/,
    )
  })
})

describe('parseConfig: PostgreSQL and the number', () => {
  const url = 'postgres://bot:s3cr3t-pw@db.example:5432/consent'

  it('keeps the data in files unless DATABASE_URL is set', () => {
    expect(config().store).toEqual({ kind: 'files' })
    expect(config([], { DATABASE_URL: '  ' }).store).toEqual({ kind: 'files' })
  })

  it('reads DATABASE_URL (postgres:// or postgresql://) with the number "main" when none is given, as the usage text says', () => {
    expect(config([], { DATABASE_URL: url }).store).toEqual({ kind: 'postgres', url, number: 'main' })
    const other = 'postgresql://bot@localhost/consent?sslmode=require'
    expect(config([], { DATABASE_URL: ` ${other} ` }).store).toEqual({ kind: 'postgres', url: other, number: 'main' })
    expect(USAGE).toMatch(/--number NAME[\s\S]*default: main/)
    expect(USAGE).toContain('DATABASE_URL')
  })

  it('takes the number from --number, over BOT_NUMBER', () => {
    expect(config([], { DATABASE_URL: url, BOT_NUMBER: 'tienda-centro' }).store).toMatchObject({ number: 'tienda-centro' })
    expect(config(['--number', 'tienda_norte.2'], { DATABASE_URL: url, BOT_NUMBER: 'tienda-centro' }).store).toMatchObject({
      number: 'tienda_norte.2',
    })
  })

  it.each(['tienda centro', 'tienda/centro', 'tiénda', 'x'.repeat(65), "a'; drop table"])('refuses the number name %j', (name) => {
    const error = configError(['--number', name], { DATABASE_URL: url })
    expect(error.message).toMatch(/^--number \(BOT_NUMBER\) must be 1 to 64 letters, digits, "-", "_" or "."/)
  })

  it('accepts a name of 64 characters', () => {
    expect(config(['--number', 'n'.repeat(64)], { DATABASE_URL: url }).store).toMatchObject({ number: 'n'.repeat(64) })
  })

  it('refuses a number without DATABASE_URL rather than read the data folder in its place', () => {
    expect(configError(['--number', 'tienda-centro']).message).toMatch(/names a number's data in PostgreSQL: set DATABASE_URL too/)
    expect(configError([], { BOT_NUMBER: 'tienda-centro' }).message).toMatch(/^--number \(BOT_NUMBER\)/)
  })

  it.each([
    'mysql://bot:s3cr3t-pw@db.example/consent',
    'https://bot:s3cr3t-pw@db.example/consent',
    'postgres://bot:s3cr3t-pw@db.example:port/consent',
    'bot:s3cr3t-pw@db.example/consent',
    's3cr3t-pw',
  ])('refuses DATABASE_URL %j in one line that never shows the password', (given) => {
    const error = configError([], { DATABASE_URL: given })
    expect(error.message).toMatch(/^DATABASE_URL must be a PostgreSQL address, postgres:\/\/user:password@host:5432\/database/)
    expect(error.message).not.toContain('s3cr3t')
    expect(error.message).not.toContain('\n')
  })

  it('DATABASE_URL is no flag: it would show the password in the process list', () => {
    expect(configError(['--database-url', url]).message).toContain('--database-url')
  })
})

describe('--provider cloud (Meta’s Cloud API)', () => {
  const CLOUD = {
    WHATSAPP_ACCESS_TOKEN: 'EAAGm0PX4ZCpsBAKZCZBexampleTOKEN1234567890',
    WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
    WHATSAPP_APP_SECRET: '0f3c9a2e51b7d6a48c1e5f2b9d7a3c60',
    WHATSAPP_VERIFY_TOKEN: 'k3Jd8s0Lw2Qe7RtY',
  }

  it('reads the four settings from the environment, with the Graph API’s default address and WhatsApp’s defaults', () => {
    expect(config(['--provider', 'cloud'], CLOUD)).toMatchObject({
      provider: 'cloud',
      cloud: {
        accessToken: CLOUD.WHATSAPP_ACCESS_TOKEN,
        phoneNumberId: '106540352242922',
        appSecret: CLOUD.WHATSAPP_APP_SECRET,
        verifyToken: CLOUD.WHATSAPP_VERIFY_TOKEN,
        graphUrl: 'https://graph.facebook.com/v23.0',
      },
      logLevel: 'info',
      rateLimit: { messages: 20, seconds: 10 },
      http: { port: 3210, host: '127.0.0.1' },
    })
    expect(config(['--provider', 'cloud'], { ...CLOUD, WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9000/v23.0/' }).cloud?.graphUrl).toBe(
      'http://127.0.0.1:9000/v23.0',
    )
    // The settings are the Cloud API's alone: another provider does not ask for them.
    expect(config(['--provider', 'whatsapp'], CLOUD)).not.toHaveProperty('cloud')
  })

  it.each([
    ['WHATSAPP_ACCESS_TOKEN', undefined, /needs WHATSAPP_ACCESS_TOKEN in \.env or the environment: the access token/],
    ['WHATSAPP_ACCESS_TOKEN', 'Bearer EAAG 123', /WHATSAPP_ACCESS_TOKEN does not look like a Meta access token/],
    ['WHATSAPP_PHONE_NUMBER_ID', undefined, /needs WHATSAPP_PHONE_NUMBER_ID .*"Phone number ID"/],
    ['WHATSAPP_PHONE_NUMBER_ID', '+1 555 078 3881', /not the phone number itself; not "\+1 555 078 3881"/],
    ['WHATSAPP_APP_SECRET', undefined, /needs WHATSAPP_APP_SECRET .*App secret/],
    ['WHATSAPP_APP_SECRET', 'not-the-secret', /32 hexadecimal characters/],
    ['WHATSAPP_VERIFY_TOKEN', undefined, /needs WHATSAPP_VERIFY_TOKEN/],
    ['WHATSAPP_VERIFY_TOKEN', 'short', /at least 16 characters without spaces \(5 now\)/],
    ['WHATSAPP_GRAPH_URL', 'graph.facebook.com', /WHATSAPP_GRAPH_URL must be the Graph API's address with its version/],
    ['WHATSAPP_GRAPH_URL', 'http://proxy.example/v23.0', /must start with https:\/\/ \(plain http:\/\/ only to localhost/],
  ])('stops at a missing or malformed %s (%s) with one line saying what to set', (name, value, message) => {
    const env: NodeJS.ProcessEnv = { ...CLOUD, [name]: value }
    if (value === undefined) delete env[name]
    const error = configError(['--provider', 'cloud'], env)
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain('\n')
    // A secret is never echoed back.
    expect(error.message).not.toContain(CLOUD.WHATSAPP_APP_SECRET)
    expect(error.message).not.toContain(CLOUD.WHATSAPP_ACCESS_TOKEN)
  })

  it('needs the web server, where Meta delivers the messages', () => {
    expect(configError(['--provider', 'cloud', '--no-http'], CLOUD).message).toMatch(
      /receives messages at the web server's \/webhooks\/whatsapp/,
    )
    expect(configError(['--provider', 'cloud'], { ...CLOUD, HTTP_PORT: '0' }).message).toMatch(/set HTTP_PORT to a port/)
  })

  it('names cloud among the providers when another is asked for', () => {
    expect(configError(['--provider', 'telegram']).message).toBe(
      '--provider (PROVIDER) must be "console", "whatsapp" or "cloud", not "telegram"',
    )
  })
})
