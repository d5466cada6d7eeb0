/**
 * The ledger's seals: its head anchored outside `ledger.jsonl`, so a cut, emptied, deleted or
 * re-forged ledger is caught.
 *
 *     ledger-key.json     the Ed25519 key pair, made at the first start (0600), never copied into
 *                         backups/ (a backup copied elsewhere must not carry it):
 *                         {"algorithm":"Ed25519","fingerprint":"ab12 …","publicKey":"<PEM>","privateKey":"<PKCS#8 PEM>"}
 *     checkpoints.jsonl   signed heads, one a line, appended: every CHECKPOINT_EVERY records and
 *                         whenever the head is anchored (start, compaction, clean stop)
 *                         {"seq":1000,"hash":"…","at":"…","key":"<fingerprint>","signature":"<base64>"}
 *     store.json          "ledgerHead": {"seq","hash","at"}, rewritten when the head is anchored
 *
 * The journal is a third anchor: each of its lines carries the ledger entries of its commit.
 *
 * Every anchor is written only once what it anchors is durable in ledger.jsonl, so a kill at any
 * moment leaves a ledger at or past every anchor; a ledger that ends before one was cut.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { chmod, open } from 'node:fs/promises'
import { join } from 'node:path'
import { headSignatureHolds, keyFingerprint, type LedgerEntry, type SignedHead, signHead } from '../../domain/ledger.js'
import { AppendFile, DurableJsonFile, FILE_MODE, type OnSync, syncDir, TEMP_SUFFIX } from './durable-file.js'
import { DatabaseFileError } from './errors.js'
import { isObject, parseLine, splitLines } from './json-lines.js'
import { CHECKPOINTS_FILE, KEY_FILE, type Manifest, MANIFEST_FILE, manifestProblem } from './layout.js'
import { LEDGER_FILE } from './ledger-file.js'
import { rename } from 'node:fs/promises'

/** A signed head every this many records (besides those at start, compaction and stop). */
export const CHECKPOINT_EVERY = 1000

export interface Checkpoint {
  /** 1-based line in checkpoints.jsonl. */
  line: number
  head: SignedHead
}

const KEY_ADVICE =
  'It is not in backups/ (on purpose): put back the copy you kept, or, if it is lost, move checkpoints.jsonl aside (keep it: it is evidence of what was signed), start the bot to make a new key, and publish the new fingerprint'

/** The data folder's signing key, or undefined when there is none. */
export function readSigningKey(dataDir: string): KeyObject | undefined {
  const file = join(dataDir, KEY_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  try {
    const key = createPrivateKey((JSON.parse(text) as { privateKey: string }).privateKey)
    if (key.asymmetricKeyType === 'ed25519') return key
  } catch {
    // Refused below.
  }
  throw new DatabaseFileError(
    file,
    undefined,
    `does not hold the Ed25519 private key (PEM, under "privateKey") that signs the ledger's heads. ${KEY_ADVICE}`,
  )
}

/** Makes the signing key of a data folder that has none (0600, written durably). */
async function createSigningKey(dataDir: string, onSync?: OnSync): Promise<KeyObject> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const pair = {
    algorithm: 'Ed25519',
    fingerprint: keyFingerprint(publicKey),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  }
  const file = join(dataDir, KEY_FILE)
  const temp = file + TEMP_SUFFIX
  const handle = await open(temp, 'w', FILE_MODE)
  try {
    await handle.chmod(FILE_MODE)
    await handle.writeFile(`${JSON.stringify(pair, null, 2)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  await syncDir(dataDir, onSync)
  return privateKey
}

const HASH = /^[0-9a-f]{64}$/

export function parseCheckpointLine(file: string, line: number, text: string): SignedHead {
  const value = parseLine(file, line, text)
  if (
    !isObject(value) ||
    !Number.isSafeInteger(value.seq) ||
    (value.seq as number) < 1 ||
    typeof value.hash !== 'string' ||
    !HASH.test(value.hash) ||
    typeof value.at !== 'string' ||
    typeof value.key !== 'string' ||
    typeof value.signature !== 'string'
  )
    throw new DatabaseFileError(file, line, 'is not a signed head (it needs seq, hash, at, key and signature)')
  return value as unknown as SignedHead
}

/** checkpoints.jsonl read whole (a line per thousand records); a last line a kill cut short is left out. */
export function readCheckpoints(dataDir: string): { checkpoints: Checkpoint[]; completeBytes: number; tornBytes: number } {
  const file = join(dataDir, CHECKPOINTS_FILE)
  let buffer: Buffer
  try {
    buffer = readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], completeBytes: 0, tornBytes: 0 }
    throw new DatabaseFileError(file, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code})`)
  }
  const { lines, completeBytes, tornBytes } = splitLines(buffer)
  return { checkpoints: lines.map((text, i) => ({ line: i + 1, head: parseCheckpointLine(file, i + 1, text) })), completeBytes, tornBytes }
}

/** A place outside ledger.jsonl that names a record the ledger reached. */
export interface Anchor {
  where: string
  seq: number
  hash: string
  at: string
}

/** The anchors of a data folder: the manifest's head and each signed head, in that order. */
export function anchorsOf(dataDir: string, manifest: Manifest, checkpoints: Checkpoint[]): Anchor[] {
  const anchors: Anchor[] = []
  if (manifest.ledgerHead) anchors.push({ where: join(dataDir, MANIFEST_FILE), ...manifest.ledgerHead })
  for (const { line, head } of checkpoints)
    anchors.push({ where: `${join(dataDir, CHECKPOINTS_FILE)}:${line}`, seq: head.seq, hash: head.hash, at: head.at })
  return anchors
}

/** The anchor a ledger that ends at `last` falls short of, said as the owner reads it. */
export function missingFromEnd(last: Pick<LedgerEntry, 'seq'> | undefined, anchor: Anchor): string {
  const count = last?.seq ?? 0
  const missing = anchor.seq - count
  return `${count ? `ends at record ${count}` : 'holds no record'}, but ${anchor.where} anchored record ${anchor.seq} (hash ${anchor.hash.slice(0, 12)}…, ${anchor.at}): ${missing === 1 ? 'the last record was' : `the last ${missing} records were`} removed, or the file was emptied or replaced. Put back the ${LEDGER_FILE} of a backup that holds record ${anchor.seq}`
}

/**
 * What recovery refuses, before anything is written: a ledger that ends before an anchor (with
 * `hashAt`, the hash of any record, or only the last one's), a last head not signed by the
 * folder's key, signed heads without the key.
 */
export function sealProblem(
  dataDir: string,
  manifest: Manifest,
  checkpoints: Checkpoint[],
  key: KeyObject | undefined,
  last: Pick<LedgerEntry, 'seq' | 'hash'> | undefined,
  hashAt: (seq: number) => string | undefined,
  /** The bot refuses signed heads without their key; a reader (of a backup, say) leaves that to ledger:verify. */
  needKey: boolean,
): DatabaseFileError | undefined {
  const ledgerFile = join(dataDir, LEDGER_FILE)
  const newest = checkpoints.at(-1)
  if (newest && !key && needKey)
    return new DatabaseFileError(
      join(dataDir, KEY_FILE),
      undefined,
      `is missing, while ${CHECKPOINTS_FILE} holds ${checkpoints.length} ledger head${checkpoints.length === 1 ? '' : 's'} it signed. ${KEY_ADVICE}`,
    )
  if (newest && key && !headSignatureHolds(key, newest.head))
    return new DatabaseFileError(
      join(dataDir, CHECKPOINTS_FILE),
      newest.line,
      `holds a ledger head not signed by ${KEY_FILE} (fingerprint ${keyFingerprint(key)}): the key or the head was replaced. Run npm run ledger:verify for the details`,
    )
  for (const anchor of anchorsOf(dataDir, manifest, checkpoints)) {
    if (anchor.seq > (last?.seq ?? 0)) return new DatabaseFileError(ledgerFile, undefined, missingFromEnd(last, anchor))
    const hash = anchor.seq === last?.seq ? last.hash : hashAt(anchor.seq)
    if (hash !== undefined && hash !== anchor.hash)
      return new DatabaseFileError(
        ledgerFile,
        undefined,
        `holds a record ${anchor.seq} that is not the one ${anchor.where} anchored (${anchor.at}): the ledger was rewritten from there on. Run npm run ledger:verify for the details, and put back the ${LEDGER_FILE} of a backup`,
      )
  }
  return undefined
}

/** The running bot's side: signs heads and anchors them. Called with the commit log's io lock held. */
export class LedgerSeals {
  private constructor(
    private readonly dataDir: string,
    private readonly key: KeyObject,
    private readonly checkpoints: AppendFile,
    private manifest: Manifest,
    private signed: number,
    private readonly onSync: OnSync | undefined,
    private readonly every: number,
  ) {}

  /** Opens (making the key on a first start) from what recovery found. */
  static async open(
    dataDir: string,
    found: { manifest: Manifest; checkpoints: Checkpoint[]; signingKey: KeyObject | undefined },
    onSync?: OnSync,
    every = CHECKPOINT_EVERY,
  ): Promise<LedgerSeals> {
    const key = found.signingKey ?? (await createSigningKey(dataDir, onSync))
    await chmod(join(dataDir, KEY_FILE), FILE_MODE)
    const checkpoints = await AppendFile.open(join(dataDir, CHECKPOINTS_FILE), onSync)
    if (checkpoints.size === 0) await syncDir(dataDir, onSync)
    return new LedgerSeals(dataDir, key, checkpoints, found.manifest, found.checkpoints.at(-1)?.head.seq ?? 0, onSync, every)
  }

  get fingerprint(): string {
    return keyFingerprint(this.key)
  }

  /** After a batch is durable: a signed head once the ledger passes the next multiple of `every`. */
  async afterCommit(head: Pick<LedgerEntry, 'seq' | 'hash'>): Promise<void> {
    if (Math.floor(head.seq / this.every) > Math.floor(this.signed / this.every)) await this.sign(head)
  }

  /** Signs `head` (durable in the ledger) and writes it into store.json (start, compaction, stop). */
  async anchor(head: Pick<LedgerEntry, 'seq' | 'hash'> | undefined): Promise<void> {
    if (!head) return
    if (head.seq > this.signed) await this.sign(head)
    if (this.manifest.ledgerHead?.seq === head.seq && this.manifest.ledgerHead.hash === head.hash) return
    const manifest: Manifest = { ...this.manifest, ledgerHead: { seq: head.seq, hash: head.hash, at: new Date().toISOString() } }
    await new DurableJsonFile(join(this.dataDir, MANIFEST_FILE), manifestProblem, this.onSync).write(manifest)
    this.manifest = manifest
  }

  close(): Promise<void> {
    return this.checkpoints.close()
  }

  private async sign(head: Pick<LedgerEntry, 'seq' | 'hash'>): Promise<void> {
    const signed = signHead(this.key, { seq: head.seq, hash: head.hash, at: new Date().toISOString() })
    await this.checkpoints.append(`${JSON.stringify(signed)}\n`)
    this.signed = head.seq
  }
}
